package io.cairn.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cli.CliRunner;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cairn cluster bench --protocols}: protocols by name (Protocol.parse), bad options refused before any job starts. */
class ProtocolBenchCommandTest {
  @TempDir
  Path tmp;

  @Test
  void badOptionsAreRefusedBeforeAnythingStarts() {
    Path job = tmp.resolve("job");
    CliRunner.Result unknown = CliRunner.run("cluster", "bench", "--protocols", "blocking,bogus", "--job",
        job.toString());
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).contains("cairn cluster bench: unknown protocol 'bogus'").doesNotContain("Exception");
    CliRunner.Result workload = CliRunner.run("cluster", "bench", "--protocols", "blocking", "--workloads",
        "heat,matmul", "--job", job.toString());
    assertThat(workload.err()).contains("unknown workload 'matmul'");
    CliRunner.Result two = CliRunner.run("cluster", "bench", "--protocols", "blocking", "--ranks", "4,8", "--job",
        job.toString());
    assertThat(two.err()).contains("--protocols takes one rank count");
    CliRunner.Result steps = CliRunner.run("cluster", "bench", "--protocols", "blocking", "--steps", "30", "--every",
        "20", "--job", job.toString());
    assertThat(steps.err()).contains("--steps >= 2 x --every");
    assertThat(job).doesNotExist();
  }
}
