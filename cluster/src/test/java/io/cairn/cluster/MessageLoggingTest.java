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
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The logging protocol (uncoordinated checkpoints, pessimistic sender-based message logging): kill -9 of random ranks,
 * several times per run, on the heat and bank workloads; only the killed ranks restore (their own checkpoints), the
 * others never roll back, and the results are the failure-free ones (heat bit for bit, the bank's total conserved).
 */
class MessageLoggingTest {
  static final boolean SOAK = Boolean.getBoolean("cairn.soak");
  static final int ROWS = 40;
  static final int COLS = 40;

  @TempDir Path dir;

  /** The newest step of rank {@code r}'s own versions (-1: none yet), read without disturbing the rank. */
  static long newestStep(Path job, int r, int size, String node) {
    try (Checkpointer c = ParallelCheckpointer.openPart(job, Map.of(), r, size, node, false, true)) {
      return c.versions().stream().mapToLong(Version::step).max().orElse(-1);
    } catch (RuntimeException e) {
      return -1;
    }
  }

  /** Waits until every rank's own checkpoints reached step {@code step} (or the job ended). */
  static void awaitSteps(Path job, Launcher.Job j, int size, int nodes, long step) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 90_000;
    while (!j.isDone() && System.currentTimeMillis() < deadline) {
      boolean all = true;
      for (int r = 0; r < size && all; r++) if (newestStep(job, r, size, "node-" + (r * nodes / size)) < step) all = false;
      if (all) return;
      Thread.sleep(50);
    }
  }

  /** The ranks the coordinator reported as having restored their own checkpoint after a failure (logging), in order. */
  static List<Integer> restoredAlone(Path job) throws Exception {
    List<Integer> out = new ArrayList<>();
    Matcher m = Pattern.compile("rank (\\d+) RESTORED its own checkpoint \\(logging protocol; the other ranks did not roll back\\)")
        .matcher(Files.readString(job.resolve("logs/coordinator.log")));
    while (m.find()) out.add(Integer.parseInt(m.group(1)));
    return out;
  }

  private static void assertOnlyVictimsRestored(Path d, int ranks, List<Integer> victims) throws Exception {
    String coord = Files.readString(d.resolve("logs/coordinator.log"));
    // exactly one global rollback order: the start of the job (all ranks joined); never after a failure
    assertThat(coord.split("every rank rolls back", -1).length - 1).as("rollback orders to every rank\n" + coord).isEqualTo(1);
    assertThat(restoredAlone(d)).as("ranks that restored after a failure").containsExactlyInAnyOrderElementsOf(victims);
    for (int r = 0; r < ranks; r++) {
      String log = Files.readString(d.resolve("logs/rank-" + r + ".log"));
      assertThat(log).as("rank " + r + " never rolled back in place").doesNotContain("rolling back to global");
      long restores = Pattern.compile("restored its own checkpoint, version").matcher(log).results().count();
      int rank = r;
      long killed = victims.stream().filter(v -> v == rank).count();
      assertThat(restores).as("rank " + r + " restored a checkpoint only when it was killed").isLessThanOrEqualTo(killed);
    }
  }

  private Launcher.Builder heat(Path d, int ranks, int nodes, long steps) {
    return Jobs.builder(d, ranks, "io.cairn.cluster.examples.Heat", "--rows", "" + ROWS, "--cols", "" + COLS, "--steps", "" + steps,
        "--every", "10", "--delay-ms", "10").protocol(Protocol.LOGGING).nodes(nodes);
  }

  @Test void heatSurvivesRandomKillsAndOnlyTheKilledRanksRestore() throws Exception {
    Random rnd = new Random(16);
    int trials = SOAK ? 4 : 1;
    for (int t = 0; t < trials; t++) {
      int ranks = t % 2 == 0 ? 4 : 6;
      long steps = 300;
      Path d = Files.createDirectories(dir.resolve("heat" + t));
      List<Integer> victims = new ArrayList<>();
      try (Launcher.Job job = heat(d, ranks, 2, steps).start()) {
        for (int k = 0; k < 3; k++) {
          awaitSteps(d, job, ranks, 2, 40 + 70L * k + rnd.nextInt(20));
          Thread.sleep(rnd.nextInt(120)); // between checkpoints too
          int victim = rnd.nextInt(ranks);
          assertThat(job.kill(victim)).as("kill " + (k + 1) + " of 3 (rank " + victim + ") happened (false: the job ended before it)").isTrue();
          victims.add(victim);
          Thread.sleep(1500); // the next kill after this recovery (simultaneous failures: another test)
        }
        assertThat(Jobs.await(job, Duration.ofSeconds(120))).as(Jobs.logs(d)).isZero();
        assertThat(job.restarts()).as("restarts").isEqualTo(3);
      }
      assertThat(Files.readAllBytes(d.resolve("heat-result.bin"))).as("final grid, bit for bit").isEqualTo(Heat.reference(ROWS, COLS, steps));
      assertOnlyVictimsRestored(d, ranks, victims);
    }
  }

  @Test void bankConservesMoneyThroughRandomKills() throws Exception {
    Random rnd = new Random(61);
    int trials = SOAK ? 4 : 1;
    for (int t = 0; t < trials; t++) {
      int ranks = t % 2 == 0 ? 5 : 8;
      Path d = Files.createDirectories(dir.resolve("bank" + t));
      List<Integer> victims = new ArrayList<>();
      try (Launcher.Job job = Jobs.builder(d, ranks, "io.cairn.cluster.examples.Bank", "--steps", "600", "--every", "25", "--delay-ms", "3",
          "--seed", "" + rnd.nextInt(1000)).protocol(Protocol.LOGGING).nodes(2).start()) {
        for (int k = 0; k < 3; k++) {
          awaitSteps(d, job, ranks, 2, 75 + 150L * k + rnd.nextInt(30));
          int victim = rnd.nextInt(ranks);
          assertThat(job.kill(victim)).as("kill " + (k + 1) + " of 3 (rank " + victim + ") happened (false: the job ended before it)").isTrue();
          victims.add(victim);
          Thread.sleep(1500);
        }
        assertThat(Jobs.await(job, Duration.ofSeconds(120))).as(Jobs.logs(d)).isZero();
        assertThat(job.restarts()).as("restarts").isEqualTo(3);
      }
      assertThat(Files.readString(d.resolve("bank-result.txt")).trim()).as("total money").isEqualTo("" + ranks * Bank.START);
      assertOnlyVictimsRestored(d, ranks, victims);
      // the benchmark's keys are in every rank's versions, and the bank logs every payload it sends to another rank
      try (Checkpointer c = ParallelCheckpointer.openPart(d, Map.of(), 0, ranks, "node-0", false, true)) {
        Version v = c.versions().getLast();
        assertThat(Long.parseLong(v.metadata().get("cairn.sent-bytes"))).isPositive();
        assertThat(v.metadata().get("cairn.logged-bytes")).isEqualTo(v.metadata().get("cairn.sent-bytes"));
      }
      // the determinants (poll outcomes) are on disk
      assertThat(new TreeSet<>(List.of(Files.list(d.resolve("logging")).map(p -> p.getFileName().toString()).toArray(String[]::new))))
          .contains("r0of" + ranks);
    }
  }
}
