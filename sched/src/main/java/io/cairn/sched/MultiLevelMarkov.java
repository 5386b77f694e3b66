package io.cairn.sched;

import java.util.Arrays;
import java.util.List;

/**
 * The multi-level checkpointing model of Moody, Bronevetsky, Mohror and de Supinski ("Design, Modeling, and
 * Evaluation of a Scalable Multi-level Checkpointing System", SC'10; SCR), an exact Markov model of a nested pattern
 * under exponential failures, as opposed to the first-order {@link MultiLevel}.
 *
 * <p>Same {@link MultiLevel.Level}s: level {@code l} (0-based here, 1-based in the paper) has write cost {@code C_l},
 * recovery time {@code R_l}, and rate {@code lambda_l} of the failures that need a checkpoint of level {@code >= l};
 * failures of all levels arrive together at rate {@code lambda = sum lambda_l}. A pattern is {@code x} seconds of work
 * per segment and integer ratios {@code m_l} (as in {@link MultiLevel.Plan#ratios()}): a level-{@code l} block is
 * {@code m_l} level-{@code (l-1)} blocks, every segment ends with one checkpoint, of the highest level whose block ends
 * there, and the pattern is one top-level block ({@code prod m_l} segments). Paper notation: {@code t = x},
 * {@code V[l] = m_{l+1} - 1} checkpoints of level {@code l} per level-{@code (l+1)} block.
 *
 * <p>Every part of the pattern is summarised by how it ends: completed (probability {@code p0}, mean duration
 * {@code t0}) or interrupted by a failure it cannot absorb, per level {@code i} (probability {@code p_i}, mean time to
 * that exit). A segment of work plus its checkpoint, {@code T = x + C_c}, is exposed to every failure; the mean time to
 * a failure within {@code T} is {@code (1 - (1 + lambda T) e^{-lambda T}) / (lambda (1 - e^{-lambda T}))}. Parts run in
 * sequence compose exactly (the exponential is memoryless). A level-{@code k} block absorbs failures of level
 * {@code <= k}: it restarts by reading the level-{@code k} checkpoint that precedes it ({@code R_k}, itself exposed to
 * failures); during that recovery a failure of a lower level restarts the recovery, one of level {@code k} or
 * {@code k+1} makes the block fail at level {@code k+1} (the checkpoint being read is lost), a higher one at its own
 * level; at the top level every failure restarts the recovery. Inside a block of level {@code k >= 1}, the first
 * sub-block is not protected by a level-{@code (k-1)} checkpoint of its own (the last checkpoint is the block's start),
 * so its level-{@code (k-1)} failures are recovered by the enclosing block, at cost {@code R_k}.
 *
 * <p>The expected time of the top-level block, {@code E}, gives the efficiency {@code prod(m) x / E}: work per unit of
 * time, exactly, in the long run (renewal reward). This reproduces the reference implementation released by the
 * authors (LLNL-CODE-817266, github.com/LLNL/SCR-model) to 1e-9: see {@code MultiLevelMarkovTest} and
 * docs/scheduling.md.
 */
public final class MultiLevelMarkov {
  private MultiLevelMarkov() {}

  /** A nested pattern: {@code interval} seconds of work per segment, {@code ratios} as in {@link MultiLevel.Plan}. */
  public record Pattern(double interval, int[] ratios, double expectedTime, double efficiency) {
    /** Segments of work per pattern, {@code prod ratios}. */
    public long segments() {
      long n = 1;
      for (int r : ratios) n *= r;
      return n;
    }
    /** Waste per unit of work, {@code 1/efficiency - 1}, comparable with {@link MultiLevel.Plan#overhead()}. */
    public double overhead() { return 1 / efficiency - 1; }
    @Override public String toString() {
      return "Pattern[x=" + interval + " ratios " + Arrays.toString(ratios) + " E=" + expectedTime + " efficiency " + efficiency + "]";
    }
  }

