package io.cairn.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.Cairn;
import io.cairn.Checkpointer;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeatExampleTest {
  @TempDir
  Path dir;

  @Test
  void resumedRunEqualsUninterruptedRun() {
    double[] straight = HeatExample.run(dir.resolve("a"), 4096, 400);
    // stop after 230 steps (checkpoints at 50..200), then run again to 400: it resumes from step 200
    HeatExample.run(dir.resolve("b"), 4096, 230);
    try (Checkpointer c = Cairn.builder().name("heat").directory(dir.resolve("b")).environment(Map.of()).open()) {
      assertThat(c.versions().getLast().number()).isEqualTo(4);
    }
    double[] resumed = HeatExample.run(dir.resolve("b"), 4096, 400);
    assertThat(resumed).isEqualTo(straight);
  }
}
