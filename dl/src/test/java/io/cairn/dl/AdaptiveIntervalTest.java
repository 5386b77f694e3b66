package io.cairn.dl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AdaptiveIntervalTest {
  @Test
  void keepsTheOverheadUnderTheBound() {
    AdaptiveInterval a = new AdaptiveInterval(0.03, 10, 1, 10_000);
    assertThat(a.interval()).isEqualTo(10); // nothing measured yet
    for (int i = 0; i < 20; i++) a.stepTime(0.100);
    a.snapshotCost(0.006); // 6 ms stall, 100 ms steps: 0.006 / (k 0.1) <= 0.03 -> k >= 2
    assertThat(a.interval()).isEqualTo(2);
    assertThat(a.expectedOverhead()).isLessThanOrEqualTo(0.03);
    a.persistCost(1.0); // persist 1 s: must fit between snapshots -> k >= 10
    a.snapshotCost(0.006);
    assertThat(a.interval()).isEqualTo(10);
  }

  @Test
  void countsTheSlowdownOfStepsThatOverlapAPersist() {
    AdaptiveInterval a = new AdaptiveInterval(0.05, 4, 1, 10_000);
    for (int i = 0; i < 10; i++) a.stepTime(0.010);
    a.snapshotCost(0.001); // k = ceil(0.001 / 0.0005) = 2
    assertThat(a.interval()).isEqualTo(2);
    for (int i = 0; i < 3; i++) a.stepTime(0.014, true); // 3 x 4 ms of interference
    a.snapshotCost(0.001); // (1 + 12) ms / (0.05 * 10 ms) = 26
    assertThat(a.meanInterferenceSeconds()).isCloseTo(0.012, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(a.interval()).isEqualTo(26);
  }

  @Test
  void dueAfterOneInterval() {
    AdaptiveInterval a = new AdaptiveInterval(0.03, 5, 1, 100);
    a.checkpointed(10);
    assertThat(a.due(14)).isFalse();
    assertThat(a.due(15)).isTrue();
    assertThatThrownBy(() -> new AdaptiveInterval(0, 5, 1, 10)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new AdaptiveInterval(0.03, 50, 1, 10)).isInstanceOf(IllegalArgumentException.class);
  }
}
