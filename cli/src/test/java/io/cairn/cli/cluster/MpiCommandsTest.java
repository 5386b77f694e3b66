package io.cairn.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cli.CliRunner;
import io.cairn.cluster.examples.Heat;
import io.cairn.cluster.internal.mpi.MpiRun;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cairn mpirun} and {@code cairn cluster bench --transport tcp,mpi} under a real mpirun (skipped, with the reason, without Open MPI). */
class MpiCommandsTest {
  @TempDir
  Path dir;

  @BeforeAll
  static void needsOpenMpi() {
    String why = MpiRun.unavailable();
    if (why != null) System.out.println("MpiCommandsTest skipped: " + why);
    Assumptions.assumeTrue(why == null, why);
  }

  @Test
  void mpirunRunsARankProgramOverMpi() throws Exception {
    Path job = dir.resolve("heat");
    CliRunner.Result r = CliRunner.run("mpirun", "-n", "2", "--job", job.toString(), "--protocol", "chandy-lamport",
        "--jvm=-Xmx96m", "--",
        "io.cairn.cluster.examples.Heat", "--rows", "16", "--cols", "16", "--steps", "30", "--every", "10");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).contains("cairn mpirun: finished after 1 run(s) of mpirun");
    assertThat(Files.readAllBytes(job.resolve("heat-result.bin"))).isEqualTo(Heat.reference(16, 16, 30));
    CliRunner.Result bad = CliRunner.run("mpirun", "-n", "2", "--job", job.toString(), "--protocol", "gossip", "--",
        "x.Main");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("unknown protocol 'gossip'").doesNotContain("Exception");
  }

  @Test
  void benchComparesBothTransportsInOneRun() throws Exception {
    Path svg = dir.resolve("t.svg");
    String out = CliRunner.run(0, "cluster", "bench", "--transport", "tcp,mpi", "--ranks", "2", "--mb", "1", "--rounds",
        "2",
        "--job", dir.resolve("job").toString(), "--svg", svg.toString());
    assertThat(out).containsPattern("(?m)^ +2  tcp .* 1\\.00x +1\\.00x +1\\.00x$")
        .containsPattern("(?m)^ +2  mpi .*x$");
    assertThat(Files.readString(svg)).startsWith("<svg").contains("Point-to-point latency")
        .contains("Point-to-point bandwidth")
        .contains("Blocking global checkpoint").contains(">mpi<").contains(">tcp<");
    CliRunner.Result bad = CliRunner.run("cluster", "bench", "--transport", "tcp,ib", "--ranks", "2", "--job",
        dir.resolve("job").toString());
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("unknown transport 'ib'");
  }
}
