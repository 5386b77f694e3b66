package io.cairn.sched;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link Advice}: the exact multi-level model beside the first-order plan, checked against {@link MultiLevelMarkov} directly. */
class AdviceTest {
  static final List<MultiLevel.Level> TWO = List.of(new MultiLevel.Level("local", 5, 10, 1 / 21600.0),
      new MultiLevel.Level("pfs", 300, 600, 1 / 259200.0));

  @Test
  void exactModelAtTheFirstOrderPlanAndItsOwnOptimum() {
    Advice a = Advice.compute(300, 600, 0, 86400, null, TWO);
    MultiLevel.Plan plan = MultiLevel.optimize(TWO);
    var x = a.exact();
    assertThat(x.plan().ratios()).containsExactly(plan.ratios());
    assertThat(x.atPlan()).isEqualTo(MultiLevelMarkov.efficiency(TWO, plan.periods()[0], plan.ratios()));
    var best = MultiLevelMarkov.optimize(TWO);
    assertThat(x.optimum().exhaustive()).isTrue();
    assertThat(x.optimum().best().efficiency()).isEqualTo(best.efficiency());
    assertThat(x.optimum().best().ratios()).containsExactly(1, 28).containsExactly(best.ratios());
    assertThat(x.notes()).isEmpty();
    // the numbers of docs/scheduling.md: first order 93.28%, exact at that plan 92.83%, exact optimum 92.84%
    assertThat(plan.efficiency()).isCloseTo(0.9328, within(5e-5));
    assertThat(x.atPlan()).isCloseTo(0.9283, within(5e-5));
    assertThat(best.efficiency()).isCloseTo(0.9284, within(5e-5));
    Advice.Row row = a.rows().get(a.rows().size() - 1);
    assertThat(row.model()).isEqualTo("multi-level-exact");
    assertThat(row.intervals()).containsExactly(best.interval(), best.interval() * 28);
    assertThat(row.efficiency()).isEqualTo(best.efficiency());
    assertThat(a.rows().get(a.rows().size() - 2).model()).isEqualTo("multi-level");
  }

  @Test
  void sensitivityCurvesOfTheMultiLevelPlanAndOptimum() {
    Advice a = Advice.compute(300, 600, 0, 86400, null, TWO);
    var s = a.sensitivity();
    MultiLevel.Plan plan = a.exact().plan();
    for (int i = 0; i < s.factors().length; i += 5) {
      double f = s.factors()[i];
      List<MultiLevel.Level> real = new ArrayList<>();
      for (MultiLevel.Level l : TWO)
        real.add(new MultiLevel.Level(l.name(), l.cost(), l.recovery(), l.failureRate() / f));
      assertThat(s.multiLevelPlanExact()[i])
          .isEqualTo(MultiLevelMarkov.efficiency(real, plan.periods()[0], plan.ratios()));
      // the local search from the neighbouring factor's optimum finds the optimum of the full search
      assertThat(s.multiLevelBestExact()[i]).as("f = %s", f).isCloseTo(MultiLevelMarkov.optimize(real).efficiency(),
          within(1e-12));
      assertThat(s.multiLevelBestExact()[i]).isGreaterThanOrEqualTo(s.multiLevelPlanExact()[i] - 1e-12);
    }
    assertThat(s.multiLevelBestExact()[20]).isEqualTo(a.exact().optimum().best().efficiency());
    // a wide range (ratio about 18,000): the curve is never below the bounded optimize at the real MTBFs, and above it
    // where the best pattern leaves optimize's range (10 times the rates: ratio 133,612, beyond 4 x 17,758)
    var wide = List.of(new MultiLevel.Level("local", 0.1, 0.2, 1 / 3600.0),
        new MultiLevel.Level("pfs", 3600, 3600, 1 / (365 * 86400.0)));
    var w = Advice.compute(300, 600, 0, 86400, null, wide).sensitivity();
    for (int i : new int[]{0, 12, 40}) {
      List<MultiLevel.Level> real = new ArrayList<>();
      for (MultiLevel.Level l : wide)
        real.add(new MultiLevel.Level(l.name(), l.cost(), l.recovery(), l.failureRate() / w.factors()[i]));
      var o = MultiLevelMarkov.optimize(real, 2000);
      assertThat(w.multiLevelBestExact()[i]).as("f = %s", w.factors()[i])
          .isGreaterThanOrEqualTo(o.best().efficiency() - 1e-12);
      if (i == 0) assertThat(o.atEdge()).isTrue();
      if (i == 0) assertThat(w.multiLevelBestExact()[i]).isGreaterThan(o.best().efficiency() + 1e-6);
    }
    assertThat(Advice.compute(300, 600, 0, 86400, null, List.of()).sensitivity().multiLevelPlanExact()).isNull();
  }

