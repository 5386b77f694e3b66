package io.cairn.sched.sim;

import io.cairn.sched.FailureModel;
import io.cairn.sched.MultiLevel;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Monte-Carlo runs of one checkpointed job, event by event, under exactly the assumptions of the analytic
 * models in {@link io.cairn.sched.Intervals} and {@link MultiLevel}; used to validate them.
 */
public final class SingleJobMonteCarlo {
  private SingleJobMonteCarlo() {}

  /**
   * One run of Daly's model: {@code work} seconds split into segments of {@code tau} (the last one shorter),
   * each followed by a checkpoint of {@code cost}; exponential failures of mean {@code mtbf} during work,
   * checkpoints and restarts; each failure costs a downtime (failure-free) and a restart of {@code restart}.
   *
   * @return the wall time of the run, seconds
   */
  public static double dalyRun(double work, double tau, double cost, double restart, double downtime, double mtbf,
      RandomGenerator rng) {
    double t = 0;
    double nextFail = exp(mtbf, rng);
    double done = 0;
    while (done < work - 1e-9) {
      double seg = Math.min(tau, work - done);
      double len = seg + cost;
      while (nextFail < t + len) {
        // failure during the segment: lose it, wait, restart (restarts may fail too)
        t = nextFail + downtime;
        nextFail = t + exp(mtbf, rng);
        while (nextFail < t + restart) {
          t = nextFail + downtime;
          nextFail = t + exp(mtbf, rng);
        }
        t += restart;
      }
      t += len;
      done += seg;
    }
    return t;
  }

  /**
   * Long-run efficiency (work done / wall time) of periodic checkpointing under a renewal failure model: each
   * failure renews the age, is followed by {@code downtime} and a restart of {@code restart}; runs until
   * {@code totalWork} seconds of work are saved.
   */
  public static double renewalEfficiency(FailureModel failures, double tau, double cost, double restart,
      double downtime,
      double totalWork, RandomGenerator rng) {
    double len = tau + cost;
    double t = 0, work = 0;
    while (work < totalWork) {
      double x = failures.sample(rng);
      if (x > restart) work += tau * Math.floor((x - restart) / len);
      t += x + downtime;
    }
    return work / t;
  }

  /**
   * Waste per unit of work ({@code wall/work - 1}) of a nested multi-level pattern (periods from
   * {@link MultiLevel.Plan}), with independent exponential failure classes of the levels' rates; a class-l
   * failure rolls back to the last checkpoint of level {@code >= l} and pays that level's recovery (failures
   * may strike during checkpoints and recoveries).
   */
  public static double multiLevelOverhead(List<MultiLevel.Level> levels, int[] ratios, double x1, double totalWork,
      RandomGenerator rng) {
    int k = levels.size();
    long[] mult = new long[k];
    long m = 1;
    for (int l = 0; l < k; l++) { if (l > 0) m *= ratios[l]; mult[l] = m; }
    double rate = 0;
    for (MultiLevel.Level lv : levels) rate += lv.failureRate();
    double mtbf = 1 / rate;
    long[] saved = new long[k]; // index (in checkpoints of x1) of the last checkpoint of level >= l
    long pos = 0; // checkpoints done
    long target = (long) Math.ceil(totalWork / x1);
    double t = 0;
    double nextFail = exp(mtbf, rng);
    while (pos < target) {
      long j = pos + 1;
      int level = 0;
      for (int l = k - 1; l >= 0; l--) if (j % mult[l] == 0) { level = l; break; }
      double len = x1 + levels.get(level).cost();
      if (nextFail >= t + len) {
        t += len;
        pos = j;
        for (int l = 0; l <= level; l++) saved[l] = j;
        continue;
      }
      t = nextFail;
      nextFail = t + exp(mtbf, rng);
      int cls = pickClass(levels, rate, rng);
      while (true) {
        pos = saved[cls];
        for (int l = 0; l < cls; l++) saved[l] = pos;
        double rec = levels.get(cls).recovery();
        if (nextFail >= t + rec) { t += rec; break; }
        t = nextFail;
        nextFail = t + exp(mtbf, rng);
        cls = Math.max(cls, pickClass(levels, rate, rng));
      }
    }
    return t / (target * x1) - 1;
  }

  private static int pickClass(List<MultiLevel.Level> levels, double rate, RandomGenerator rng) {
    double u = rng.nextDouble() * rate;
    for (int l = 0; l < levels.size(); l++) {
      u -= levels.get(l).failureRate();
      if (u < 0) return l;
    }
    return levels.size() - 1;
  }

  private static double exp(double mean, RandomGenerator rng) {
    return -mean * Math.log(1 - rng.nextDouble());
  }
}
