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
 */
public record Advice(double cost, double restart, double downtime, double mtbf, List<Row> rows, Sensitivity sensitivity) {

  /** One model's recommendation: {@code intervals} in seconds of work (one per level for the multi-level model). */
  public record Row(String model, double[] intervals, double efficiency, String note) {}

  /** Efficiency curves against the ratio real/assumed MTBF. */
  public record Sensitivity(double[] factors, double[] young, double[] daly, double[] optimal) {}

  /**
   * Computes the advice.
   *
   * @param weibullShape if not null, also the optimum under Weibull failures with this shape and the same mean
   * @param levels       if not empty, also the optimal multi-level plan for these levels
   */
  public static Advice compute(double cost, double restart, double downtime, double mtbf, Double weibullShape, List<MultiLevel.Level> levels) {
    List<Row> rows = new ArrayList<>();
    double young = Intervals.young(cost, mtbf), daly = Intervals.daly(cost, mtbf);
    double exact = Intervals.optimalExponential(cost, restart, downtime, mtbf);
    rows.add(new Row("young", new double[] {young}, Intervals.efficiency(young, cost, restart, downtime, mtbf), "Young 1974, sqrt(2CM)"));
    rows.add(new Row("daly", new double[] {daly}, Intervals.efficiency(daly, cost, restart, downtime, mtbf), "Daly 2006, higher order"));
    rows.add(new Row("exponential-exact", new double[] {exact}, Intervals.efficiency(exact, cost, restart, downtime, mtbf), "numerical optimum of Daly's model"));
    if (weibullShape != null) {
      FailureModel w = FailureModel.Weibull.withMean(weibullShape, mtbf);
      double tw = Intervals.optimal(w, cost, restart, downtime);
      rows.add(new Row("weibull", new double[] {tw}, Intervals.efficiency(w, tw, cost, restart, downtime),
          String.format(java.util.Locale.ROOT, "shape %.2f; Daly's interval would give %.4f", weibullShape, Intervals.efficiency(w, daly, cost, restart, downtime))));
    }
    if (levels != null && !levels.isEmpty()) {
      MultiLevel.Plan plan = MultiLevel.optimize(levels);
      StringBuilder note = new StringBuilder("first order; ratios");
      for (int r : plan.ratios()) note.append(' ').append(r);
      rows.add(new Row("multi-level", plan.periods(), plan.efficiency(), note.toString()));
    }
    int n = 41;
    double[] f = new double[n], ey = new double[n], ed = new double[n], eo = new double[n];
    for (int i = 0; i < n; i++) {
      f[i] = Math.pow(10, -1 + 2.0 * i / (n - 1));
      double real = mtbf * f[i];
      ey[i] = Intervals.efficiency(young, cost, restart, downtime, real);
      ed[i] = Intervals.efficiency(daly, cost, restart, downtime, real);
      eo[i] = Intervals.efficiency(Intervals.optimalExponential(cost, restart, downtime, real), cost, restart, downtime, real);
    }
    return new Advice(cost, restart, downtime, mtbf, rows, new Sensitivity(f, ey, ed, eo));
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
      rs.add(o);
    }
    m.put("models", rs);
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("realOverAssumedMtbf", sensitivity.factors());
    s.put("efficiencyYoung", sensitivity.young());
    s.put("efficiencyDaly", sensitivity.daly());
    s.put("efficiencyOptimal", sensitivity.optimal());
    m.put("sensitivity", s);
    return m;
  }
}
