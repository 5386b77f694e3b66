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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The logging protocol (uncoordinated checkpoints, pessimistic sender-based message logging): kill -9 of random ranks,
 * several times per run, on the heat and bank workloads; only the killed ranks restore (their own checkpoints), the
 * others never roll back, and the results are the failure-free ones (heat bit for bit, the bank's total conserved;
 * a bank rank that replayed its poll outcomes wrongly would re-send other amounts under the same sequence numbers,
 * which the receivers drop as duplicates, and money would be created or lost). Simultaneous failures: a whole node
 * (two ranks and their node-local checkpoints), then the coordinator (every rank restores its own checkpoint).
 */
class MessageLoggingTest {
  static final boolean SOAK = Boolean.getBoolean("cairn.soak");
  static final int ROWS = 40;
  static final int COLS = 40;

  @TempDir
  Path dir;

  private Path keep(String name) { return Jobs.keep(dir, name); }

  private static final Pattern RESTORED_ALONE = Pattern
      .compile("rank (\\d+) RESTORED its own checkpoint \\(logging protocol; the other ranks did not roll back\\)");

  /** The ranks the coordinator reported as having restored their own checkpoint after a failure (logging), in order. */
  static List<Integer> restoredAlone(Path job) throws Exception {
    return Jobs.reportedRanks(job, RESTORED_ALONE);
  }

  /** Waits until {@code n} ranks restored alone since the start (so the next kill hits a running job). */
  static void awaitRestoredAlone(Path job, Launcher.Job j, int n) throws Exception {
    Jobs.awaitReports(job, j, RESTORED_ALONE, n);
  }

  /** Number of receive outcomes the ranks replayed from their determinant logs. */
  static long replayed(Path job, int ranks) throws Exception {
    long n = 0;
    Pattern p = Pattern.compile("replaying (\\d+) logged receive outcomes");
    for (int r = 0; r < ranks; r++) {
      Matcher m = p.matcher(Files.readString(job.resolve("logs/rank-" + r + ".log")));
      while (m.find()) n += Long.parseLong(m.group(1));
    }
    return n;
  }

  /** Only the killed ranks restored, each once per kill; nobody else ever rolled back; one rollback order in all (the start). */
  static void assertOnlyVictimsRestored(Path d, int ranks, List<Integer> victims) throws Exception {
    String coord = Files.readString(d.resolve("logs/coordinator.log"));
    assertThat(coord.split("every rank rolls back", -1).length - 1)
        .as("rollback orders to every rank (the start only)\n" + coord).isEqualTo(1);
    assertThat(restoredAlone(d)).as("ranks that restored after a failure").containsExactlyInAnyOrderElementsOf(victims);
    for (int r = 0; r < ranks; r++) {
      String log = Files.readString(d.resolve("logs/rank-" + r + ".log"));
      assertThat(log).as("rank " + r + " never rolled back in place").doesNotContain("rolling back to global");
      long restores = Pattern.compile("restored its own checkpoint, version").matcher(log).results().count();
      int rank = r;
      long killed = victims.stream().filter(v -> v == rank).count();
      assertThat(restores).as("rank " + r + " restored a checkpoint only when it was killed")
          .isLessThanOrEqualTo(killed);
    }
  }

  private static Launcher.Builder heat(Path d, int ranks, int nodes, long steps) {
    return Jobs.heat(d, ranks, ROWS, COLS, steps, 10).protocol(Protocol.LOGGING).nodes(nodes);
  }

  private static int victim(Random rnd, int ranks, List<Integer> before) {
    int v = rnd.nextInt(ranks);
    if (!before.isEmpty() && v == before.getLast()) v = (v + 1 + rnd.nextInt(ranks - 1)) % ranks; // spread the kills
    return v;
  }

  @Test
  void heatSurvivesRandomKillsAndOnlyTheKilledRanksRestore() throws Exception {
    Random rnd = new Random(16);
    int trials = SOAK ? 4 : 1;
    for (int t = 0; t < trials; t++) {
      int ranks = t % 2 == 0 ? 4 : 8;
      long steps = 300;
      Path d = Files.createDirectories(keep("heat" + t));
      List<Integer> victims = new ArrayList<>();
      try (Launcher.Job job = heat(d, ranks, 2, steps).start()) {
        for (int k = 0; k < 3; k++) {
          Jobs.awaitSteps(d, job, ranks, 2, 40 + 70L * k + rnd.nextInt(20));
          Thread.sleep(rnd.nextInt(150)); // anywhere between two checkpoints
          int victim = victim(rnd, ranks, victims);
          assertThat(job.kill(victim))
              .as("kill " + (k + 1) + " of 3 (rank " + victim + ") happened (false: the job ended before it)").isTrue();
          victims.add(victim);
          awaitRestoredAlone(d, job, k + 1);
        }
        assertThat(Jobs.await(job, Duration.ofSeconds(120))).as(Jobs.logs(d)).isZero();
        assertThat(job.restarts()).as("restarts").isEqualTo(3);
      }
      assertThat(Files.readAllBytes(d.resolve("heat-result.bin"))).as("final grid, bit for bit")
          .isEqualTo(Heat.reference(ROWS, COLS, steps));
      assertOnlyVictimsRestored(d, ranks, victims);
    }
  }

