package io.cairn.redundancy;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cluster.GlobalVersion;
import io.cairn.cluster.Launcher;
import io.cairn.cluster.Protocol;
import io.cairn.redundancy.internal.RedFile;
import io.cairn.redundancy.jobs.RingJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The failure domains given to the cluster launcher ({@code --domain}/{@code Builder.domains}, or
 * {@code --domains-file}) are what redundancy placement uses: no separate file for the redundancy levels.
 * Four nodes in two power domains (two racks each); placed by nodes only, rank 0's partner copy and set
 * would share its power domain (node-0, node-1); placed by the domains, every copy and every set spans both.
 */
class DomainPlacementJobTest {
  static final int CELLS = 20_000;
  static final long STEPS = 60;
  static final Map<String, String> POWER = Map.of("node-0", "p1", "node-1", "p1", "node-2", "p2", "node-3", "p2");

  @TempDir
  Path dir;

  private static Launcher.Builder ring(Path d, String schemes) {
    return Launcher.builder().ranks(4).nodes(4).jobDir(d).jvmOption("-Xmx96m").failTimeout(Duration.ofSeconds(20))
        .protocol(Protocol.BLOCKING).env("CAIRN_CLUSTER_PERSISTENT_EVERY", "1000") // persistent only at the first checkpoint
        .command(List.of(RingJob.class.getName(), "--cells", "" + CELLS, "--steps", "" + STEPS, "--every", "5",
            "--delay-ms", "25", "--schemes", schemes));
  }

  @Test
  void domainsGivenToTheLauncherPlacePartnerAndRsAcrossPowerDomainsAndARespawnedRankPlansTheSame() throws Exception {
    Path d = Files.createDirectories(dir.resolve("flags"));
    // as: cairn launch --nodes 4 --domain-levels power,rack --domain node-0:power=p1,rack=r1 ... (no file)
    Launcher.Builder b = ring(d, "rs:1+1,partner").domainLevels(List.of("power", "rack"));
    for (int n = 0; n < 4; n++) b.domains("node-" + n, "power=" + POWER.get("node-" + n) + ",rack=r" + n);
    try (Launcher.Job job = b.start()) {
      waitFor(job, d, "global 5 protected");
      assertThat(job.killNode("node-1")).as("ranks killed on node-1").isPositive();
      assertThat(await(job)).as(ClusterJobTest.logs(d)).isZero();
    }
    assertThat(Files.readAllBytes(d.resolve("ring-result.bin"))).as("final state")
        .isEqualTo(RingJob.reference(4, CELLS, STEPS));
    String logs = ClusterJobTest.logs(d);
    // rank 1 (lost with node-1) planned its set before Rank.run from the domains recorded with the version, fetched
    // the one other member's data (rank 3, on node-3 in the other power domain) and rebuilt from RS
    assertThat(logs).as(logs).containsPattern(
        "rank 1: checkpoint \\d+ from RS \\(fetched \\d+ files and 1 versions from peers \\[0, 2, 3\\]\\)");
    assertRecordedAndPlacedAcrossPower(d);
  }

  @Test
  void aDomainsFileGivenToTheLauncherPlacesPartnerAndRsAcrossPowerDomains() throws Exception {
    Path d = Files.createDirectories(dir.resolve("file"));
    StringBuilder f = new StringBuilder("levels = power, rack\n");
    for (int n = 0; n < 4; n++)
      f.append("node-").append(n).append(" = power=").append(POWER.get("node-" + n)).append(", rack=r").append(n)
          .append('\n');
    f.append("node-77 = power=p9, rack=r77\n"); // a node of the machine that this job does not use
    Path file = Files.writeString(dir.resolve("machine-domains.properties"), f);
    try (Launcher.Job job = ring(d, "partner,rs:1+1").domainsFile(file).start()) {
      assertThat(await(job)).as(ClusterJobTest.logs(d)).isZero();
    }
    assertThat(Files.readAllBytes(d.resolve("ring-result.bin"))).as("final state")
        .isEqualTo(RingJob.reference(4, CELLS, STEPS));
    assertRecordedAndPlacedAcrossPower(d);
  }

  /** The manifest recorded the launcher's table, and every stored copy and set crosses the power domains. */
  private static void assertRecordedAndPlacedAcrossPower(Path d) throws Exception {
    GlobalVersion g = GlobalVersion.list(d).getLast();
    assertThat(g.domainLevels()).containsExactly("power", "rack");
    for (int r = 0; r < 4; r++)
      assertThat(g.domains().get(r))
          .isEqualTo(Map.of("node", "node-" + r, "power", POWER.get("node-" + r), "rack", "r" + r));
    int copies = 0, parities = 0;
    try (Stream<Path> s = Files.walk(d.resolve("nodes"))) {
      for (Path p : s.filter(x -> x.getFileName().toString().matches("(copy|parity)-r\\d+\\.red")).toList()) {
        String holderNode = d.resolve("nodes").relativize(p).getName(0).toString();
        RedFile rf = RedFile.open(p).file();
        if (rf.kind() == RedFile.PARTNER) {
          copies++;
          assertThat(POWER.get(rf.members().get(0).node())).as("power domain of the owner of %s", p)
              .isNotEqualTo(POWER.get(holderNode));
        } else {
          parities++;
          assertThat(rf.members().stream().map(m -> POWER.get(m.node())).collect(Collectors.toSet()))
              .as("power domains of the set in %s", p)
              .containsExactlyInAnyOrder("p1", "p2");
        }
      }
    }
    assertThat(copies).isGreaterThanOrEqualTo(4);
    assertThat(parities).isGreaterThanOrEqualTo(4);
  }

  private static int await(Launcher.Job job) {
    try {
      return job.await(Duration.ofSeconds(150));
    } catch (TimeoutException e) {
      throw new AssertionError(e.getMessage() + "\n" + ClusterJobTest.logs(job.jobDir()), e);
    }
  }

  private static void waitFor(Launcher.Job job, Path d, String text) throws Exception {
    long end = System.nanoTime() + 120_000_000_000L;
    while (System.nanoTime() < end && !job.isDone()) {
      if (ClusterJobTest.logs(d).contains(text)) return;
      Thread.sleep(200);
    }
    throw new AssertionError("'" + text + "' never appeared:\n" + ClusterJobTest.logs(d));
  }
}
