package io.cairn.sched;

import java.util.Arrays;
import java.util.List;

/**
 * Multi-level checkpointing (e.g. SCR's local / partner / parallel-file-system levels): level {@code l} has a
 * checkpoint cost {@code C_l} (non-decreasing with the level), a recovery time {@code R_l}, and a rate
 * {@code lambda_l} of the failures that only a checkpoint of level {@code l} or higher can recover from.
 * Checkpoints are nested: every {@code m_l}-th checkpoint of level {@code >= l-1} is written at level
 * {@code l} instead, so level {@code l} has period {@code x_l = x_1 * m_2 * ... * m_l} of work.
 *
 * <p>First-order waste per unit of work (as in Di, Bautista-Gomez, Cappello, IPDPS 2014, and Benoit, Cavelan,
 * Le F&egrave;vre, Robert, Sun, IEEE TC 66(7) 2017): {@code H = sum_l (C_l - C_{l-1}) / x_l + lambda_l (x_l / 2 + R_l)}.
 * Without the nesting constraint its minimum is {@code x_l = sqrt(2 (C_l - C_{l-1}) / lambda_l)} and
 * {@code H* = sum_l sqrt(2 lambda_l (C_l - C_{l-1})) + sum_l lambda_l R_l} (Benoit et al., Theorem 1). With integer
 * ratios, for fixed {@code m} the best {@code x_1} is closed form and the ratios are searched exhaustively
 * around the unconstrained optimum.
 */
public final class MultiLevel {
  private MultiLevel() {}

  /** One checkpoint level. {@code failureRate} is per second. */
  public record Level(String name, double cost, double recovery, double failureRate) {
    public Level {
      if (!(cost >= 0) || !(recovery >= 0))
        throw new IllegalArgumentException("level " + name + ": cost and recovery must be >= 0");
      if (!(failureRate > 0))
        throw new IllegalArgumentException(
            "level " + name + ": failure rate must be > 0 per second, got " + failureRate);
    }
  }

  /**
   * A nested plan: {@code periods[l]} seconds of work between checkpoints of level {@code >= l} (index 0 is the
   * lowest level), {@code ratios[l] = periods[l] / periods[l-1]} ({@code ratios[0] = 1}), and the predicted
   * first-order waste {@code overhead} (seconds lost per second of work) and efficiency {@code 1/(1+overhead)}.
   */
  public record Plan(double[] periods, int[] ratios, double overhead) {
    public double efficiency() { return 1 / (1 + overhead); }
    @Override
    public String toString() {
      return "Plan" + Arrays.toString(periods) + " ratios " + Arrays.toString(ratios) + " overhead " + overhead;
    }
  }

  /** First-order waste of the given nested periods (see class comment). */
  public static double overhead(List<Level> levels, double[] periods) {
    validate(levels);
    double h = 0, prev = 0;
    for (int l = 0; l < levels.size(); l++) {
      Level lv = levels.get(l);
      h += (lv.cost() - prev) / periods[l] + lv.failureRate() * (periods[l] / 2 + lv.recovery());
      prev = lv.cost();
    }
    return h;
  }

  /** The unconstrained first-order minimum {@code sum sqrt(2 lambda_l dC_l) + sum lambda_l R_l} (Benoit et al. 2017). */
  public static double unconstrainedOverhead(List<Level> levels) {
    validate(levels);
    double h = 0, prev = 0;
    for (Level lv : levels) {
      h += Math.sqrt(2 * lv.failureRate() * (lv.cost() - prev)) + lv.failureRate() * lv.recovery();
      prev = lv.cost();
    }
    return h;
  }

  /** The optimal nested plan with integer ratios between consecutive levels. */
  public static Plan optimize(List<Level> levels) {
    validate(levels);
    int k = levels.size();
    double[] star = new double[k];
    double prev = 0;
    for (int l = 0; l < k; l++) {
      star[l] = Math.sqrt(2 * Math.max(levels.get(l).cost() - prev, 1e-12) / levels.get(l).failureRate());
      prev = levels.get(l).cost();
    }
    int[] lo = new int[k], hi = new int[k];
    lo[0] = hi[0] = 1;
    for (int l = 1; l < k; l++) {
      double r = star[l] / star[l - 1];
      lo[l] = (int) Math.max(1, Math.floor(r / 3));
      hi[l] = (int) Math.min(100_000, Math.max(4, Math.ceil(r * 3) + 1));
      // keep the search bounded: at most ~2000 values per ratio, spread geometrically when the range is wide
    }
    int[] best = new int[k];
    double[] bestH = {Double.POSITIVE_INFINITY};
    int[] cur = new int[k];
    cur[0] = 1;
    search(levels, 1, cur, lo, hi, best, bestH);
    return plan(levels, best);
  }

  private static void search(List<Level> levels, int l, int[] cur, int[] lo, int[] hi, int[] best, double[] bestH) {
    if (l == levels.size()) {
      double h = plan(levels, cur).overhead();
      if (h < bestH[0]) { bestH[0] = h; System.arraycopy(cur, 0, best, 0, cur.length); }
      return;
    }
    int span = hi[l] - lo[l];
    int budget = levels.size() <= 3 ? 2000 : 60;
    if (span <= budget) {
      for (int m = lo[l]; m <= hi[l]; m++) { cur[l] = m; search(levels, l + 1, cur, lo, hi, best, bestH); }
    } else {
      double step = Math.pow((double) hi[l] / lo[l], 1.0 / budget);
      int last = -1;
      for (double v = lo[l]; v <= hi[l] * 1.0000001; v *= step) {
        for (int m : new int[]{(int) Math.floor(v), (int) Math.ceil(v)}) {
          if (m <= last) continue;
          last = m;
          cur[l] = m;
          search(levels, l + 1, cur, lo, hi, best, bestH);
        }
      }
    }
  }

  /** The plan for fixed integer ratios, with its optimal lowest period {@code x_1 = sqrt(2A/B)}. */
  public static Plan plan(List<Level> levels, int[] ratios) {
    int k = levels.size();
    double a = 0, b = 0, rec = 0, prev = 0;
    double mult = 1;
    double[] mults = new double[k];
    for (int l = 0; l < k; l++) {
      if (l > 0) mult *= ratios[l];
      mults[l] = mult;
      Level lv = levels.get(l);
      a += (lv.cost() - prev) / mult;
      b += lv.failureRate() * mult;
      rec += lv.failureRate() * lv.recovery();
      prev = lv.cost();
    }
    double x1 = Math.sqrt(2 * Math.max(a, 1e-300) / b);
    double[] periods = new double[k];
    for (int l = 0; l < k; l++) periods[l] = x1 * mults[l];
    int[] r = ratios.clone();
    r[0] = 1;
    return new Plan(periods, r, Math.sqrt(2 * a * b) + rec);
  }

  private static void validate(List<Level> levels) {
    if (levels.isEmpty()) throw new IllegalArgumentException("multi-level model needs at least one level");
    for (int l = 1; l < levels.size(); l++) {
      if (levels.get(l).cost() < levels.get(l - 1).cost()) {
        throw new IllegalArgumentException("level costs must not decrease: level " + levels.get(l).name() + " costs "
            + levels.get(l).cost() + "s < level " + levels.get(l - 1).name() + " " + levels.get(l - 1).cost() + "s");
      }
    }
  }
}
