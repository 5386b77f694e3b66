package io.cairn.sched;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cairn.sched.sim.SingleJobMonteCarlo;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class IntervalsTest {
  static final double C = 300, R = 600, M = 86_400;

  @Test
  void youngAndDalyClosedForms() {
    assertThat(Intervals.young(C, M)).isCloseTo(7200, within(1e-9));
    double x = Math.sqrt(C / (2 * M));
    assertThat(Intervals.daly(C, M)).isCloseTo(7200 * (1 + x / 3 + x * x / 9) - C, within(1e-9));
    assertThat(Intervals.daly(3 * M, M)).isEqualTo(M);
  }

  /**
   * Daly (FGCS 2006), Figs. 3-5: for delta = 5 min, R = 10 min, Ts = 500 h the model predicts tau_opt = 117 min at
   * M = 24 h, 57 min at M = 6 h and 9.1 min at M = 15 min (published values, rounded as printed).
   */
  @Test
  void reproducesDalysPublishedOptima() {
    assertThat(Intervals.daly(300, 24 * 3600) / 60).isCloseTo(117, within(0.5));
    assertThat(Intervals.daly(300, 6 * 3600) / 60).isCloseTo(57, within(0.5));
    assertThat(Intervals.daly(300, 15 * 60) / 60).isCloseTo(9.1, within(0.05));
    // and the exact optimum of the completion-time model for Ts = 500 h agrees with the printed values too
    for (double[] c : new double[][]{{24 * 3600, 117, 1.5}, {6 * 3600, 57, 1}, {15 * 60, 9.1, 0.3}}) {
      double m = c[0];
      double best = FiniteJob.argminCompletion(500 * 3600, 300, 600, m);
      assertThat(best / 60).as("M=%s", m).isCloseTo(c[1], within(c[2]));
    }
  }

  /** Minimises Daly's expected completion over tau for a finite job (grid + golden section), for the test above. */
  static final class FiniteJob {
    static double argminCompletion(double work, double cost, double restart, double mtbf) {
      double lo = Math.log(cost / 10), hi = Math.log(10 * Math.sqrt(2 * cost * mtbf) + cost);
      double bestL = lo, bestV = Double.POSITIVE_INFINITY;
      for (int i = 0; i <= 4000; i++) {
        double l = lo + (hi - lo) * i / 4000;
        double v = Intervals.expectedCompletion(work, Math.exp(l), cost, restart, 0, mtbf);
        if (v < bestV) { bestV = v; bestL = l; }
      }
      return Math.exp(bestL);
    }
  }

  @Test
  void dalyIsCloseToTheExactOptimumOfItsOwnModel() {
    double exact = Intervals.optimalExponential(C, R, 0, M);
    assertThat(Intervals.daly(C, M) / exact).isCloseTo(1, within(0.002));
    // Young is first order only: further off, but still close for C << M
    assertThat(Intervals.young(C, M) / exact).isCloseTo(1, within(0.05));
    // and the optimum maximises efficiency
    double e = Intervals.efficiency(exact, C, R, 0, M);
    assertThat(e).isGreaterThan(Intervals.efficiency(exact * 1.1, C, R, 0, M))
        .isGreaterThan(Intervals.efficiency(exact * 0.5, C, R, 0, M));
  }

  /**
   * 20,000 seeded runs of a 48 h job (M = 24 h, C = 5 min, R = 10 min, Daly's interval): the sample mean agrees
   * with Daly's expected completion time within 1%, and within 4 standard errors (about 99.99% two-sided
   * confidence); the standard error here is about 0.03% of the mean.
   */
  @Test
  void monteCarloMatchesDalysExpectedCompletionWithin1Percent() {
    double work = 48 * 3600, tau = Intervals.daly(C, M);
    for (double downtime : new double[]{0, 1800}) {
      SplittableRandom rng = new SplittableRandom(42);
      int n = 20_000;
      double sum = 0, sq = 0;
      for (int i = 0; i < n; i++) {
        double t = SingleJobMonteCarlo.dalyRun(work, tau, C, R, downtime, M, rng);
        sum += t;
        sq += t * t;
      }
      double mean = sum / n, se = Math.sqrt((sq / n - mean * mean) / n);
      double analytic = Intervals.expectedCompletion(work, tau, C, R, downtime, M);
      assertThat(Math.abs(mean - analytic) / analytic).as("relative error, D=%s, se=%s", downtime, se / analytic)
          .isLessThan(0.01);
      assertThat(Math.abs(mean - analytic)).as("within 4 standard errors").isLessThan(4 * se);
    }
  }

  @Test
  void simulatedOptimumAgreesWithTheAnalyticOne() {
    double mtbf = 6 * 3600, cost = 600; // C/M ~ 3%: a pronounced optimum
    double opt = Intervals.optimalExponential(cost, R, 0, mtbf);
    double work = 60 * opt;
    int points = 21, runs = 3000;
    double[] logTau = new double[points], mean = new double[points];
    for (int p = 0; p < points; p++) {
      logTau[p] = Math.log(opt) + Math.log(4) * (p - points / 2) / (points / 2.0); // opt/4 .. 4*opt
      SplittableRandom rng = new SplittableRandom(7); // common random numbers across intervals
      double s = 0;
      for (int i = 0; i < runs; i++) s += SingleJobMonteCarlo.dalyRun(work, Math.exp(logTau[p]), cost, R, 0, mtbf, rng);
      mean[p] = s / runs;
    }
    int best = 0;
    for (int p = 1; p < points; p++) if (mean[p] < mean[best]) best = p;
    // least-squares parabola through all points in log(tau): the minimum of the fitted curve
    double[] c = fitParabola(logTau, mean);
    double simOpt = Math.exp(-c[1] / (2 * c[2]));
    assertThat(simOpt / opt)
        .as("simulated optimum %s vs analytic %s (grid best %s)", simOpt, opt, Math.exp(logTau[best]))
        .isCloseTo(1, within(0.15));
    assertThat(Math.exp(logTau[best]) / opt).isBetween(0.7, 1.45);
  }

  static double[] fitParabola(double[] x, double[] y) {
    double[][] a = new double[3][4];
    for (int i = 0; i < x.length; i++) {
      double[] row = {1, x[i], x[i] * x[i]};
      for (int r = 0; r < 3; r++) { for (int k = 0; k < 3; k++) a[r][k] += row[r] * row[k]; a[r][3] += row[r] * y[i]; }
    }
    for (int p = 0; p < 3; p++) {
      for (int r = p + 1; r < 3; r++) {
        double f = a[r][p] / a[p][p];
        for (int k = p; k < 4; k++) a[r][k] -= f * a[p][k];
      }
    }
    double[] c = new double[3];
    for (int r = 2; r >= 0; r--) {
      double s = a[r][3];
      for (int k = r + 1; k < 3; k++) s -= a[r][k] * c[k];
      c[r] = s / a[r][r];
    }
    return c;
  }

  @Test
  void weibullEfficiencyReducesToExponentialAndMatchesMonteCarlo() {
    FailureModel exp = new FailureModel.Exponential(M);
    FailureModel w1 = new FailureModel.Weibull(1, M);
    for (double tau : new double[]{1800, 7000, 20000}) {
      assertThat(Intervals.efficiency(w1, tau, C, R, 120)).isCloseTo(Intervals.efficiency(tau, C, R, 120, M),
          within(1e-9));
      assertThat(Intervals.efficiency(exp, tau, C, R, 120)).isCloseTo(Intervals.efficiency(tau, C, R, 120, M),
          within(1e-12));
    }
    FailureModel w = FailureModel.Weibull.withMean(0.7, M);
    assertThat(w.mean()).isCloseTo(M, within(1e-6));
    double tau = Intervals.optimal(w, C, R, 0);
    double analytic = Intervals.efficiency(w, tau, C, R, 0);
    double mc = SingleJobMonteCarlo.renewalEfficiency(w, tau, C, R, 0, 3e10, new SplittableRandom(3));
    assertThat(mc / analytic).isCloseTo(1, within(0.005));
    // the numerical optimum differs from Daly's (which assumes a constant hazard) and is strictly better
    assertThat(Math.abs(tau / Intervals.daly(C, M) - 1)).isGreaterThan(0.01);
    assertThat(analytic).isGreaterThan(Intervals.efficiency(w, Intervals.daly(C, M), C, R, 0));
  }

  @Test
  void durations() {
    assertThat(Durations.parse("5m")).isEqualTo(300);
    assertThat(Durations.parse("1.5h")).isEqualTo(5400);
    assertThat(Durations.parse("2d")).isEqualTo(172800);
    assertThat(Durations.parse("42")).isEqualTo(42);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Durations.parse("5 parsecs"))
        .hasMessageContaining("5 parsecs");
  }
}
