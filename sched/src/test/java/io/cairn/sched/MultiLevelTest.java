package io.cairn.sched;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cairn.sched.sim.SingleJobMonteCarlo;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MultiLevelTest {

  @Test
  void oneLevelIsYoung() {
    var plan = MultiLevel.optimize(List.of(new MultiLevel.Level("pfs", 300, 600, 1 / 86400.0)));
    assertThat(plan.periods()[0]).isCloseTo(Intervals.young(300, 86400), within(1e-6));
  }

  /**
   * Benoit et al. (IEEE TC 2017), Theorem 1: when the unconstrained optimal periods nest with integer ratios,
   * the optimal waste is sum_l sqrt(2 lambda_l dC_l) + sum lambda_l R_l. Here x_1 = 1000 s, x_2 = 8000 s, x_3 = 48000 s.
   */
  @Test
  void reproducesTheClosedFormOfBenoitEtAlWhenPeriodsNest() {
    double l1 = 2 * 10 / (1000.0 * 1000), l2 = 2 * 90 / (8000.0 * 8000), l3 = 2 * 900 / (48000.0 * 48000);
    var levels = List.of(new MultiLevel.Level("local", 10, 20, l1), new MultiLevel.Level("partner", 100, 150, l2),
        new MultiLevel.Level("pfs", 1000, 1200, l3));
    var plan = MultiLevel.optimize(levels);
    assertThat(plan.ratios()).containsExactly(1, 8, 6);
    assertThat(plan.periods()[0]).isCloseTo(1000, within(1e-6));
    assertThat(plan.overhead()).isCloseTo(MultiLevel.unconstrainedOverhead(levels), within(1e-12));
    assertThat(plan.overhead()).isCloseTo(Math.sqrt(2 * l1 * 10) + Math.sqrt(2 * l2 * 90) + Math.sqrt(2 * l3 * 900)
        + l1 * 20 + l2 * 150 + l3 * 1200, within(1e-12));
  }

  @Test
  void integerPlanIsNoBetterThanUnconstrainedAndBeatsSingleLevel() {
    var levels = List.of(new MultiLevel.Level("local", 5, 10, 1 / 20_000.0),
        new MultiLevel.Level("pfs", 300, 600, 1 / 200_000.0));
    var plan = MultiLevel.optimize(levels);
    assertThat(plan.overhead()).isGreaterThanOrEqualTo(MultiLevel.unconstrainedOverhead(levels) - 1e-15);
    // a single PFS level that must recover every failure
    double single = MultiLevel.optimize(List.of(new MultiLevel.Level("pfs", 300, 600, 1 / 20_000.0 + 1 / 200_000.0)))
        .overhead();
    assertThat(plan.overhead()).isLessThan(single);
    // exhaustive check over ratios 1..200
    for (int m = 1; m <= 200; m++)
      assertThat(MultiLevel.plan(levels, new int[]{1, m}).overhead()).isGreaterThanOrEqualTo(plan.overhead() - 1e-15);
  }

  /** Monte-Carlo of the nested pattern agrees with the first-order waste (rates small against the periods). */
  @Test
  void monteCarloAgreesWithFirstOrderModel() {
    var levels = List.of(new MultiLevel.Level("local", 5, 10, 1 / 50_000.0),
        new MultiLevel.Level("partner", 30, 60, 1 / 200_000.0),
        new MultiLevel.Level("pfs", 300, 600, 1 / 1_000_000.0));
    var plan = MultiLevel.optimize(levels);
    double mc = SingleJobMonteCarlo.multiLevelOverhead(levels, plan.ratios(), plan.periods()[0], 2e9,
        new SplittableRandom(11));
    assertThat(mc / plan.overhead()).as("MC %s vs model %s", mc, plan.overhead()).isCloseTo(1, within(0.05));
    // and the optimal ratio is (near) optimal in simulation too: halving or doubling the PFS ratio is not better
    int[] r = plan.ratios();
    for (int[] alt : new int[][]{{1, r[1], Math.max(1, r[2] / 3)}, {1, r[1], r[2] * 3}}) {
      double altMc = SingleJobMonteCarlo.multiLevelOverhead(levels, alt, MultiLevel.plan(levels, alt).periods()[0], 2e9,
          new SplittableRandom(11));
      assertThat(altMc).isGreaterThan(mc * 0.99);
    }
  }
}
