package io.cairn.sched;

/**
 * Optimal checkpoint intervals and expected run times for a single job that writes a checkpoint of cost
 * {@code C} after every {@code tau} seconds of work, restarts in {@code R} seconds after a failure (failures may
 * strike during the restart) and waits a downtime {@code D} after each failure (no failures during it).
 * All times are in seconds.
 *
 * <ul>
 *   <li>Young (1974): {@code tau = sqrt(2 C M)} — first-order optimum.</li>
 *   <li>Daly (2006), "A higher order estimate of the optimum checkpoint interval for restart dumps", FGCS 22:
 *       {@code tau = sqrt(2CM)[1 + sqrt(C/2M)/3 + (C/2M)/9] - C} for {@code C < 2M}, else {@code M}, and the
 *       expected completion time {@code T = (M + D) e^{R/M} (e^{(tau + C)/M} - 1) T_s / tau}.</li>
 *   <li>Weibull failures (renewal process, age reset by each failure): the long-run efficiency by the
 *       renewal-reward theorem, {@code E = tau * sum_{j>=1} S(R + j(tau + C)) / (mean + D)}, maximised numerically.</li>
 * </ul>
 */
public final class Intervals {
  private Intervals() {}

  /** Young's first-order optimum {@code sqrt(2 C M)}. */
  public static double young(double cost, double mtbf) {
    check(cost, mtbf);
    return Math.sqrt(2 * cost * mtbf);
  }

  /** Daly's higher-order optimum (2006, eq. 37): valid for C &lt; 2M, and {@code M} otherwise. */
  public static double daly(double cost, double mtbf) {
    check(cost, mtbf);
    if (cost >= 2 * mtbf) return mtbf;
    double x = Math.sqrt(cost / (2 * mtbf));
    return Math.sqrt(2 * cost * mtbf) * (1 + x / 3 + x * x / 9) - cost;
  }

  /**
   * Expected wall time to complete one segment of {@code length} seconds (work plus its checkpoint) under
   * exponential failures: {@code (M + D) e^{R/M} (e^{L/M} - 1)}.
   */
  public static double expectedSegment(double length, double restart, double downtime, double mtbf) {
    return (mtbf + downtime) * Math.exp(restart / mtbf) * Math.expm1(length / mtbf);
  }

  /**
   * Daly's expected completion time of {@code work} seconds of computation checkpointed every {@code tau}
   * (each segment, the last one included, ends with a checkpoint, as in Daly's model); a last partial
   * segment is counted with its real length.
   */
  public static double expectedCompletion(double work, double tau, double cost, double restart, double downtime,
      double mtbf) {
    check(cost, mtbf);
    if (!(tau > 0)) throw new IllegalArgumentException("checkpoint interval must be > 0, got " + tau);
    double n = Math.floor(work / tau);
    double rest = work - n * tau;
    double t = n * expectedSegment(tau + cost, restart, downtime, mtbf);
    if (rest > 1e-9 * tau) t += expectedSegment(rest + cost, restart, downtime, mtbf);
    return t;
  }

  /** Long-run efficiency (useful work / wall time) with exponential failures: {@code tau / expectedSegment(tau + C)}. */
  public static double efficiency(double tau, double cost, double restart, double downtime, double mtbf) {
    check(cost, mtbf);
    return tau / expectedSegment(tau + cost, restart, downtime, mtbf);
  }

  /** The exact maximiser of {@link #efficiency} (numerical); Daly's formula approximates it. */
  public static double optimalExponential(double cost, double restart, double downtime, double mtbf) {
    positiveCost(cost);
    double y = young(cost, mtbf);
    double logTau = SpecialFunctions.goldenMin(lt -> -efficiency(Math.exp(lt), cost, restart, downtime, mtbf),
        Math.log(y) - 8, Math.log(y) + 6, 1e-10);
    return Math.exp(logTau);
  }

  /**
   * Long-run efficiency under a general renewal failure model (exact by renewal-reward; for exponential
   * failures it equals {@link #efficiency}). Assumes a failure renews the component's age.
   */
  public static double efficiency(FailureModel failures, double tau, double cost, double restart, double downtime) {
    if (failures instanceof FailureModel.Exponential e) return efficiency(tau, cost, restart, downtime, e.mtbf());
    double len = tau + cost;
    double sum = 0;
    for (long j = 1; j < 50_000_000L; j++) {
      double s = failures.survival(restart + j * len);
      sum += s;
      if (s < 1e-17 || s < 1e-15 * sum) break;
    }
    return tau * sum / (failures.mean() + downtime);
  }

  /** The interval that maximises {@link #efficiency(FailureModel, double, double, double, double)} (numerical). */
  public static double optimal(FailureModel failures, double cost, double restart, double downtime) {
    positiveCost(cost);
    double y = young(cost, failures.mean());
    double logTau = SpecialFunctions.goldenMin(lt -> -efficiency(failures, Math.exp(lt), cost, restart, downtime),
        Math.log(y) - 7, Math.log(y) + 5, 1e-7);
    return Math.exp(logTau);
  }

  private static void positiveCost(double cost) {
    if (!(cost > 0))
      throw new IllegalArgumentException("an optimal interval needs a checkpoint cost > 0 seconds, got " + cost);
  }

  private static void check(double cost, double mtbf) {
    if (!(cost >= 0)) throw new IllegalArgumentException("checkpoint cost must be >= 0 seconds, got " + cost);
    if (!(mtbf > 0)) throw new IllegalArgumentException("MTBF must be > 0 seconds, got " + mtbf);
  }
}
