package io.cairn.dl.nn;

/** Element-wise activations: ReLU and tanh ({@link StrictMath}, so identical on every JVM). */
public final class Activation extends Layer {
  /** The function applied. */
  public enum Kind { RELU, TANH }

  private final Kind kind;
  private final int n;

  public Activation(Kind kind, int size) {
    this.kind = kind;
    this.n = size;
  }

  public static Activation relu(int size) { return new Activation(Kind.RELU, size); }
  public static Activation tanh(int size) { return new Activation(Kind.TANH, size); }

  @Override
  public int inSize() { return n; }
  @Override
  public int outSize() { return n; }
  @Override
  public String describe() { return kind.name().toLowerCase(java.util.Locale.ROOT) + "(" + n + ")"; }

  @Override
  public void forward(float[] w, float[] x, float[] y, Pass pass) {
    if (kind == Kind.RELU) for (int i = 0; i < n; i++) y[i] = x[i] > 0f ? x[i] : 0f;
    else
      for (int i = 0; i < n; i++) y[i] = (float) StrictMath.tanh(x[i]);
  }

  @Override
  public void backward(float[] w, float[] x, float[] y, float[] dy, float[] dx, float[] g, Pass pass) {
    if (dx == null) return;
    if (kind == Kind.RELU) for (int i = 0; i < n; i++) dx[i] = x[i] > 0f ? dy[i] : 0f;
    else
      for (int i = 0; i < n; i++) dx[i] = dy[i] * (1f - y[i] * y[i]);
  }
}
