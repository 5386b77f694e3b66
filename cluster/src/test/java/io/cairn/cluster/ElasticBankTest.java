package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cluster.examples.Accounts;
import io.cairn.cluster.internal.GlobalManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Elastic restarts of the accounts bank (money in flight at every intermediate checkpoint): 4 -> 6 -> 2 ranks under
 * both protocols, every committed global of every size restored rank by rank and its total checked; a restart with
 * another number of ranks from a global with money in flight is refused (non-zero exit, the real cause named)
 * unless the fallback is allowed, and then says so; undeclared per-rank regions are refused, never invented.
 */
class ElasticBankTest {
  static final int ACCOUNTS = 12;
  @TempDir
  Path dir;

  /** Every rank's part of every committed global: accounts plus money in flight is the initial total; counters agree. */
  static ConsistencyChecker.Invariant conserved() {
    return (states, inFlight) -> {
      long total = 0;
      long sent = 0;
      long received = 0;
      for (Map<String, long[]> s : states) {
        for (long b : s.get("accounts")) total += b;
        for (long x : s.get("sent")) sent += x;
        for (long x : s.get("received")) received += x;
      }
      long flying = 0;
      for (Message m : inFlight) flying += Accounts.amount(m);
      if (total + flying != ACCOUNTS * Accounts.START)
        return "total money " + total + " + in flight " + flying + " != " + ACCOUNTS * Accounts.START;
      if (sent - received != flying) return "sent " + sent + " - received " + received + " != in flight " + flying;
      return null;
    };
  }

  static final Map<String, Integer> REGIONS = Map.of("accounts", 0, "sent", 0, "received", 0, "step", 1);

  private Launcher.Builder accounts(Protocol p, int ranks, long steps) {
    return Jobs.builder(dir, ranks, "io.cairn.cluster.examples.Accounts", "--accounts", "" + ACCOUNTS, "--steps",
        "" + steps, "--every", "20",
        "--delay-ms", "2").protocol(p).nodes(2).env("CAIRN_CLUSTER_KEEP", "1000");
  }

  private int run(Launcher.Builder b) {
    try (Launcher.Job job = b.start()) {
      return Jobs.await(job, Duration.ofSeconds(120));
    }
  }

  private List<GlobalVersion> globals() { return GlobalVersion.list(dir); }

  private void assertAllConserved(Set<Integer> sizes) {
    List<ConsistencyChecker.Report> reports = ConsistencyChecker.check(dir, REGIONS, conserved());
    for (ConsistencyChecker.Report r : reports) assertThat(r.problems()).as("global " + r.global()).isEmpty();
    assertThat(reports.stream().mapToInt(ConsistencyChecker.Report::inFlight).sum())
        .as("money in flight at checkpoints").isPositive();
    assertThat(globals().stream().map(GlobalVersion::ranks).collect(Collectors.toSet())).isEqualTo(sizes);
  }

  @ParameterizedTest
  @EnumSource(value = Protocol.class, names = {"BLOCKING", "CHANDY_LAMPORT"})
  void fourToSixToTwoRanksWithMoneyInFlight(Protocol p) throws Exception {
    int[][] legs = {{4, 120}, {6, 240}, {2, 360}};
    for (int[] leg : legs) {
      assertThat(run(accounts(p, leg[0], leg[1]))).as(Jobs.logs(dir)).isZero();
      GlobalVersion last = globals().getLast();
      assertThat(last.ranks()).as("the last global is this leg's").isEqualTo(leg[0]);
      assertThat(last.step()).as("the job's last global (after its end) is committed").isEqualTo(leg[1]);
      assertThat(Files.readString(dir.resolve("accounts-result.txt")).trim()).isEqualTo("" + ACCOUNTS * Accounts.START);
    }
    assertThat(Files.readString(dir.resolve("logs/rank-1.log"))).contains("resharded global version");
    assertAllConserved(Set.of(4, 6, 2));
  }

  @Test
  void reshardingAGlobalWithMoneyInFlightIsRefusedUnlessTheFallbackIsAllowed() throws Exception {
    Protocol p = Protocol.CHANDY_LAMPORT;
    assertThat(run(accounts(p, 2, 100))).as(Jobs.logs(dir)).isZero();
    GlobalVersion quiet = globals().getLast(); // taken after the end: nothing in flight
    // a longer run is stopped (every process killed) in the middle: its newest globals have money in flight
    try (Launcher.Job job = accounts(p, 2, 100_000).start()) {
      RecoveryTest.awaitGlobals(dir, job, globals().size() + 4);
      assertThat(job.isDone()).isFalse();
    }
    List<GlobalVersion> before = globals();
    GlobalVersion newest = before.getLast();
    assertThat(newest.step()).isGreaterThan(quiet.step());

    assertThat(run(accounts(p, 3, 100_000))).as("a restart that would fall back past committed work fails").isNotZero();
    String why = Files.readString(dir.resolve("aborted"));
    assertThat(why).contains("global " + newest.number() + " (the newest committed)")
        .contains("messages were in flight")
        .contains("newest global that could be restored is " + quiet.number()).contains("--allow-fallback")
        .contains("are kept")
        .doesNotContain("is gone");
    assertThat(globals()).as("nothing committed or removed").isEqualTo(before);

    assertThat(run(accounts(p, 3, quiet.step() + 100).allowFallback(true))).as(Jobs.logs(dir)).isZero();
    assertThat(Files.readString(dir.resolve("logs/coordinator.log")))
        .contains("FALLING BACK past committed work: continuing from global "
            + quiet.number());
    assertThat(globals().getLast().ranks()).isEqualTo(3);
    assertThat(globals().getLast().step()).isEqualTo(quiet.step() + 100);
    assertThat(Files.readString(dir.resolve("accounts-result.txt")).trim()).isEqualTo("" + ACCOUNTS * Accounts.START);
    assertAllConserved(Set.of(2, 3));
  }

  @Test
  void perRankStateIsNotInventedOnAnotherNumberOfRanks() throws Exception {
    // the Bank example keeps each rank's balance in a long[1] and declares nothing: 2 -> 3 ranks must be refused
    Launcher.Builder two = Jobs.builder(dir, 2, "io.cairn.cluster.examples.Bank", "--steps", "100", "--every", "20")
        .nodes(1);
    assertThat(run(two)).as(Jobs.logs(dir)).isZero();
    List<GlobalVersion> before = globals();
    Launcher.Builder three = Jobs.builder(dir, 3, "io.cairn.cluster.examples.Bank", "--steps", "200", "--every", "20")
        .nodes(1);
    assertThat(run(three)).isNotZero();
    assertThat(Files.readString(dir.resolve("aborted"))).contains("per-rank state").contains("balance")
        .contains("Reshard.REPLICATED")
        .contains("relaunch with 2 ranks");
    assertThat(globals()).isEqualTo(before);
    assertThat(GlobalManifest.read(dir)).hasSameSizeAs(before);
  }
}
