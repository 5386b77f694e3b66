package io.cairn.sched;

import java.util.random.RandomGenerator;

/**
 * A distribution of times between failures of one component (a node, or a whole system), treated as a
 * renewal process: after a failure and its repair the component is as good as new.
 */
public sealed interface FailureModel permits FailureModel.Exponential, FailureModel.Weibull {

  /** Mean time between failures, seconds. */
  double mean();

  /** P(X &gt; t). */
  double survival(double t);

  /** Cumulative hazard {@code -ln S(t)}. */
  double cumulativeHazard(double t);

  /** Draws one time between failures. */
  double sample(RandomGenerator rng);

  /** Log-likelihood of the given (positive) samples. */
  double logLikelihood(double[] xs);

  /** Short description with parameters, e.g. {@code weibull(shape=0.71, scale=3.2d)}. */
  String describe();

  /** Exponential failures (constant hazard), mean {@code mtbf} seconds. */
  record Exponential(double mtbf) implements FailureModel {
    public Exponential {
      if (!(mtbf > 0)) throw new IllegalArgumentException("exponential MTBF must be > 0 seconds, got " + mtbf);
    }
    @Override
    public double mean() { return mtbf; }
    @Override
    public double survival(double t) { return t <= 0 ? 1 : Math.exp(-t / mtbf); }
    @Override
    public double cumulativeHazard(double t) { return t <= 0 ? 0 : t / mtbf; }
    @Override
    public double sample(RandomGenerator rng) { return -mtbf * Math.log(1 - rng.nextDouble()); }
    @Override
    public double logLikelihood(double[] xs) {
      double s = 0;
      for (double x : xs) s += -Math.log(mtbf) - x / mtbf;
      return s;
    }
    @Override
    public String describe() { return "exponential(mtbf=" + Durations.format(mtbf) + ")"; }
  }

  /** Weibull failures: {@code S(t) = exp(-(t/scale)^shape)}; shape &lt; 1 means a decreasing hazard (infant mortality). */
  record Weibull(double shape, double scale) implements FailureModel {
    public Weibull {
      if (!(shape > 0) || !(scale > 0))
        throw new IllegalArgumentException(
            "Weibull shape and scale must be > 0, got shape=" + shape + " scale=" + scale);
    }
    /** The Weibull with the given shape whose mean is {@code mean}. */
    public static Weibull withMean(double shape, double mean) {
      return new Weibull(shape, mean / Math.exp(SpecialFunctions.logGamma(1 + 1 / shape)));
    }
    @Override
    public double mean() { return scale * Math.exp(SpecialFunctions.logGamma(1 + 1 / shape)); }
    @Override
    public double survival(double t) { return t <= 0 ? 1 : Math.exp(-Math.pow(t / scale, shape)); }
    @Override
    public double cumulativeHazard(double t) { return t <= 0 ? 0 : Math.pow(t / scale, shape); }
    @Override
    public double sample(RandomGenerator rng) { return scale * Math.pow(-Math.log(1 - rng.nextDouble()), 1 / shape); }
    @Override
    public double logLikelihood(double[] xs) {
      double s = 0;
      for (double x : xs) s += Math.log(shape / scale) + (shape - 1) * Math.log(x / scale) - Math.pow(x / scale, shape);
      return s;
    }
    @Override
    public String describe() {
      return String.format(java.util.Locale.ROOT, "weibull(shape=%.3f, scale=%s, mean=%s)", shape,
          Durations.format(scale), Durations.format(mean()));
    }
  }
}