  /**
   * The exact expected time and efficiency of one pattern. {@code ratios[0]} is ignored (1); the efficiency is 0 when
   * the pattern practically never completes (probability of completing an attempt below 1e-15).
   */
  public static Pattern evaluate(List<MultiLevel.Level> levels, double interval, int[] ratios) {
    int k = levels.size();
    if (k == 0) throw new IllegalArgumentException("multi-level model needs at least one level");
    if (ratios.length != k) throw new IllegalArgumentException("need one ratio per level, got " + ratios.length + " for " + k);
    if (!(interval >= 0) || Double.isInfinite(interval)) throw new IllegalArgumentException("interval must be >= 0, got " + interval);
    for (int l = 1; l < k; l++) if (ratios[l] < 1) throw new IllegalArgumentException("ratios must be >= 1, got " + Arrays.toString(ratios));
    Model m = new Model(levels);
    Phase top = m.block(k - 1, k - 1, interval, ratios);
    int[] r = ratios.clone();
    r[0] = 1;
    long n = 1;
    for (int x : r) n *= x;
    double work = n * interval;
    double e = top == null ? Double.POSITIVE_INFINITY : top.t0;
    double eff = top == null || !(e > 0) || !Double.isFinite(e) ? 0 : work / e;
    return new Pattern(interval, r, e, eff);
  }

  /** Efficiency of the pattern (see {@link #evaluate}). */
  public static double efficiency(List<MultiLevel.Level> levels, double interval, int[] ratios) {
    return evaluate(levels, interval, ratios).efficiency();
  }

  /** The best interval for fixed ratios: golden-section search on {@code log x} between {@code lo} and {@code hi}. */
  public static Pattern bestInterval(List<MultiLevel.Level> levels, int[] ratios, double lo, double hi) {
    double a = Math.log(lo), b = Math.log(hi), g = (Math.sqrt(5) - 1) / 2;
    double c = b - g * (b - a), d = a + g * (b - a);
    double fc = efficiency(levels, Math.exp(c), ratios), fd = efficiency(levels, Math.exp(d), ratios);
    for (int i = 0; i < 100 && b - a > 1e-9; i++) {
      if (fc >= fd) { b = d; d = c; fd = fc; c = b - g * (b - a); fc = efficiency(levels, Math.exp(c), ratios); }
      else { a = c; c = d; fc = fd; d = a + g * (b - a); fd = efficiency(levels, Math.exp(d), ratios); }
    }
    return evaluate(levels, Math.exp((a + b) / 2), ratios);
  }

  /**
   * The most efficient pattern, for one to three levels: for every ratio vector within a factor 4 of the first-order
   * optimum ({@link MultiLevel#optimize}), the best interval between 1/8 and 8 times its first-order one.
   */
  public static Pattern optimize(List<MultiLevel.Level> levels) {
    int k = levels.size();
    if (k > 3) throw new IllegalArgumentException("optimize supports 1 to 3 levels, got " + k);
    MultiLevel.Plan first = MultiLevel.optimize(levels);
    int[] lo = new int[k], hi = new int[k];
    lo[0] = hi[0] = 1;
    for (int l = 1; l < k; l++) {
      lo[l] = Math.max(1, first.ratios()[l] / 4);
      hi[l] = Math.max(lo[l] + 4, first.ratios()[l] * 4);
    }
    Pattern[] best = {null};
    int[] cur = new int[k];
    cur[0] = 1;
    search(levels, first.periods()[0], 1, cur, lo, hi, best);
    return best[0];
  }

  private static void search(List<MultiLevel.Level> levels, double x1, int l, int[] cur, int[] lo, int[] hi, Pattern[] best) {
    if (l == levels.size()) {
      Pattern p = bestInterval(levels, cur.clone(), x1 / 8, x1 * 8);
      if (best[0] == null || p.efficiency() > best[0].efficiency()) best[0] = p;
      return;
    }
    for (int m = lo[l]; m <= hi[l]; m++) { cur[l] = m; search(levels, x1, l + 1, cur, lo, hi, best); }
  }

  /**
   * How a part of the pattern ends: completed with probability {@code p0} after {@code t0} on average, or interrupted at
   * level {@code i} with probability {@code p[i]}; {@code m[i]} is {@code p[i]} times the mean time to that exit.
   */
  private record Phase(double p0, double t0, double[] p, double[] m) {
    /** This part, then {@code b}. */
    Phase then(Phase b) {
      int n = p.length;
      double[] q = new double[n], mm = new double[n];
      for (int i = 0; i < n; i++) {
        q[i] = p[i] + p0 * b.p[i];
        mm[i] = m[i] + p0 * (b.m[i] + b.p[i] * t0);
      }
      return new Phase(p0 * b.p0, t0 + b.t0, q, mm);
    }

