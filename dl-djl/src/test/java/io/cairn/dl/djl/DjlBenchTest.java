package io.cairn.dl.djl;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code cairn dl bench --djl} in miniature: every mode runs, the table, the baseline and the targets are printed. */
class DjlBenchTest {
  @BeforeAll
  static void engine() {
    try {
      assertThat(Engine.getEngine("PyTorch").getEngineName()).isEqualTo("PyTorch");
    } catch (Throwable t) {
      Assumptions.abort("the PyTorch native library cannot be loaded here (" + t + "); the DJL bench test is skipped");
    }
  }

  @Test
  void printsOverheadStallAgainstAPlainCopyAndTheTargets() throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    DjlBench.run(new DjlBench.Options(6, 2, 2, 16, 10, 32, 16, 4, List.of("memory"), 1),
        new PrintStream(b, true, StandardCharsets.UTF_8));
    String out = b.toString(StandardCharsets.UTF_8);
    for (DjlBench.Mode m : DjlBench.Mode.values()) assertThat(out).contains(m.label);
    assertThat(out).contains("level memory", "2 repetitions in alternating order", "plain copy of the state",
        "stall vs plain copy of the same repetition, two-phase, overlapped", "target: per-iteration overhead <= 1.0%",
        "target: stall <= 1.3x a plain copy", "load average");
    assertThat(out).doesNotContain("NaN");
    // every checkpointing mode took one checkpoint per timed step (k = 1): 6 steps x 2 repetitions
    assertThat(out.lines().filter(l -> l.startsWith("blocking")).findFirst().orElseThrow()).contains("12/12");
  }
}
