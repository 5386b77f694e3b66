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
    /** Seconds of work between checkpoints of level {@code >= l}, {@code interval * ratios[1] * ... * ratios[l]}, as in {@link MultiLevel.Plan#periods()}. */
    public double[] periods() {
      double[] p = new double[ratios.length];
      double x = interval;
      for (int l = 0; l < ratios.length; l++) { if (l > 0) x *= ratios[l]; p[l] = x; }
      return p;
    }
    /** Waste per unit of work, {@code 1/efficiency - 1}, comparable with {@link MultiLevel.Plan#overhead()}. */
    public double overhead() {
      return 1 / efficiency - 1;
    }
    @Override
    public String toString() {
      return "Pattern[x=" + interval + " ratios " + Arrays.toString(ratios) + " E=" + expectedTime + " efficiency "
          + efficiency + "]";
    }
  }

  /**
   * The exact expected time and efficiency of one pattern. {@code ratios[0]} is ignored (1); the efficiency is 0 when
   * the pattern practically never completes (probability of completing an attempt below 1e-15).
   */
  public static Pattern evaluate(List<MultiLevel.Level> levels, double interval, int[] ratios) {
    int k = levels.size();
    if (k == 0) throw new IllegalArgumentException("multi-level model needs at least one level");
    if (ratios.length != k)
      throw new IllegalArgumentException("need one ratio per level, got " + ratios.length + " for " + k);
    if (!(interval >= 0) || Double.isInfinite(interval))
      throw new IllegalArgumentException("interval must be >= 0, got " + interval);
    for (int l = 1; l < k; l++)
      if (ratios[l] < 1) throw new IllegalArgumentException("ratios must be >= 1, got " + Arrays.toString(ratios));
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
      if (fc >= fd) {
        b = d;
        d = c;
        fd = fc;
        c = b - g * (b - a);
        fc = efficiency(levels, Math.exp(c), ratios);
      } else {
        a = c;
        c = d;
        fc = fd;
        d = a + g * (b - a);
        fd = efficiency(levels, Math.exp(d), ratios);
      }
    }
    return evaluate(levels, Math.exp((a + b) / 2), ratios);
  }

  /**
   * The most efficient pattern, for one to three levels: for every ratio vector within a factor 4 of the first-order
   * optimum ({@link MultiLevel#optimize}), the best interval between 1/8 and 8 times its first-order one.
   */
  public static Pattern optimize(List<MultiLevel.Level> levels) {
    return optimize(levels, Long.MAX_VALUE).best();
  }

  /**
   * What a search found: the best pattern, the ratio vectors it evaluated (each with its best interval), how many the
   * search range of {@link #optimize(List)} holds, whether it evaluated all of them (then {@code best} is exactly
   * {@link #optimize(List)}'s result), and whether {@code best} lies on the edge of that range (interval 1/8 or 8 times
   * the first-order {@code x_1}, or a ratio 1/4 or 4 times the first-order one, the lower edge 1 excepted), where a
   * better pattern may lie outside it.
   */
  public record Search(Pattern best, long evaluated, long candidates, boolean exhaustive, boolean atEdge) {}

  /**
   * {@link #optimize(List)} with at most {@code maxPatterns} ratio vectors evaluated (each costs about 50 evaluations
   * of the model). When the search range holds no more, the result is {@link #optimize(List)}'s. Otherwise it is
   * bounded, and a heuristic: a grid of at most {@code maxPatterns / 2} vectors spread geometrically over the range
   * (its ends and the first-order ratios included), then a pattern search from the best of them with what is left
   * (moves: one ratio up or down, two consecutive ratios together either way, a ratio with the next one moved back so
   * that the upper period stays about the same; steps from the grid spacing halving down to 1). On 372 random two- and
   * three-level machines a bound of 200 found the exhaustive optimum every time (see docs/scheduling.md).
   */
  public static Search optimize(List<MultiLevel.Level> levels, long maxPatterns) {
    int k = levels.size();
    if (k > 3) throw new IllegalArgumentException("optimize supports 1 to 3 levels, got " + k);
    if (maxPatterns < 1) throw new IllegalArgumentException("maxPatterns must be >= 1, got " + maxPatterns);
    MultiLevel.Plan first = MultiLevel.optimize(levels);
    double x1 = first.periods()[0], xlo = x1 / 8, xhi = x1 * 8;
    int[] lo = new int[k], hi = new int[k];
    lo[0] = hi[0] = 1;
    long candidates = 1;
    for (int l = 1; l < k; l++) {
      lo[l] = Math.max(1, first.ratios()[l] / 4);
      hi[l] = Math.max(lo[l] + 4, first.ratios()[l] * 4);
      candidates *= hi[l] - lo[l] + 1;
    }
    Pattern best;
    long evaluated;
    boolean exhaustive = candidates <= maxPatterns;
    if (exhaustive) {
      Pattern[] b = {null};
      int[] cur = new int[k];
      cur[0] = 1;
      search(levels, xlo, xhi, 1, cur, lo, hi, b);
      best = b[0];
      evaluated = candidates;
    } else {
      Bounded s = new Bounded(levels, xlo, xhi, maxPatterns);
      int[][] grid = grid(lo, hi, first.ratios(), Math.max(1, maxPatterns / 2));
      int[] cur = new int[k];
      cur[0] = 1;
      s.grid(grid, 1, cur);
      int[] step = new int[k];
      for (int l = 1; l < k; l++) {
        int i = Arrays.binarySearch(grid[l], s.best.ratios()[l]);
        int below = i > 0 ? grid[l][i - 1] : grid[l][i], above = i + 1 < grid[l].length ? grid[l][i + 1] : grid[l][i];
        step[l] = Math.max(1, Math.max(grid[l][i] - below, above - grid[l][i]) / 2);
      }
      s.patternSearch(step, lo, hi);
      best = s.best;
      evaluated = s.seen.size();
    }
    boolean edge = Math.abs(Math.log(best.interval() / xlo)) < 1e-6 || Math.abs(Math.log(best.interval() / xhi)) < 1e-6;
    for (int l = 1; l < k; l++) edge |= best.ratios()[l] == hi[l] || (best.ratios()[l] == lo[l] && lo[l] > 1);
    return new Search(best, evaluated, candidates, exhaustive, edge);
  }

  /**
   * The best pattern near {@code start}: a pattern search over the ratios (the moves of the bounded {@link
   * #optimize(List, long)}; steps start at {@code relativeStep} times each ratio, at least 1, and halve down to 1;
   * ratios at least 1), each ratio vector with its best interval in {@code [lo, hi]}, at most {@code maxPatterns}
   * vectors. A local optimum (no move by one gives a better pattern) unless the budget ran out first. {@code evaluated}
   * counts the vectors evaluated; {@code candidates} is 0 and {@code atEdge} false (there is no search range).
   */
  public static Search improve(List<MultiLevel.Level> levels, int[] start, double relativeStep, double lo, double hi,
      long maxPatterns) {
    int k = levels.size();
    if (start.length != k)
      throw new IllegalArgumentException("need one ratio per level, got " + start.length + " for " + k);
    if (maxPatterns < 1) throw new IllegalArgumentException("maxPatterns must be >= 1, got " + maxPatterns);
    Bounded s = new Bounded(levels, lo, hi, maxPatterns);
    int[] r = start.clone();
    r[0] = 1;
    for (int l = 1; l < k; l++)
      if (r[l] < 1) throw new IllegalArgumentException("ratios must be >= 1, got " + Arrays.toString(start));
    s.eval(r);
    int[] steps = new int[k], min = new int[k], max = new int[k];
    for (int l = 0; l < k; l++) steps[l] = (int) Math.max(1, Math.min(1 << 20, Math.round(r[l] * relativeStep)));
    Arrays.fill(min, 1);
    Arrays.fill(max, Integer.MAX_VALUE / 2);
    s.patternSearch(steps, min, max);
    return new Search(s.best, s.seen.size(), 0, false, false);
  }

  /** Per level, at most about {@code budget^(1/(k-1))} ratios spread geometrically over {@code [lo, hi]}, sorted. */
  private static int[][] grid(int[] lo, int[] hi, int[] firstOrder, long budget) {
    int k = lo.length;
    int[][] g = new int[k][];
    g[0] = new int[]{1};
    Integer[] order = new Integer[k - 1];
    for (int l = 1; l < k; l++) order[l - 1] = l;
    Arrays.sort(order, (a, b) -> Integer.compare(hi[a] - lo[a], hi[b] - lo[b]));
    double left = budget;
    for (int j = 0; j < order.length; j++) {
      int l = order[j];
      int size = hi[l] - lo[l] + 1;
      int n = (int) Math.max(2, Math.min(size, Math.floor(Math.pow(left, 1.0 / (order.length - j)) + 1e-9)));
      java.util.TreeSet<Integer> v = new java.util.TreeSet<>();
      if (n >= size) {
        for (int m = lo[l]; m <= hi[l]; m++) v.add(m);
      } else {
        double q = Math.pow((double) hi[l] / lo[l], 1.0 / (n - 1));
        for (int i = 0; i < n; i++) v.add((int) Math.min(hi[l], Math.max(lo[l], Math.round(lo[l] * Math.pow(q, i)))));
        v.add(Math.min(hi[l], Math.max(lo[l], firstOrder[l])));
      }
      g[l] = v.stream().mapToInt(Integer::intValue).toArray();
      left = Math.max(1, left / g[l].length);
    }
    return g;
  }

  /** The state of a bounded search: vectors evaluated so far (by ratios), the best one. */
  private static final class Bounded {
    final List<MultiLevel.Level> levels;
    final double lo, hi;
    final long max;
    final java.util.Map<List<Integer>, Pattern> seen = new java.util.HashMap<>();
    Pattern best;

    Bounded(List<MultiLevel.Level> levels, double lo, double hi, long max) {
      this.levels = levels;
      this.lo = lo;
      this.hi = hi;
      this.max = max;
    }

    /** The pattern for these ratios (null when the budget is spent and it was not evaluated before). */
    Pattern eval(int[] ratios) {
      List<Integer> key = Arrays.stream(ratios).boxed().toList();
      Pattern p = seen.get(key);
      if (p != null) return p;
      if (seen.size() >= max) return null;
      p = bestInterval(levels, ratios.clone(), lo, hi);
      seen.put(key, p);
      if (best == null || p.efficiency() > best.efficiency()) best = p;
      return p;
    }

    void grid(int[][] g, int l, int[] cur) {
      if (l == levels.size()) { eval(cur); return; }
      for (int m : g[l]) { cur[l] = m; grid(g, l + 1, cur); }
    }

    void patternSearch(int[] step, int[] min, int[] max) {
      int k = levels.size();
      while (seen.size() < this.max) {
        boolean moved = false;
        int[] cur = best.ratios();
        for (int[] c : neighbours(cur, step, min, max)) {
          Pattern before = best;
          if (eval(c) == null) return;
          if (best != before) { moved = true; break; }
        }
        if (moved) continue;
        boolean allOne = true;
        for (int l = 1; l < k; l++) { allOne &= step[l] <= 1; step[l] = Math.max(1, step[l] / 2); }
        if (allOne) return;
      }
    }
  }

  /**
   * The neighbours of {@code cur} at distance {@code step}: each ratio up or down (every higher period moves with it);
   * each pair of consecutive ratios moved together, both ways and opposite ways (the efficiency has diagonal ridges:
   * what matters most is the periods); and ratio {@code l} moved with ratio {@code l+1} changed so that the period of
   * level {@code l+1} stays about the same.
   */
  private static List<int[]> neighbours(int[] cur, int[] step, int[] min, int[] max) {
    int k = cur.length;
    List<int[]> out = new java.util.ArrayList<>();
    java.util.function.IntBinaryOperator clamp = (l, v) -> Math.min(max[l], Math.max(min[l], v));
    for (int l = 1; l < k; l++) {
      for (int d : new int[]{1, -1}) {
        int[] c = cur.clone();
        c[l] = clamp.applyAsInt(l, cur[l] + d * step[l]);
        if (c[l] != cur[l]) out.add(c);
      }
    }
    for (int l = 1; l + 1 < k; l++) {
      for (int d : new int[]{1, -1}) {
        for (int e : new int[]{1, -1}) {
          int[] c = cur.clone();
          c[l] = clamp.applyAsInt(l, cur[l] + d * step[l]);
          c[l + 1] = clamp.applyAsInt(l + 1, cur[l + 1] + e * step[l + 1]);
          if (c[l] != cur[l] && c[l + 1] != cur[l + 1]) out.add(c);
        }
        int[] c = cur.clone();
        c[l] = clamp.applyAsInt(l, cur[l] + d * step[l]);
        if (c[l] == cur[l]) continue;
        c[l + 1] = clamp.applyAsInt(l + 1, (int) Math.round((double) cur[l] * cur[l + 1] / c[l]));
        if (c[l + 1] != cur[l + 1]) out.add(c);
      }
    }
    return out;
  }

  private static void search(List<MultiLevel.Level> levels, double xlo, double xhi, int l, int[] cur, int[] lo,
      int[] hi, Pattern[] best) {
    if (l == levels.size()) {
      Pattern p = bestInterval(levels, cur.clone(), xlo, xhi);
      if (best[0] == null || p.efficiency() > best[0].efficiency()) best[0] = p;
      return;
    }
    for (int m = lo[l]; m <= hi[l]; m++) { cur[l] = m; search(levels, xlo, xhi, l + 1, cur, lo, hi, best); }
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
