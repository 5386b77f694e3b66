package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.Checkpointer;
import io.cairn.Version;
import io.cairn.cluster.examples.Bank;
import io.cairn.cluster.examples.Heat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hierarchical protocol: groups checkpoint together, only messages between groups are logged, and a kill -9 rolls
 * back the killed rank's group only. Heat (groups by node) ends bit-identical, the bank (groups from CAIRN_GROUPS)
 * conserves its total, and the ranks of the other groups never restore.
 */
class HierarchicalTest {
  @TempDir
  Path dir;

  private Path keep(String name) { return Jobs.keep(dir, name); }

  private static final Pattern RESTORED_WITH_GROUP = Pattern
      .compile("rank (\\d+) RESTORED its group's checkpoint \\(hierarchical protocol");

  /** The ranks the coordinator reported as restored with their group, in order. */
  static List<Integer> restoredWithGroup(Path job) throws Exception {
    return Jobs.reportedRanks(job, RESTORED_WITH_GROUP);
  }

  static void awaitRestored(Path job, Launcher.Job j, int n) throws Exception {
    Jobs.awaitReports(job, j, RESTORED_WITH_GROUP, n);
  }

  /** Only the killed ranks' groups restored (each member once per kill in its group), and one rollback order for all: the start. */
  static void assertOnlyGroupsRestored(Path d, int[] group, List<Integer> victims) throws Exception {
    String coord = Files.readString(d.resolve("logs/coordinator.log"));
    assertThat(coord.split("every rank rolls back", -1).length - 1)
        .as("rollback orders to every rank (the start only)\n" + coord).isEqualTo(1);
    List<Integer> expected = new ArrayList<>();
    for (int v : victims) for (int r = 0; r < group.length; r++) if (group[r] == group[v]) expected.add(r);
    assertThat(restoredWithGroup(d)).as("ranks that restored after the kills of " + victims)
        .containsExactlyInAnyOrderElementsOf(expected);
    for (int r = 0; r < group.length; r++) {
      int rank = r;
      long kills = victims.stream().filter(v -> group[v] == group[rank]).count();
      String log = Files.readString(d.resolve("logs/rank-" + r + ".log"));
      assertThat(Pattern.compile("restored its own checkpoint, version").matcher(log).results().count())
          .as("rank " + r + " restored only when its group had a kill").isLessThanOrEqualTo(kills);
      if (kills == 0) assertThat(log).doesNotContain("rolling back");
    }
  }

  @Test
  void heatGroupsByNodeOnlyTheFailedGroupRollsBack() throws Exception {
    Path d = Files.createDirectories(keep("hheat"));
    long steps = 300;
    List<Integer> victims = List.of(1, 2);
    try (Launcher.Job job = Jobs.heat(d, 4, 40, 40, steps, 10).protocol(Protocol.HIERARCHICAL).nodes(2).start()) {
      Jobs.awaitSteps(d, job, 4, 2, 60);
      Thread.sleep(80);
      assertThat(job.kill(1)).as("rank 1 killed (false: the job ended before)").isTrue();
      awaitRestored(d, job, 2);
      Jobs.awaitSteps(d, job, 4, 2, 150);
      Thread.sleep(50);
      assertThat(job.kill(2)).as("rank 2 killed (false: the job ended before)").isTrue();
      awaitRestored(d, job, 4);
      assertThat(Jobs.await(job, Duration.ofSeconds(120))).as(Jobs.logs(d)).isZero();
      assertThat(job.restarts()).as("restarts").isEqualTo(2);
    }
    assertThat(Files.readAllBytes(d.resolve("heat-result.bin"))).as("final grid, bit for bit")
        .isEqualTo(Heat.reference(40, 40, steps));
    assertOnlyGroupsRestored(d, new int[]{0, 0, 1, 1}, victims);
  }

  @Test
  void bankGroupsFromTheEnvironmentLogOnlyBetweenGroups() throws Exception {
    Path d = Files.createDirectories(keep("hbank"));
    int ranks = 6;
    Random rnd = new Random(5);
    List<Integer> victims = new ArrayList<>();
    try (Launcher.Job job = Jobs
        .builder(d, ranks, "io.cairn.cluster.examples.Bank", "--steps", "600", "--every", "20", "--delay-ms", "3")
        .protocol(Protocol.HIERARCHICAL).nodes(2).env("CAIRN_GROUPS", "0,1,2;3-5").start()) {
      for (int k = 0; k < 2; k++) {
        Jobs.awaitSteps(d, job, ranks, 2, 100 + 200L * k);
        Thread.sleep(rnd.nextInt(150));
        int v = k == 0 ? rnd.nextInt(3) : 3 + rnd.nextInt(3);
        assertThat(job.kill(v)).as("rank " + v + " killed (false: the job ended before)").isTrue();
        victims.add(v);
        awaitRestored(d, job, 3 * (k + 1));
      }
      assertThat(Jobs.await(job, Duration.ofSeconds(120))).as(Jobs.logs(d)).isZero();
    }
    assertThat(Files.readString(d.resolve("bank-result.txt")).trim()).as("total money")
        .isEqualTo("" + ranks * Bank.START);
    assertOnlyGroupsRestored(d, new int[]{0, 0, 0, 1, 1, 1}, victims);
    // only the messages to the other group are logged (the bank sends to every other rank alike: about 3/5 of them)
    try (Checkpointer c = ParallelCheckpointer.openPart(d, Map.of(), 0, ranks, "node-0", false, true)) {
      Version v = c.versions().getLast();
      long sent = Long.parseLong(v.metadata().get("cairn.sent-bytes"));
      long logged = Long.parseLong(v.metadata().get("cairn.logged-bytes"));
      assertThat(logged).as("logged bytes of rank 0").isPositive().isLessThan(sent);
    }
  }
}
