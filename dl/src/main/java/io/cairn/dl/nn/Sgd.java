package io.cairn.dl.nn;

import io.cairn.StateReader;
import io.cairn.StateWriter;
import java.io.IOException;
import java.util.Map;

/** SGD with (heavy-ball) momentum and optional weight decay: {@code v = mu v + g + wd w; w -= lr v}. */
public final class Sgd implements Optimizer {
  private final float momentum, decay;
  private final float[] velocity;
  private long steps;

  public Sgd(int params, double momentum, double weightDecay) {
    this.momentum = (float) momentum;
    this.decay = (float) weightDecay;
    this.velocity = new float[params];
  }

  @Override
  public void update(float[] w, float[] g, double lr) {
    float a = (float) lr;
    for (int i = 0; i < w.length; i++) {
      float v = momentum * velocity[i] + g[i] + decay * w[i];
      velocity[i] = v;
      w[i] -= a * v;
    }
    steps++;
  }

  public long steps() { return steps; }

  @Override
  public Map<String, float[]> stateArrays() { return Map.of("velocity", velocity); }
  @Override
  public String describe() { return "sgd(momentum=" + momentum + ",decay=" + decay + ")"; }
  @Override
  public void save(StateWriter out) { out.writeLong(steps); }
  @Override
  public void load(StateReader in) throws IOException { steps = in.readLong(); }
}
