package io.cairn.sched;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code cairn advise} prints: the interval each model recommends for given costs and MTBF, the expected
 * efficiency, and how the efficiency degrades when the real MTBF differs from the assumed one.
 *
 * @param rows        one row per model
 * @param sensitivity efficiency when the real MTBF is {@code factor * mtbf} but the interval was chosen for {@code mtbf}
 * @param exact       with levels, the exact multi-level model beside the first-order plan; null without levels
 */
public record Advice(double cost, double restart, double downtime, double mtbf, List<Row> rows, Sensitivity sensitivity,
    ExactMultiLevel exact) {

  /** The default bound on the ratio vectors the exact multi-level optimum may evaluate (see {@link MultiLevelMarkov#optimize(List, long)}). */
  public static final long EXACT_MAX_PATTERNS = 2000;

  /** One model's recommendation: {@code intervals} in seconds of work (one per level for the multi-level model). */
  public record Row(String model, double[] intervals, double efficiency, String note) {}

  /**
   * Efficiency curves against the ratio real/assumed MTBF. With levels, every level's MTBF is off by the same factor:
   * {@code multiLevelPlanExact} is the exact efficiency of the first-order plan chosen for the assumed MTBFs,
   * {@code multiLevelBestExact} the exact model's best pattern for the real ones (null when not computed).
   */
  public record Sensitivity(double[] factors, double[] young, double[] daly, double[] optimal,
      double[] multiLevelPlanExact,
      double[] multiLevelBestExact) {}

  /**
   * The exact multi-level model ({@link MultiLevelMarkov}: Moody et al. SC'10, exponential failures) beside the
   * first-order plan of the {@code multi-level} row.
   *
   * @param plan    the first-order plan ({@link MultiLevel#optimize})
   * @param atPlan  the exact efficiency of that plan; NaN when not computed (see {@code notes})
   * @param optimum the exact model's best pattern ({@link MultiLevelMarkov#optimize(List, long)}); null when not computed
   * @param notes   why a number is not shown, and caveats
   */
  public record ExactMultiLevel(MultiLevel.Plan plan, double atPlan, MultiLevelMarkov.Search optimum,
      List<String> notes) {}

  /**
   * Computes the advice.
   *
   * @param weibullShape if not null, also the optimum under Weibull failures with this shape and the same mean
   * @param levels       if not empty, also the optimal multi-level plan for these levels
   */
  public static Advice compute(double cost, double restart, double downtime, double mtbf, Double weibullShape,
      List<MultiLevel.Level> levels) {
    return compute(cost, restart, downtime, mtbf, weibullShape, levels, EXACT_MAX_PATTERNS);
  }

  /**
   * Computes the advice; with levels, the exact model's optimum evaluates at most {@code exactMaxPatterns} ratio
   * vectors (every one in its search range when they are no more; a bounded search otherwise).
   */
  public static Advice compute(double cost, double restart, double downtime, double mtbf, Double weibullShape,
      List<MultiLevel.Level> levels,
      long exactMaxPatterns) {
    List<Row> rows = new ArrayList<>();
    double young = Intervals.young(cost, mtbf), daly = Intervals.daly(cost, mtbf);
    double exact = Intervals.optimalExponential(cost, restart, downtime, mtbf);
    rows.add(new Row("young", new double[]{young}, Intervals.efficiency(young, cost, restart, downtime, mtbf),
        "Young 1974, sqrt(2CM)"));
    rows.add(new Row("daly", new double[]{daly}, Intervals.efficiency(daly, cost, restart, downtime, mtbf),
        "Daly 2006, higher order"));
    rows.add(new Row("exponential-exact", new double[]{exact},
        Intervals.efficiency(exact, cost, restart, downtime, mtbf), "numerical optimum of Daly's model"));
    if (weibullShape != null) {
      FailureModel w = FailureModel.Weibull.withMean(weibullShape, mtbf);
      double tw = Intervals.optimal(w, cost, restart, downtime);
      rows.add(new Row("weibull", new double[]{tw}, Intervals.efficiency(w, tw, cost, restart, downtime),
          String.format(java.util.Locale.ROOT, "shape %.2f; Daly's interval would give %.4f", weibullShape,
              Intervals.efficiency(w, daly, cost, restart, downtime))));
    }
    ExactMultiLevel ml = null;
    if (levels != null && !levels.isEmpty()) {
      MultiLevel.Plan plan = MultiLevel.optimize(levels);
      rows.add(
          new Row("multi-level", plan.periods(), plan.efficiency(), "first order; ratios" + ratios(plan.ratios())));
      ml = exactModel(levels, plan, weibullShape != null, exactMaxPatterns);
      if (ml.optimum() != null) {
        MultiLevelMarkov.Pattern best = ml.optimum().best();
        rows.add(new Row("multi-level-exact", best.periods(), best.efficiency(),
            "exact model's optimum; ratios" + ratios(best.ratios())));
      }
    }
    int n = 41;
    double[] f = new double[n], ey = new double[n], ed = new double[n], eo = new double[n];
    for (int i = 0; i < n; i++) {
      f[i] = Math.pow(10, -1 + 2.0 * i / (n - 1));
      double real = mtbf * f[i];
      ey[i] = Intervals.efficiency(young, cost, restart, downtime, real);
      ed[i] = Intervals.efficiency(daly, cost, restart, downtime, real);
      eo[i] = Intervals.efficiency(Intervals.optimalExponential(cost, restart, downtime, real), cost, restart, downtime,
          real);
    }
    double[] mp = null, mb = null;
    if (ml != null && !Double.isNaN(ml.atPlan())) {
      mp = new double[n];
      for (int i = 0; i < n; i++)
        mp[i] = MultiLevelMarkov.efficiency(scaled(levels, f[i]), ml.plan().periods()[0], ml.plan().ratios());
    }
    if (ml != null && ml.optimum() != null) mb = bestCurve(levels, ml.plan(), ml.optimum().best(), f);
    return new Advice(cost, restart, downtime, mtbf, rows, new Sensitivity(f, ey, ed, eo, mp, mb), ml);
  }

  /** The exact model at the first-order plan and its own optimum, or notes saying why not. */
  private static ExactMultiLevel exactModel(List<MultiLevel.Level> levels, MultiLevel.Plan plan, boolean weibull,
      long maxPatterns) {
    List<String> notes = new ArrayList<>();
    if (weibull)
      notes.add("exponential failures at each level (the Weibull shape applies to the single-level model only)");
    double atPlan = Double.NaN;
    MultiLevelMarkov.Search optimum = null;
    try {
      atPlan = MultiLevelMarkov.efficiency(levels, plan.periods()[0], plan.ratios());
      if (atPlan == 0) {
        notes.add(
            "the exact model gives the first-order plan an efficiency of 0: at these failure rates an attempt practically never completes");
      } else if (plan.efficiency() - atPlan > 0.01) {
        notes.add(String.format(java.util.Locale.ROOT,
            "the first-order prediction for this plan is %.2f points above the exact model's:"
                + " at these rates failures during checkpoints and recoveries matter; trust the exact numbers",
            100 * (plan.efficiency() - atPlan)));
      }
      if (levels.size() > 3) {
        notes.add("exact optimum not shown: the search (MultiLevelMarkov.optimize) covers 1 to 3 levels, "
            + levels.size() + " given");
      } else {
        optimum = MultiLevelMarkov.optimize(levels, maxPatterns);
      }
    } catch (IllegalArgumentException | ArithmeticException e) {
      notes.add("exact model not shown: " + e.getMessage());
    }
    return new ExactMultiLevel(plan, atPlan, optimum, List.copyOf(notes));
  }

  /**
   * The exact optimum when every level's MTBF is {@code f} times the assumed one: from the optimum at {@code f = 1},
   * a local search ({@link MultiLevelMarkov#improve}) at each next factor from the best ratios of the previous one,
   * intervals within 1/8 and 8 times the first-order one (which scales as {@code sqrt f}).
   */
  private static double[] bestCurve(List<MultiLevel.Level> levels, MultiLevel.Plan plan, MultiLevelMarkov.Pattern atOne,
      double[] f) {
    double[] out = new double[f.length];
    int one = 0;
    for (int i = 1; i < f.length; i++) if (Math.abs(Math.log(f[i])) < Math.abs(Math.log(f[one]))) one = i;
    out[one] = atOne.efficiency();
    for (int dir : new int[]{1, -1}) {
      int[] start = atOne.ratios();
      for (int i = one + dir; i >= 0 && i < f.length; i += dir) {
        double x1 = plan.periods()[0] * Math.sqrt(f[i]);
        MultiLevelMarkov.Pattern p = MultiLevelMarkov
            .improve(scaled(levels, f[i]), start, 1.0 / 16, x1 / 8, x1 * 8, 200).best();
        out[i] = p.efficiency();
        start = p.ratios();
      }
    }
    return out;
  }

  /** The levels with every MTBF times {@code f}. */
  private static List<MultiLevel.Level> scaled(List<MultiLevel.Level> levels, double f) {
    List<MultiLevel.Level> out = new ArrayList<>();
    for (MultiLevel.Level l : levels)
      out.add(new MultiLevel.Level(l.name(), l.cost(), l.recovery(), l.failureRate() / f));
    return out;
  }

  private static String ratios(int[] r) {
    StringBuilder sb = new StringBuilder();
    for (int x : r) sb.append(' ').append(x);
    return sb.toString();
  }

  /** The efficiency with Daly's interval (chosen for the assumed MTBF) when the real MTBF is {@code factor} times it. */
  public double dalyEfficiencyIfMtbfIs(double factor) {
    return Intervals.efficiency(Intervals.daly(cost, mtbf), cost, restart, downtime, mtbf * factor);
  }

  /** The advice as plain maps and lists, ready for JSON (all times in seconds). */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("checkpointCostSeconds", cost);
    m.put("restartSeconds", restart);
    m.put("downtimeSeconds", downtime);
    m.put("mtbfSeconds", mtbf);
    List<Object> rs = new ArrayList<>();
    for (Row r : rows) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("model", r.model());
      o.put("intervalSeconds", r.intervals().length == 1 ? (Object) r.intervals()[0] : r.intervals());
      o.put("efficiency", r.efficiency());
      o.put("note", r.note());
      if (exact != null && r.model().equals("multi-level")) {
        o.put("ratios", list(exact.plan().ratios()));
        o.put("exactEfficiency", exact.atPlan());
      } else if (exact != null && r.model().equals("multi-level-exact")) {
        o.put("ratios", list(exact.optimum().best().ratios()));
      }
      rs.add(o);
    }
    m.put("models", rs);
    if (exact != null) m.put("multiLevelExact", exactMap());
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("realOverAssumedMtbf", sensitivity.factors());
    s.put("efficiencyYoung", sensitivity.young());
    s.put("efficiencyDaly", sensitivity.daly());
    s.put("efficiencyOptimal", sensitivity.optimal());
    if (sensitivity.multiLevelPlanExact() != null)
      s.put("efficiencyMultiLevelPlanExact", sensitivity.multiLevelPlanExact());
    if (sensitivity.multiLevelBestExact() != null)
      s.put("efficiencyMultiLevelBestExact", sensitivity.multiLevelBestExact());
    m.put("sensitivity", s);
    return m;
  }

  private Map<String, Object> exactMap() {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("model", "Moody et al. SC'10 Markov model (MultiLevelMarkov), exponential failures");
    Map<String, Object> plan = new LinkedHashMap<>();
    plan.put("intervalSeconds", exact.plan().periods()[0]);
    plan.put("periodsSeconds", exact.plan().periods());
    plan.put("ratios", list(exact.plan().ratios()));
    plan.put("firstOrderEfficiency", exact.plan().efficiency());
    plan.put("exactEfficiency", Double.isNaN(exact.atPlan()) ? null : exact.atPlan());
    e.put("firstOrderPlan", plan);
    if (exact.optimum() == null) {
      e.put("optimum", null);
    } else {
      MultiLevelMarkov.Search s = exact.optimum();
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("intervalSeconds", s.best().interval());
      o.put("periodsSeconds", s.best().periods());
      o.put("ratios", list(s.best().ratios()));
      o.put("efficiency", s.best().efficiency());
      o.put("exhaustive", s.exhaustive());
      o.put("patternsEvaluated", s.evaluated());
      o.put("patternsInSearchRange", s.candidates());
      o.put("atSearchEdge", s.atEdge());
      e.put("optimum", o);
    }
    e.put("notes", exact.notes());
    return e;
  }

  private static List<Integer> list(int[] a) {
    List<Integer> l = new ArrayList<>();
    for (int x : a) l.add(x);
    return l;
  }
}
