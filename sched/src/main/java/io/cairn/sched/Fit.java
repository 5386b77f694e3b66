package io.cairn.sched;

/** Maximum-likelihood fits of failure models to observed times between failures (all &gt; 0, seconds). */
public final class Fit {
  private Fit() {}

  /** The exponential MLE: mean of the samples. */
  public static FailureModel.Exponential exponential(double[] xs) {
    check(xs);
    double s = 0;
    for (double x : xs) s += x;
    return new FailureModel.Exponential(s / xs.length);
  }

  /**
   * The Weibull MLE: the shape {@code k} solves {@code sum x^k ln x / sum x^k - 1/k - mean(ln x) = 0} (found by
   * bisection, the left side increases with k), then {@code scale = (mean x^k)^(1/k)}.
   */
  public static FailureModel.Weibull weibull(double[] xs) {
    check(xs);
    double mean = 0;
    for (double x : xs) mean += x;
    mean /= xs.length;
    double[] y = new double[xs.length];
    double meanLog = 0;
    for (int i = 0; i < xs.length; i++) { y[i] = xs[i] / mean; meanLog += Math.log(y[i]); }
    meanLog /= xs.length;
    double lo = 0.01, hi = 50;
    for (int it = 0; it < 200; it++) {
      double k = Math.sqrt(lo * hi);
      if (score(y, k, meanLog) > 0) hi = k;
      else
        lo = k;
      if (hi / lo < 1 + 1e-12) break;
    }
    double k = Math.sqrt(lo * hi);
    double s = 0;
    for (double v : y) s += Math.pow(v, k);
    return new FailureModel.Weibull(k, mean * Math.pow(s / y.length, 1 / k));
  }

  private static double score(double[] y, double k, double meanLog) {
    double a = 0, b = 0;
    for (double v : y) { double p = Math.pow(v, k); a += p * Math.log(v); b += p; }
    return a / b - 1 / k - meanLog;
  }

  /** Akaike information criterion difference AIC(exponential) - AIC(Weibull): positive favours Weibull. */
  public static double aicGainOfWeibull(double[] xs) {
    return 2 * (1 - exponential(xs).logLikelihood(xs)) - 2 * (2 - weibull(xs).logLikelihood(xs));
  }

  private static void check(double[] xs) {
    if (xs.length < 2)
      throw new IllegalArgumentException("need at least 2 times between failures to fit, got " + xs.length);
    for (double x : xs)
      if (!(x > 0)) throw new IllegalArgumentException("times between failures must be > 0, got " + x);
  }
}