  @Test
  void fourLevelsGiveTheExactEfficiencyOfThePlanButNoOptimum() {
    var four = List.of(new MultiLevel.Level("a", 1, 1, 1 / 3600.0), new MultiLevel.Level("b", 10, 10, 1 / 86400.0),
        new MultiLevel.Level("c", 100, 100, 1 / 864000.0), new MultiLevel.Level("d", 1000, 1000, 1 / 8640000.0));
    Advice a = Advice.compute(300, 600, 0, 86400, null, four);
    MultiLevel.Plan plan = MultiLevel.optimize(four);
    assertThat(a.exact().atPlan()).isEqualTo(MultiLevelMarkov.efficiency(four, plan.periods()[0], plan.ratios()));
    assertThat(a.exact().optimum()).isNull();
    assertThat(a.exact().notes()).singleElement().asString().contains("exact optimum not shown",
        "1 to 3 levels, 4 given");
    assertThat(a.rows()).extracting(Advice.Row::model).doesNotContain("multi-level-exact");
    assertThat(a.sensitivity().multiLevelPlanExact()).isNotNull();
    assertThat(a.sensitivity().multiLevelBestExact()).isNull();
    @SuppressWarnings("unchecked")
    Map<String, Object> e = (Map<String, Object>) a.toMap().get("multiLevelExact");
    assertThat(e).containsEntry("optimum", null);
  }

  @Test
  void notesForWeibullBoundedSearchAndHighRates() {
    assertThat(Advice.compute(300, 600, 0, 86400, 0.7, TWO).exact().notes()).singleElement().asString()
        .contains("exponential failures at each level (the Weibull shape");
    var wide = List.of(new MultiLevel.Level("local", 0.1, 0.2, 1 / 3600.0),
        new MultiLevel.Level("pfs", 3600, 3600, 1 / (365 * 86400.0)));
    var s = Advice.compute(300, 600, 0, 86400, null, wide, 500).exact().optimum();
    assertThat(s.exhaustive()).isFalse();
    assertThat(s.evaluated()).isLessThanOrEqualTo(500);
    // failures every 10 min and hour: first order predicts 27%, the exact model practically 0
    var high = List.of(new MultiLevel.Level("local", 60, 60, 1 / 600.0),
        new MultiLevel.Level("pfs", 3000, 3000, 1 / 3600.0));
    var x = Advice.compute(300, 600, 0, 86400, null, high).exact();
    assertThat(x.plan().efficiency()).isCloseTo(0.273, within(1e-3));
    assertThat(x.atPlan()).isLessThan(1e-4);
    assertThat(x.notes()).singleElement().asString().contains("points above the exact model");
  }

  @Test
  @SuppressWarnings("unchecked")
  void jsonFields() {
    Advice a = Advice.compute(300, 600, 0, 86400, null, TWO);
    Map<String, Object> m = a.toMap();
    var models = (List<Map<String, Object>>) m.get("models");
    var ml = models.get(models.size() - 2);
    assertThat(ml).containsEntry("model", "multi-level").containsEntry("ratios", List.of(1, 27))
        .containsEntry("exactEfficiency", a.exact().atPlan());
    var mx = models.get(models.size() - 1);
    assertThat(mx).containsEntry("model", "multi-level-exact").containsEntry("ratios", List.of(1, 28));
    var e = (Map<String, Object>) m.get("multiLevelExact");
    var plan = (Map<String, Object>) e.get("firstOrderPlan");
    assertThat(plan).containsEntry("intervalSeconds", a.exact().plan().periods()[0])
        .containsEntry("exactEfficiency", a.exact().atPlan())
        .containsEntry("firstOrderEfficiency", a.exact().plan().efficiency());
    var opt = (Map<String, Object>) e.get("optimum");
    var best = a.exact().optimum().best();
    assertThat(opt).containsEntry("intervalSeconds", best.interval()).containsEntry("efficiency", best.efficiency())
        .containsEntry("ratios", List.of(1, 28)).containsEntry("exhaustive", true)
        .containsEntry("patternsEvaluated", 103L)
        .containsEntry("patternsInSearchRange", 103L).containsEntry("atSearchEdge", false);
    assertThat((double[]) opt.get("periodsSeconds")).containsExactly(best.periods());
    var s = (Map<String, Object>) m.get("sensitivity");
    assertThat(s).containsKeys("efficiencyMultiLevelPlanExact", "efficiencyMultiLevelBestExact");
    assertThat(Advice.compute(300, 600, 0, 86400, null, List.of()).toMap()).doesNotContainKey("multiLevelExact");
  }
}
