package io.cairn.internal.engine;

import io.cairn.internal.Settings;
import java.util.function.LongSupplier;

/**
 * Decides when a checkpoint is due: every N calls, every T seconds, or at Young's / Daly's optimal
 * interval computed from the configured MTBF and the blocking cost Cairn measured itself.
 */
public final class IntervalPolicy {
  private final Settings.Interval mode;
  private final long steps;
  private final double seconds;
  private final double mtbf;
  private final double first;
  private final LongSupplier nanos;
  private long calls;
  private long lastNanos;
  private double cost = Double.NaN; // exponentially weighted blocking cost, seconds

  public IntervalPolicy(Settings s, LongSupplier nanos) {
    this.mode = s.interval();
    this.steps = s.integer("interval.steps");
    this.seconds = s.duration("interval.seconds").toNanos() / 1e9;
    this.mtbf = s.duration("interval.mtbf").toNanos() / 1e9;
    this.first = s.duration("interval.first").toNanos() / 1e9;
    this.nanos = nanos;
    this.lastNanos = nanos.getAsLong();
  }

  /** Young (1974): sqrt(2 C M). */
  public static double young(double cost, double mtbf) {
    return Math.sqrt(2 * cost * mtbf);
  }

  /** Daly (2006), higher-order: sqrt(2CM)(1 + sqrt(C/2M)/3 + C/(18M)) - C for C < 2M, else M. */
  public static double daly(double cost, double mtbf) {
    if (cost >= 2 * mtbf) return mtbf;
    double r = cost / (2 * mtbf);
    return Math.sqrt(2 * cost * mtbf) * (1 + Math.sqrt(r) / 3 + r / 9) - cost;
  }

  /** The current interval in seconds (NaN for step-based or no policy). */
  public double intervalSeconds() {
    return switch (mode) {
      case SECONDS -> seconds;
      case YOUNG -> Double.isNaN(cost) ? first : Math.max(young(cost, mtbf), 1e-3);
      case DALY -> Double.isNaN(cost) ? first : Math.max(daly(cost, mtbf), 1e-3);
      default -> Double.NaN;
    };
  }

  public boolean due() {
    calls++;
    return switch (mode) {
      case NONE -> false;
      case STEPS -> calls >= steps;
      default -> (nanos.getAsLong() - lastNanos) / 1e9 >= intervalSeconds();
    };
  }

  /** Records a checkpoint and its blocking cost. */
  public void checkpointed(double blockingSeconds) {
    calls = 0;
    lastNanos = nanos.getAsLong();
    cost = Double.isNaN(cost) ? blockingSeconds : 0.7 * cost + 0.3 * blockingSeconds;
  }

  /** Starts from a cost measured earlier (by a previous run of the same checkpoint directory). */
  public void seedCost(double seconds) {
    if (Double.isNaN(cost)) cost = seconds;
  }

  /** After a restore: the interval starts again from now. */
  public void restarted() {
    calls = 0;
    lastNanos = nanos.getAsLong();
  }

  public double measuredCost() { return cost; }

  /** The configured mean time between failures, seconds (used by the Young and Daly modes). */
  public double mtbfSeconds() {
    return mtbf;
  }

  /** The configured number of calls between checkpoints (the steps mode). */
  public long steps() { return steps; }

  public Settings.Interval mode() { return mode; }
}
