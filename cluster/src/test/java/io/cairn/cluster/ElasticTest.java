package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cluster.examples.Heat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A heat job checkpointed by 4 ranks continues with another number of ranks (the grid is a DistributedArray) and ends bit-identical. */
class ElasticTest {
  @TempDir
  Path dir;

  private int run(int ranks, String... extra) {
    String[] args = {"--rows", "30", "--cols", "24", "--steps", "80", "--every", "10"};
    String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.Arrays.stream(extra))
        .toArray(String[]::new);
    try (Launcher.Job job = Jobs.builder(dir, ranks, "io.cairn.cluster.examples.Heat", all).nodes(2).start()) {
      return Jobs.await(job, Duration.ofSeconds(90));
    }
  }

  @Test
  void reshardsFromFourToThreeRanksAndBackToFive() throws Exception {
    assertThat(run(4, "--stop-after", "30")).as(Jobs.logs(dir)).isZero();
    assertThat(GlobalManifest().getLast().ranks()).isEqualTo(4);
    assertThat(run(3, "--stop-after", "60")).as(Jobs.logs(dir)).isZero();
    assertThat(GlobalManifest().getLast().ranks()).isEqualTo(3);
    assertThat(run(5)).as(Jobs.logs(dir)).isZero();
    assertThat(Files.readAllBytes(dir.resolve("heat-result.bin"))).isEqualTo(Heat.reference(30, 24, 80));
    assertThat(Files.readString(dir.resolve("logs/rank-0.log"))).contains("restored global");
  }

  private java.util.List<GlobalVersion> GlobalManifest() {
    return io.cairn.cluster.internal.GlobalManifest.read(dir).stream().map(GlobalVersion::of).toList();
  }
}
