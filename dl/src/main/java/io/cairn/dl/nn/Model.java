package io.cairn.dl.nn;

import io.cairn.dl.rng.Keys;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A sequence of layers with all parameters in one flat {@code float[]} (stable for the life of the
 * model, so a checkpointer can protect it once). Forward and backward run per sample through a
 * {@link Workspace}, one per worker thread; the loss is softmax cross-entropy.
 */
public final class Model {
  private final List<Layer> layers;
  private final float[] params;
  private final int classes;

  public Model(Layer... layers) {
    if (layers.length == 0) throw new IllegalArgumentException("a model needs at least one layer");
    this.layers = List.of(layers);
    int off = 0;
    for (int i = 0; i < layers.length; i++) {
      if (i > 0 && layers[i].inSize() != layers[i - 1].outSize())
        throw new IllegalArgumentException("layer " + i + " " + layers[i].describe() + " takes " + layers[i].inSize()
            + " inputs but layer " + (i - 1) + " " + layers[i - 1].describe() + " gives " + layers[i - 1].outSize());
      layers[i].bind(i, off);
      off += layers[i].paramCount();
    }
    this.params = new float[off];
    this.classes = layers[layers.length - 1].outSize();
  }

  /** Initialises every parameter from the keyed stream {@code (seed, "init/<layer>", 0, 0, 0)}. */
  public Model init(Keys keys) {
    for (Layer l : layers) if (l.paramCount() > 0) l.init(params, keys.stream("init/" + l.index(), 0, 0, 0));
    return this;
  }

  public List<Layer> layers() { return layers; }

  /** The flat parameter vector (live; do not replace). */
  public float[] params() { return params; }

  public int paramCount() { return params.length; }
  public int inputSize() { return layers.getFirst().inSize(); }
  public int classes() { return classes; }

  /** Parameter tensors by name ({@code "1.dense.weight"}) with their offset and size in {@link #params()}. */
  public Map<String, int[]> namedParams() {
    Map<String, int[]> out = new LinkedHashMap<>();
    for (Layer l : layers) {
      String[] names = l.paramNames();
      int[] sizes = l.paramSizes();
      int off = l.offset();
      String kind = l.describe().substring(0, l.describe().indexOf('('));
      for (int i = 0; i < names.length; i++) {
        out.put(l.index() + "." + kind + "." + names[i], new int[]{off, sizes[i]});
        off += sizes[i];
      }
    }
    return out;
  }

  /** Shapes and hyperparameters of all layers (part of the configuration fingerprint). */
  public String describe() {
    List<String> s = new ArrayList<>();
    for (Layer l : layers) s.add(l.describe());
    return String.join(",", s);
  }

  /** Per-thread memory of a forward/backward pass. */
  public Workspace workspace() { return new Workspace(); }

  /** Activations and gradients of one sample; reused from sample to sample by one thread. */
  public final class Workspace {
    private final float[][] acts = new float[layers.size() + 1][];
    private final float[][] grads = new float[layers.size() + 1][];
    private final Layer.Pass pass = new Layer.Pass(layers.size());

    Workspace() {
      acts[0] = new float[layers.getFirst().inSize()];
      for (int i = 0; i < layers.size(); i++) {
        acts[i + 1] = new float[layers.get(i).outSize()];
        grads[i + 1] = new float[layers.get(i).outSize()];
      }
    }

    /** The logits of the last forward pass. */
    public float[] logits() { return acts[layers.size()]; }

    /**
     * Forward, loss and (when {@code g != null}) backward of one sample; adds the parameter
     * gradients into {@code g} and returns the cross-entropy loss.
     *
     * @param keys          the run's keys (dropout streams)
     * @param dropoutOffset the dropout offset of this step
     * @param sample        the sample's slot in the batch (keys its dropout stream)
     */
    public double lossAndGradient(float[] x, int label, float[] g, boolean training, Keys keys, long dropoutOffset,
        long sample) {
      pass.training = training;
      pass.keys = keys;
      pass.dropoutOffset = dropoutOffset;
      pass.sample = sample;
      System.arraycopy(x, 0, acts[0], 0, acts[0].length);
      for (int i = 0; i < layers.size(); i++) layers.get(i).forward(params, acts[i], acts[i + 1], pass);
      float[] z = acts[layers.size()];
      if (label < 0 || label >= z.length)
        throw new IllegalArgumentException("label " + label + " outside 0.." + (z.length - 1));
      float max = z[0];
      for (float v : z) max = Math.max(max, v);
      double sum = 0;
      for (float v : z) sum += StrictMath.exp(v - max);
      double logSum = StrictMath.log(sum);
      double loss = logSum - (z[label] - max);
      if (g == null) return loss;
      float[] dz = grads[layers.size()];
      for (int j = 0; j < z.length; j++) {
        double p = StrictMath.exp(z[j] - max - logSum);
        dz[j] = (float) (p - (j == label ? 1.0 : 0.0));
      }
      for (int i = layers.size() - 1; i >= 0; i--) {
        layers.get(i).backward(params, acts[i], acts[i + 1], grads[i + 1], i == 0 ? null : grads[i], g, pass);
      }
      return loss;
    }

    /** Index of the largest logit after a forward pass without training. */
    public int predict(float[] x, Keys keys) {
      lossAndGradient(x, 0, null, false, keys, 0, 0);
      float[] z = logits();
      int best = 0;
      for (int j = 1; j < z.length; j++) if (z[j] > z[best]) best = j;
      return best;
    }
  }
}
