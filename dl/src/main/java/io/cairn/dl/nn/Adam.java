package io.cairn.dl.nn;

import io.cairn.StateReader;
import io.cairn.StateWriter;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Adam (Kingma and Ba) with bias correction; state: first and second moments and the step count. */
public final class Adam implements Optimizer {
  private final double beta1, beta2, eps;
  private final float[] m, v;
  private long t;

  public Adam(int params) { this(params, 0.9, 0.999, 1e-8); }

  public Adam(int params, double beta1, double beta2, double eps) {
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.m = new float[params];
    this.v = new float[params];
  }

  @Override
  public void update(float[] w, float[] g, double lr) {
    t++;
    double c1 = 1 - StrictMath.pow(beta1, t), c2 = 1 - StrictMath.pow(beta2, t);
    float step = (float) (lr * StrictMath.sqrt(c2) / c1);
    float b1 = (float) beta1, b2 = (float) beta2, e = (float) (eps * StrictMath.sqrt(c2));
    for (int i = 0; i < w.length; i++) {
      float gi = g[i];
      float mi = b1 * m[i] + (1f - b1) * gi;
      float vi = b2 * v[i] + (1f - b2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      w[i] -= step * mi / ((float) Math.sqrt(vi) + e);
    }
  }

  /** Updates taken so far (the bias-correction step count). */
  public long steps() { return t; }

  @Override
  public Map<String, float[]> stateArrays() {
    Map<String, float[]> s = new LinkedHashMap<>();
    s.put("m", m);
    s.put("v", v);
    return s;
  }

  @Override
  public String describe() { return "adam(b1=" + beta1 + ",b2=" + beta2 + ",eps=" + eps + ")"; }
  @Override
  public void save(StateWriter out) { out.writeLong(t); }
  @Override
  public void load(StateReader in) throws IOException { t = in.readLong(); }
}
