package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cluster.examples.Bank;
import io.cairn.cluster.internal.GlobalManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bank workload moves money between ranks with messages in flight at every checkpoint. Every
 * committed global version must conserve the total (balances plus money in flight) and have no orphan
 * message; the job, with a rank killed at a random time, must end with the total conserved.
 */
class BankConsistencyTest {
  @TempDir
  Path dir;

  static final Map<String, Integer> REGIONS = Map.of("balance", 1, "rng", 1, "step", 1, "sentAmount", 1,
      "receivedAmount", 1);

  static ConsistencyChecker.Invariant conserved(int ranks) {
    return (states, inFlight) -> {
      long total = 0;
      for (Map<String, long[]> s : states) total += s.get("balance")[0];
      for (Message m : inFlight) total += Comm.asLong(m);
      return total == ranks * Bank.START ? null : "total money " + total + " != " + ranks * Bank.START;
    };
  }

  @ParameterizedTest
  @EnumSource(value = Protocol.class, names = {"BLOCKING", "CHANDY_LAMPORT"})
  void everyCommittedGlobalStateIsConsistent(Protocol protocol) throws Exception {
    int trials = Boolean.getBoolean("cairn.soak") ? 4 : 1;
    for (int t = 0; t < trials; t++)
      trial(protocol, java.nio.file.Files.createDirectories(dir.resolve("t" + t)), 5 + t % 3,
          new Random(protocol.ordinal() * 100 + t));
  }

  private void trial(Protocol protocol, Path dir, int ranks, Random rnd) throws Exception {
    try (Launcher.Job job = Jobs
        .builder(dir, ranks, "io.cairn.cluster.examples.Bank", "--steps", "1000", "--every", "50", "--delay-ms", "2",
            "--seed", "" + rnd.nextInt(1000))
        .protocol(protocol).nodes(ranks).env("CAIRN_CLUSTER_KEEP", "1000").start()) {
      RecoveryTest.awaitGlobals(dir, job, 4 + rnd.nextInt(8));
      int victim = 1 + rnd.nextInt(ranks - 1);
      assertThat(job.kill(victim)).as("rank " + victim + " was killed (false: the job ended before the kill)").isTrue();
      assertThat(Jobs.await(job, Duration.ofSeconds(120))).as(Jobs.logs(dir)).isZero();
    }
    assertThat(Files.readString(dir.resolve("bank-result.txt")).trim()).isEqualTo("" + ranks * Bank.START);
    // the job ended right after its checkpoint of step 1000: that last global is committed (Chandy-Lamport commits in the background)
    assertThat(GlobalManifest.read(dir).getLast().step()).as("the job's last global").isEqualTo(1000);
    List<ConsistencyChecker.Report> reports = ConsistencyChecker.check(dir, REGIONS, conserved(ranks));
    assertThat(reports).hasSizeGreaterThan(5);
    for (ConsistencyChecker.Report r : reports) assertThat(r.problems()).as("global " + r.global()).isEmpty();
    // the workload really has messages in flight at checkpoints (else the check would prove little)
    assertThat(reports.stream().mapToInt(ConsistencyChecker.Report::inFlight).sum()).isPositive();

    // the checker is not blind: a global state mixing rank 0's part of one global version with the others' parts
    // of the next one (what restoring without coordination could produce) is reported
    List<GlobalManifest.Entry> all = GlobalManifest.read(dir);
    GlobalManifest.Entry a = all.get(all.size() - 2);
    GlobalManifest.Entry b = all.getLast();
    long[] mixed = b.versions().clone();
    mixed[0] = a.versions()[0];
    GlobalManifest.append(dir,
        new GlobalManifest.Entry(b.global() + 1, b.size(), b.protocol(), b.step(), b.timeMillis(), mixed, b.nodes()));
    ConsistencyChecker.Report bad = ConsistencyChecker.check(dir, REGIONS, conserved(ranks)).getLast();
    assertThat(bad.global()).isEqualTo(b.global() + 1);
    assertThat(bad.problems()).isNotEmpty();
  }

  @org.junit.jupiter.api.Test
  void ranksRunningAheadNeverLoseTheNewestCommittedGlobalToRetention() throws Exception {
    // bank ranks are not synchronised: with Chandy-Lamport a fast rank can be many checkpoints ahead; with the
    // default retention (4 versions per level) the recovery must still find every rank's part of the newest global
    try (Launcher.Job job = Jobs
        .builder(dir, 4, "io.cairn.cluster.examples.Bank", "--steps", "2500", "--every", "10", "--delay-ms", "1")
        .protocol(Protocol.CHANDY_LAMPORT).nodes(2).start()) {
      RecoveryTest.awaitGlobals(dir, job, 12);
      assertThat(job.kill(2)).as("rank 2 was killed (false: the job ended before the kill)").isTrue();
      assertThat(Jobs.await(job, Duration.ofSeconds(120))).as(Jobs.logs(dir)).isZero();
    }
    String logs = Jobs.logs(dir);
    assertThat(logs).doesNotContain("cannot restore").contains("bank: 4 ranks, 2500 steps, total 4000 (conserved)");
    assertThat(logs).doesNotContain("restored global 0,").doesNotContain("restored global 0\n");
  }
}
