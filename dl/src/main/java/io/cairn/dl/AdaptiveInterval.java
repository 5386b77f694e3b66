package io.cairn.dl;

/**
 * Chooses the checkpoint interval online, as CheckFreq does: measure the step time, the stall a
 * checkpoint causes (the snapshot, phase 1), the slowdown of the steps that run while the persist
 * (phase 2) competes for the CPU and memory bandwidth ("interference"), and the persist time, then
 * take the smallest interval {@code k} (in steps) with
 * <ul>
 *   <li>{@code (stall + interference) / (k * step) <= bound}: training slows down by at most
 *       {@code bound}, and</li>
 *   <li>{@code k * step >= persist}: a persist ends before the next snapshot, so staging memory never
 *       fills up and snapshots do not wait.</li>
 * </ul>
 * Measurements are smoothed (exponential moving average, weight 0.2 for a new value). Until the first
 * checkpoint has been measured, the interval is {@code initial}. Not thread-safe, except
 * {@link #persistCost}, which a background callback may call.
 */
public final class AdaptiveInterval {
  private final double bound;
  private final int min, max, initial;
  private double step = Double.NaN, stall = Double.NaN, interference = Double.NaN, extra;
  private volatile double persist = Double.NaN;
  private long last;
  private int chosen;

  /**
   * @param bound   the overhead bound, e.g. 0.03 for 3%
   * @param initial the interval (steps) used until the first checkpoint was measured
   * @param min     the smallest interval allowed
   * @param max     the largest interval allowed
   */
  public AdaptiveInterval(double bound, int initial, int min, int max) {
    if (!(bound > 0 && bound < 1)) throw new IllegalArgumentException("overhead bound must be in (0, 1), got " + bound);
    if (min < 1 || max < min || initial < min || initial > max)
      throw new IllegalArgumentException("need 1 <= min <= initial <= max, got " + min + ", " + initial + ", " + max);
    this.bound = bound;
    this.min = min;
    this.max = max;
    this.initial = initial;
    this.chosen = initial;
  }

  private static double ema(double old, double v) { return Double.isNaN(old) ? v : 0.8 * old + 0.2 * v; }

  /** Records the duration of one training step while no persist runs in the background, in seconds. */
  public void stepTime(double seconds) {
    stepTime(seconds, false);
  }

  /**
   * Records the duration of one training step, in seconds; {@code persisting} when a background
   * persist ran during the step (its excess over the clean step time counts as interference).
   */
  public void stepTime(double seconds, boolean persisting) {
    if (persisting && !Double.isNaN(step)) {
      extra += Math.max(0, seconds - step);
      return;
    }
    step = ema(step, seconds);
    update();
  }

  /**
   * Records how long a checkpoint blocked training (the snapshot), in seconds. The interference
   * accumulated since the previous checkpoint is taken as that checkpoint's interference.
   */
  public void snapshotCost(double seconds) {
    if (!Double.isNaN(stall)) interference = ema(interference, extra);
    extra = 0;
    stall = ema(stall, seconds);
    update();
  }

  /** Records how long a background persist took, in seconds. */
  public void persistCost(double seconds) {
    persist = ema(persist, seconds);
  }

  private void update() {
    if (Double.isNaN(step) || Double.isNaN(stall) || step <= 0) return;
    double k = Math.ceil((stall + interferenceOrZero()) / (bound * step));
    double p = persist;
    if (!Double.isNaN(p)) k = Math.max(k, Math.ceil(p / step));
    chosen = (int) Math.clamp(k, min, max);
  }

  /** The interval in steps chosen from the measurements so far. */
  public int interval() { return chosen; }

  /** True when {@code stepsDone} is at least one interval after the last checkpoint. */
  public boolean due(long stepsDone) {
    return stepsDone - last >= chosen;
  }

  /** Tells the policy a checkpoint was taken after {@code stepsDone} steps. */
  public void checkpointed(long stepsDone) {
    last = stepsDone;
  }

  /** The expected slowdown at the chosen interval: (stall + interference) / (interval * step); NaN before measurements. */
  public double expectedOverhead() {
    return (stall + interferenceOrZero()) / (chosen * step);
  }

  private double interferenceOrZero() { return Double.isNaN(interference) ? 0 : interference; }

  /** Mean slowdown of the steps that overlapped one background persist, in seconds per checkpoint. */
  public double meanInterferenceSeconds() {
    return interferenceOrZero();
  }

  public double meanStepSeconds() { return step; }
  public double meanStallSeconds() { return stall; }
  public double meanPersistSeconds() { return persist; }
  public double bound() { return bound; }
  public int initial() { return initial; }
}
