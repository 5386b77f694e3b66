package io.cairn.dl.nn;

import io.cairn.Checkpointable;
import io.cairn.StateReader;
import io.cairn.StateWriter;
import java.io.IOException;

/**
 * A learning-rate schedule. {@link #lr(long)} gives the rate for a step; {@link #observe(long, double)}
 * feeds the step's loss to schedules that adapt (their state is then replay-relevant and saved).
 */
public interface LrSchedule extends Checkpointable {
  double lr(long step);

  default void observe(long step, double loss) {}

  String describe();

  /** Linear warm-up then cosine decay to {@code min}: a pure function of the step (nothing to save but the config). */
  static LrSchedule warmupCosine(double base, double min, long warmup, long total) {
    return new LrSchedule() {
      @Override
      public double lr(long step) {
        if (step < warmup) return base * (step + 1) / warmup;
        double p = Math.min(1.0, (double) (step - warmup) / Math.max(1, total - warmup));
        return min + 0.5 * (base - min) * (1 + StrictMath.cos(StrictMath.PI * p));
      }
      @Override
      public String describe() { return "warmupCosine(" + base + "," + min + "," + warmup + "," + total + ")"; }
      @Override
      public void save(StateWriter out) {}
      @Override
      public void load(StateReader in) {}
    };
  }

  /**
   * Reduce-on-plateau: multiplies the rate by {@code factor} when the mean loss of a window of
   * {@code window} steps did not improve on the best window by {@code 1e-4} relative. Stateful.
   */
  static LrSchedule plateau(double base, double factor, int window) {
    return new Plateau(base, factor, window);
  }

  /** The stateful schedule behind {@link #plateau}. */
  final class Plateau implements LrSchedule {
    private final double base, factor;
    private final int window;
    private double rate, best = Double.POSITIVE_INFINITY, sum;
    private int count;

    Plateau(double base, double factor, int window) {
      this.base = base;
      this.factor = factor;
      this.window = window;
      this.rate = base;
    }

    @Override
    public double lr(long step) { return rate; }

    @Override
    public void observe(long step, double loss) {
      sum += loss;
      if (++count < window) return;
      double mean = sum / count;
      if (mean < best * (1 - 1e-4)) best = mean;
      else
        rate *= factor;
      sum = 0;
      count = 0;
    }

    @Override
    public String describe() { return "plateau(" + base + "," + factor + "," + window + ")"; }

    @Override
    public void save(StateWriter out) {
      out.writeDouble(rate).writeDouble(best).writeDouble(sum).writeInt(count);
    }

    @Override
    public void load(StateReader in) throws IOException {
      rate = in.readDouble();
      best = in.readDouble();
      sum = in.readDouble();
      count = in.readInt();
    }
  }
}
