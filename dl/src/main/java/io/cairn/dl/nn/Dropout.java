package io.cairn.dl.nn;

import io.cairn.dl.rng.Stream;

/**
 * Inverted dropout: in training, each unit is kept with probability {@code 1 - p} and scaled by
 * {@code 1/(1-p)}. The mask of a sample comes from the keyed stream
 * {@code (seed, "dropout/<layer>", 0, dropout offset, sample slot)}, never from a shared generator.
 */
public final class Dropout extends Layer {
  private final int n;
  private final float p;

  public Dropout(int size, double p) {
    if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
    this.n = size;
    this.p = (float) p;
  }

  @Override
  public int inSize() { return n; }
  @Override
  public int outSize() { return n; }
  @Override
  public String describe() { return "dropout(" + n + ",p=" + p + ")"; }

  @Override
  public void forward(float[] w, float[] x, float[] y, Pass pass) {
    if (!pass.training() || p == 0f) {
      System.arraycopy(x, 0, y, 0, n);
      return;
    }
    float[] mask = pass.scratch(this, n);
    Stream s = pass.stream("dropout", this);
    float scale = 1f / (1f - p);
    for (int i = 0; i < n; i++) {
      mask[i] = s.uniformFloat() >= p ? scale : 0f;
      y[i] = x[i] * mask[i];
    }
  }

  @Override
  public void backward(float[] w, float[] x, float[] y, float[] dy, float[] dx, float[] g, Pass pass) {
    if (dx == null) return;
    if (!pass.training() || p == 0f) {
      System.arraycopy(dy, 0, dx, 0, n);
      return;
    }
    float[] mask = pass.scratch(this, n);
    for (int i = 0; i < n; i++) dx[i] = dy[i] * mask[i];
  }
}
