package io.cairn.dl.nn;

import io.cairn.dl.rng.Stream;

/**
 * One layer of a {@link Model}, working on one sample at a time on flat {@code float} arrays. Its
 * parameters live in the model's flat parameter vector at {@link #offset()}. Implementations must be
 * deterministic functions of their inputs (and of the keyed random stream for dropout).
 */
public abstract class Layer {
  private int offset = -1;
  private int index = -1;

  /** Flat size of one input sample. */
  public abstract int inSize();

  /** Flat size of one output sample. */
  public abstract int outSize();

  /** Number of parameters (0 for activations and dropout). */
  public int paramCount() { return 0; }

  /** A description of the shape and hyperparameters (goes into the configuration fingerprint). */
  public abstract String describe();

  /** Names and sizes of the parameter tensors, in order inside this layer's slice. */
  public String[] paramNames() {
    return new String[0];
  }

  /** Sizes matching {@link #paramNames()}. */
  public int[] paramSizes() { return new int[0]; }

  /** Initialises this layer's parameters in {@code w[offset ..]} from a keyed stream. */
  public void init(float[] w, Stream rng) {}

  /** Forward pass of one sample: reads {@code x}, writes {@code y}; per-layer scratch memory comes from {@code pass}. */
  public abstract void forward(float[] w, float[] x, float[] y, Pass pass);

  /**
   * Backward pass of one sample: given {@code dy}, adds parameter gradients into {@code g} (same layout
   * as {@code w}) and writes {@code dx} (which may be skipped for the first layer when {@code dx == null}).
   */
  public abstract void backward(float[] w, float[] x, float[] y, float[] dy, float[] dx, float[] g, Pass pass);

  /** Position of this layer's parameters inside the flat vector. */
  public final int offset() { return offset; }

  /** Position of this layer inside the model. */
  public final int index() { return index; }

  final void bind(int index, int offset) {
    if (this.offset >= 0) throw new IllegalStateException("layer " + describe() + " is already part of a model");
    this.index = index;
    this.offset = offset;
  }

  /** Per-sample context of a forward/backward pass: training flag, keyed randomness, scratch. */
  public static final class Pass {
    private final float[][] scratch;
    boolean training;
    io.cairn.dl.rng.Keys keys;
    long dropoutOffset;
    long sample;

    Pass(int layers) { this.scratch = new float[layers][]; }

    public boolean training() { return training; }

    /** A keyed stream for this sample and layer (purpose {@code "dropout/<layer>"}). */
    public Stream stream(String purpose, Layer layer) {
      return keys.stream(purpose + "/" + layer.index(), 0, dropoutOffset, sample);
    }

    /** Scratch memory of {@code n} floats owned by {@code layer} in this pass. */
    public float[] scratch(Layer layer, int n) {
      float[] s = scratch[layer.index()];
      if (s == null || s.length != n) scratch[layer.index()] = s = new float[n];
      return s;
    }
  }
}
