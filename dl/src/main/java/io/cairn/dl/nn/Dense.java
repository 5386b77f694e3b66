package io.cairn.dl.nn;

import io.cairn.dl.rng.Stream;

/** A fully connected layer {@code y = W x + b}, W stored row-major [out][in]. */
public final class Dense extends Layer {
  private final int in, out;

  public Dense(int in, int out) {
    if (in < 1 || out < 1) throw new IllegalArgumentException("dense layer sizes must be >= 1: " + in + " x " + out);
    this.in = in;
    this.out = out;
  }

  @Override
  public int inSize() { return in; }
  @Override
  public int outSize() { return out; }
  @Override
  public int paramCount() { return in * out + out; }
  @Override
  public String describe() { return "dense(" + in + "->" + out + ")"; }
  @Override
  public String[] paramNames() { return new String[]{"weight", "bias"}; }
  @Override
  public int[] paramSizes() { return new int[]{in * out, out}; }

  @Override
  public void init(float[] w, Stream rng) {
    double scale = StrictMath.sqrt(2.0 / in); // He initialisation
    int o = offset();
    for (int i = 0; i < in * out; i++) w[o + i] = (float) (rng.normal() * scale);
    for (int i = 0; i < out; i++) w[o + in * out + i] = 0f;
  }

  @Override
  public void forward(float[] w, float[] x, float[] y, Pass pass) {
    int o = offset(), b = o + in * out;
    for (int j = 0; j < out; j++) {
      float s = w[b + j];
      int row = o + j * in;
      for (int i = 0; i < in; i++) s += w[row + i] * x[i];
      y[j] = s;
    }
  }

  @Override
  public void backward(float[] w, float[] x, float[] y, float[] dy, float[] dx, float[] g, Pass pass) {
    int o = offset(), b = o + in * out;
    for (int j = 0; j < out; j++) {
      float d = dy[j];
      g[b + j] += d;
      if (d == 0f) continue;
      int row = o + j * in;
      for (int i = 0; i < in; i++) g[row + i] += d * x[i];
    }
    if (dx == null) return;
    for (int i = 0; i < in; i++) dx[i] = 0f;
    for (int j = 0; j < out; j++) {
      float d = dy[j];
      if (d == 0f) continue;
      int row = o + j * in;
      for (int i = 0; i < in; i++) dx[i] += w[row + i] * d;
    }
  }
}