    /** {@code n >= 1} copies in sequence (composition is associative: binary powering). */
    Phase times(int n) {
      Phase result = null, base = this;
      while (n > 0) {
        if ((n & 1) == 1) result = result == null ? base : result.then(base);
        n >>= 1;
        if (n > 0) base = base.then(base);
      }
      return result;
    }
  }

  private static final class Model {
    final List<MultiLevel.Level> levels;
    final int k;
    final double lambda;

    Model(List<MultiLevel.Level> levels) {
      this.levels = levels;
      this.k = levels.size();
      double s = 0;
      for (MultiLevel.Level lv : levels) s += lv.failureRate();
      this.lambda = s;
    }

    /** {@code duration} seconds exposed to every failure. */
    Phase exposed(double duration) {
      double[] p = new double[k], m = new double[k];
      double fail = -Math.expm1(-lambda * duration);
      double meanToFailure = fail > 0 ? (fail - lambda * duration * Math.exp(-lambda * duration)) / (lambda * fail) : 0;
      for (int i = 0; i < k; i++) {
        p[i] = levels.get(i).failureRate() / lambda * fail;
        m[i] = p[i] * meanToFailure;
      }
      return new Phase(1 - fail, duration, p, m);
    }

    /**
     * The body of a level-{@code lvl} block that ends with a checkpoint of level {@code end}, without its own
     * recovery: the first sub-block unprotected, then the other {@code m-1} level-{@code (lvl-1)} blocks.
     */
    Phase body(int lvl, int end, double x, int[] ratios) {
      if (lvl == 0) return exposed(x + levels.get(end).cost());
      int m = ratios[lvl];
      if (m == 1) return body(lvl - 1, end, x, ratios);
      Phase first = body(lvl - 1, lvl - 1, x, ratios);
      Phase inner = block(lvl - 1, lvl - 1, x, ratios);
      Phase last = block(lvl - 1, end, x, ratios);
      if (inner == null || last == null) return null;
      Phase rest = m > 2 ? inner.times(m - 2).then(last) : last;
      return first.then(rest);
    }

    /** A level-{@code lvl} block that absorbs failures of level {@code <= lvl} by reading its level-{@code lvl} checkpoint. */
    Phase block(int lvl, int end, double x, int[] ratios) {
      Phase y = body(lvl, end, x, ratios);
      if (y == null) return null;
      // failures the block absorbs
      double pf = 0, mf = 0;
      for (int i = 0; i <= lvl; i++) { pf += y.p[i]; mf += y.m[i]; }
      double tf = pf > 0 ? mf / pf : 0;
      // the recovery: lower failures restart it (all of them at the top level), others escalate
      Phase r = exposed(levels.get(lvl).recovery());
      int restartUpTo = lvl == k - 1 ? k - 1 : lvl - 1;
      double pr = 0, mr = 0;
      for (int i = 0; i <= restartUpTo; i++) { pr += r.p[i]; mr += r.m[i]; }
      if (!(pr < 1)) return null;
      double retries = pr / (1 - pr), tRetry = pr > 0 ? mr / pr : 0;
      double recOk = r.p0 / (1 - pr), recTime = r.t0 + retries * tRetry;
      double[] escP = new double[k], escM = new double[k];
      for (int i = restartUpTo + 1; i < k; i++) {
        int to = i == lvl ? lvl + 1 : i;
        escP[to] += r.p[i] / (1 - pr);
        escM[to] += (r.m[i] + r.p[i] * retries * tRetry) / (1 - pr);
      }
      double loop = pf * recOk; // fail, recover, start again
      if (!(loop < 1 - 1e-15)) return null;
      double again = loop / (1 - loop), loopTime = tf + recTime;
      double[] p = new double[k], m = new double[k];
      for (int i = lvl + 1; i < k; i++) {
        double direct = y.p[i], viaRecovery = pf * escP[i];
        p[i] = (direct + viaRecovery) / (1 - loop);
        m[i] = (y.m[i] + pf * (escP[i] * tf + escM[i])) / (1 - loop) + p[i] * again * loopTime;
      }
      return new Phase(y.p0 / (1 - loop), y.t0 + again * loopTime, p, m);
    }
  }
}
