package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cluster.examples.Heat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeatTest {
  @TempDir Path dir;

  @Test void undisturbedRunMatchesTheSerialReference() throws Exception {
    try (Launcher.Job job = Jobs.builder(dir, 4, "io.cairn.cluster.examples.Heat", "--rows", "32", "--cols", "32", "--steps", "40", "--every", "10")
        .nodes(2).start()) {
      int code = Jobs.await(job, Duration.ofSeconds(60));
      assertThat(code).as(Jobs.logs(dir)).isZero();
    }
    assertThat(Files.readAllBytes(dir.resolve("heat-result.bin"))).isEqualTo(Heat.reference(32, 32, 40));
  }
}
