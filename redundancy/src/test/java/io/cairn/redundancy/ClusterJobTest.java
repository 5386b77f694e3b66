package io.cairn.redundancy;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cluster.Launcher;
import io.cairn.cluster.Protocol;
import io.cairn.redundancy.jobs.RingJob;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rank processes over loopback (the cluster module's launcher) encoding through the communicator. */
class ClusterJobTest {
  static final int CELLS = 20_000;
  static final long STEPS = 100;

  @TempDir
  Path dir;

  private Launcher.Builder ring(Path d, int ranks, int nodes, String schemes) {
    return Launcher.builder().ranks(ranks).nodes(nodes).jobDir(d).jvmOption("-Xmx96m")
        .failTimeout(Duration.ofSeconds(20))
        .protocol(Protocol.BLOCKING).env("CAIRN_CLUSTER_PERSISTENT_EVERY", "1000") // persistent only at the first checkpoint
        .command(List.of(RingJob.class.getName(), "--cells", "" + CELLS, "--steps", "" + STEPS, "--every", "5",
            "--delay-ms", "25", "--schemes", schemes));
  }

  private static int await(Launcher.Job job) {
    try {
      return job.await(Duration.ofSeconds(150));
    } catch (TimeoutException e) {
      throw new AssertionError(e.getMessage() + "\n" + logs(job.jobDir()), e);
    }
  }

  static String logs(Path dir) {
    StringBuilder b = new StringBuilder();
    try (Stream<Path> s = Files.list(dir.resolve("logs"))) {
      for (Path p : s.sorted().toList()) {
        List<String> lines = Files.readAllLines(p);
        b.append("---- ").append(p.getFileName()).append('\n');
        for (String l : lines.subList(Math.max(0, lines.size() - 30), lines.size())) b.append(l).append('\n');
      }
    } catch (IOException e) {
      b.append("(no logs: ").append(e).append(")");
    }
    return b.toString();
  }

  private void assertResult(Path d, int ranks) throws IOException {
    assertThat(Files.readAllBytes(d.resolve("ring-result.bin"))).as("final state")
        .isEqualTo(RingJob.reference(ranks, CELLS, STEPS));
  }

  @Test
  void killDuringEncodingThenLossOfANodeRebuildsFromTheXorSet() throws Exception {
    Path d = Files.createDirectories(dir.resolve("xor"));
    // rank 2 is killed halfway through sending its pieces for global 3; later node-1 is lost as a whole
    try (Launcher.Job job = ring(d, 4, 4, "xor:4").env(io.cairn.redundancy.jobs.RingJob.FAULT_VARIABLE, "encode:3:2")
        .start()) {
      waitFor(job, d, "global 7 protected");
      assertThat(job.killNode("node-1")).as("ranks killed on node-1").isPositive();
      assertThat(await(job)).as(logs(d)).isZero();
      assertThat(job.restarts()).isGreaterThanOrEqualTo(2);
    }
    assertResult(d, 4);
    String logs = logs(d);
    assertThat(logs).as("the injected fault happened")
        .contains("fault injection: rank 2 halts while encoding global 3");
    // rank 1 got its data back without reading other nodes' directories: fetched from its peers' file servers
    assertThat(logs).as(logs).containsPattern(
        "rank 1: checkpoint \\d+ from XOR \\(fetched \\d+ files and 3 versions from peers \\[0, 2, 3\\]\\)");
  }

  @Test
  void rsOverSixNodesSurvivesTwoLostNodesWithChandyLamport() throws Exception {
    Path d = Files.createDirectories(dir.resolve("rs"));
    try (Launcher.Job job = ring(d, 6, 6, "partner,rs:4+2").protocol(Protocol.CHANDY_LAMPORT)
        .env(ClusterRedundancy.FETCH_VARIABLE, "shared").start()) {
      waitFor(job, d, "global 5 protected");
      assertThat(job.killNode("node-2")).as("ranks killed on node-2").isPositive();
      assertThat(job.killNode("node-4")).as("ranks killed on node-4").isPositive();
      assertThat(await(job)).as(logs(d)).isZero();
    }
    assertResult(d, 6);
    String logs = logs(d);
    // the lost nodes held each other's partner copies or not, but every lost rank got its data back
    assertThat(logs).as(logs).containsPattern("from (PARTNER|RS) \\(read from the other nodes' directories\\)");
  }

  private static void waitFor(Launcher.Job job, Path d, String text) throws Exception {
    long end = System.nanoTime() + 120_000_000_000L;
    while (System.nanoTime() < end && !job.isDone()) {
      if (logs(d).contains(text)) return;
      Thread.sleep(200);
    }
    throw new AssertionError("'" + text + "' never appeared:\n" + logs(d));
  }
}
