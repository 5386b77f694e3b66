package io.cairn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cairn.testing.TestCheckpointers;
import io.cairn.internal.engine.IntervalPolicy;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** due(): fixed steps, fixed seconds, Young and Daly from the measured cost, with an injected clock. */
class IntervalPolicyTest {
  @TempDir
  Path dir;
  final AtomicLong now = new AtomicLong();

  Checkpointer open(String... kv) {
    Checkpointer.Builder b = TestCheckpointers.builder("i", dir, "ram").set("level.ram.kind", "process")
        .clock(now::get);
    for (int i = 0; i < kv.length; i += 2) b.set(kv[i], kv[i + 1]);
    return b.open();
  }

  @Test
  void formulas() {
    assertThat(IntervalPolicy.young(60, 86_400)).isCloseTo(Math.sqrt(2 * 60 * 86_400.0), within(1e-9));
    // Daly 2006: for C = 5 min, M = 24 h, sqrt(2CM) = 7200 s and the higher-order optimum is about 7001 s
    double d = IntervalPolicy.daly(300, 86_400);
    assertThat(d).isCloseTo(
        Math.sqrt(2 * 300 * 86_400.0) * (1 + Math.sqrt(300 / 172_800.0) / 3 + 300 / (18 * 86_400.0)) - 300,
        within(1e-9));
    assertThat(d).isBetween(6995.0, 7005.0);
    assertThat(IntervalPolicy.daly(500, 200)).isEqualTo(200); // C >= 2M: checkpoint every MTBF
  }

  @Test
  void stepsAndSeconds() {
    try (Checkpointer c = open("interval", "steps", "interval.steps", "3")) {
      assertThat(new boolean[]{c.due(), c.due(), c.due()}).containsExactly(false, false, true);
      c.checkpoint();
      assertThat(c.due()).isFalse();
    }
    try (Checkpointer c = open("interval", "seconds", "interval.seconds", "10")) {
      assertThat(c.due()).isFalse();
      now.addAndGet(9_000_000_000L);
      assertThat(c.due()).isFalse();
      now.addAndGet(1_000_000_000L);
      assertThat(c.due()).isTrue();
    }
  }

  @Test
  void youngUsesTheMeasuredCost() {
    try (Checkpointer c = open("interval", "young", "interval.mtbf", "1h", "interval.first", "5s")) {
      assertThat(c.intervalSeconds()).isEqualTo(5.0);
      c.protect("x", new double[1000]);
      c.checkpoint();
      double cost = c.measuredCost();
      assertThat(cost).isPositive();
      assertThat(c.intervalSeconds()).isCloseTo(Math.sqrt(2 * cost * 3600), within(1e-9));
      now.addAndGet((long) (c.intervalSeconds() * 1e9) - 1_000_000);
      assertThat(c.due()).isFalse();
      now.addAndGet(2_000_000);
      assertThat(c.due()).isTrue();
    }
  }
}