  @Test
  void bankConservesMoneyThroughRandomKills() throws Exception {
    Random rnd = new Random(61);
    int trials = SOAK ? 4 : 1;
    long replayed = 0;
    for (int t = 0; t < trials; t++) {
      int ranks = t % 2 == 0 ? 6 : 8;
      Path d = Files.createDirectories(keep("bank" + t));
      List<Integer> victims = new ArrayList<>();
      // first trial: the ranks would never checkpoint by their schedule (every 1000th call); the log bound (1 KiB, 128
      // transfers) makes the senders ask, and the receivers checkpoint at their next call, each when its senders need it.
      // Soak trials: every 3rd call, staggered by rank (no two ranks checkpoint at the same step).
      boolean bound = t % 2 == 0;
      Launcher.Builder b = Jobs
          .builder(d, ranks, "io.cairn.cluster.examples.Bank", "--steps", "600", "--every", "20", "--delay-ms", "3",
              "--seed", "" + rnd.nextInt(1000))
          .protocol(Protocol.LOGGING).nodes(2);
      if (bound) b.env("CAIRN_LOGGING_EVERY", "1000").env("CAIRN_MESSAGE_LOG_LIMIT", "1024");
      else
        b.env("CAIRN_LOGGING_EVERY", "3");
      try (Launcher.Job job = b.start()) {
        for (int k = 0; k < 3; k++) {
          Jobs.awaitSteps(d, job, ranks, 2, 60 + 150L * k + rnd.nextInt(30), !bound); // bound: ranks checkpoint when asked, some rarely
          Thread.sleep(rnd.nextInt(200));
          int victim = victim(rnd, ranks, victims);
          assertThat(job.kill(victim))
              .as("kill " + (k + 1) + " of 3 (rank " + victim + ") happened (false: the job ended before it)").isTrue();
          victims.add(victim);
          awaitRestoredAlone(d, job, k + 1);
        }
        assertThat(Jobs.await(job, Duration.ofSeconds(120))).as(Jobs.logs(d)).isZero();
        assertThat(job.restarts()).as("restarts").isEqualTo(3);
      }
      assertThat(Files.readString(d.resolve("bank-result.txt")).trim()).as("total money")
          .isEqualTo("" + ranks * Bank.START);
      assertOnlyVictimsRestored(d, ranks, victims);
      replayed += replayed(d, ranks);
      for (int r = 0; r < ranks; r++) {
        try (Checkpointer c = ParallelCheckpointer.openPart(d, Map.of(), r, ranks, "node-" + (r * 2 / ranks), false,
            true)) {
          List<Version> vs = c.versions();
          assertThat(vs).as("rank " + r + " checkpointed").isNotEmpty();
          // the benchmark's keys are in every rank's versions; the bank logs every payload it sends to another rank
          Version v = vs.getLast();
          assertThat(Long.parseLong(v.metadata().get("cairn.sent-bytes"))).isPositive();
          assertThat(v.metadata().get("cairn.logged-bytes")).isEqualTo(v.metadata().get("cairn.sent-bytes"));
          if (bound) { // the receivers' checkpoints keep every log near the bound (sends wait above twice it)
            for (Version x : vs)
              assertThat(Long.parseLong(x.metadata().get("cairn.log-held-bytes")))
                  .as("rank " + r + "'s log at version " + x.number())
                  .isLessThanOrEqualTo(2048 + 8);
          }
        }
      }
      assertThat(d.resolve("logging/r0of" + ranks)).as("rank 0's determinant log").isDirectory();
    }
    assertThat(replayed).as("killed ranks replayed logged poll outcomes (else the kills tested little)").isPositive();
  }

  @Test
  void simultaneousFailuresANodeThenTheCoordinator() throws Exception {
    // a whole node: ranks 2 and 3 (each the other's sender and receiver) and their node-local checkpoints; both restore
    // from the persistent level and replay, and neither needs the other's volatile log: a message sent after the
    // sender's checkpoint is sent again by its re-execution. Then the coordinator: every rank restores its own checkpoint.
    Path d = Files.createDirectories(keep("node"));
    long steps = 300;
    try (Launcher.Job job = heat(d, 4, 2, steps).start()) {
      Jobs.awaitSteps(d, job, 4, 2, 60);
      Thread.sleep(70);
      assertThat(job.killNode("node-1")).as("ranks killed on node-1 (0: the job ended before the kill)").isEqualTo(2);
      awaitRestoredAlone(d, job, 2);
      Jobs.awaitSteps(d, job, 4, 2, 160);
      Thread.sleep(70);
      assertThat(job.killCoordinator()).as("the coordinator was killed (false: the job ended before)").isTrue();
      assertThat(Jobs.await(job, Duration.ofSeconds(150))).as(Jobs.logs(d)).isZero();
    }
    assertThat(Files.readAllBytes(d.resolve("heat-result.bin"))).as("final grid, bit for bit")
        .isEqualTo(Heat.reference(ROWS, COLS, steps));
    assertThat(restoredAlone(d)).as("after the node loss only its ranks restored").containsExactlyInAnyOrder(2, 3);
    assertThat(Files.readString(d.resolve("logs/rank-2.log"))).contains("from level 'persistent'");
  }
}
