package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cluster.examples.Heat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** 32 rank processes on one machine, over 4 simulated nodes, with one rank killed during the run. */
class ScaleTest {
  @TempDir
  Path dir;

  @Test
  void thirtyTwoRanks() throws Exception {
    try (Launcher.Job job = Jobs.builder(dir, 32, "io.cairn.cluster.examples.Heat", "--rows", "64", "--cols", "16",
        "--steps", "40", "--every", "10",
        "--delay-ms", "20").jvmOption("-Xmx40m").nodes(4).start()) {
      // wait until the first global checkpoint after the initial one is committed, then kill a rank
      long deadline = System.currentTimeMillis() + 120_000;
      while (System.currentTimeMillis() < deadline && io.cairn.cluster.internal.GlobalManifest.read(dir).size() < 2
          && !job.isDone())
        Thread.sleep(100);
      assertThat(job.kill(17)).as("rank 17 was killed (false: the job ended before the kill)").isTrue();
      assertThat(Jobs.await(job, Duration.ofSeconds(180))).as(Jobs.logs(dir)).isZero();
    }
    assertThat(Files.readAllBytes(dir.resolve("heat-result.bin"))).isEqualTo(Heat.reference(64, 16, 40));
  }
}
