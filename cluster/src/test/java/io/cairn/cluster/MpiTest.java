package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cluster.examples.Bank;
import io.cairn.cluster.examples.Heat;
import io.cairn.cluster.internal.GlobalManifest;
import io.cairn.cluster.internal.mpi.MpiRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Rank programs under a real Open MPI {@code mpirun} (oversubscribed; {@code --allow-run-as-root} as root), with
 * MPI as the communicator's transport: the FFM binding itself, the heat example bit-identical with both
 * protocols, kill -9 of a rank (mpirun ends the job, {@link MpiRun} relaunches it, the ranks restore the newest
 * committed global version, the result is still bit-identical), and the bank's consistency check. Skipped, with
 * the reason, only where mpirun or libmpi are missing.
 */
class MpiTest {
  static final int ROWS = 48;
  static final int COLS = 48;
  static final boolean SOAK = Boolean.getBoolean("cairn.soak");

  @TempDir
  Path dir;

  @BeforeAll
  static void needsOpenMpi() {
    String why = MpiRun.unavailable();
    if (why != null) System.out.println("MpiTest skipped: " + why);
    Assumptions.assumeTrue(why == null, why);
  }

  static MpiRun.Builder job(Path d, int ranks, String main, String... args) {
    List<String> cmd = new ArrayList<>(List.of(main));
    cmd.addAll(List.of(args));
    return MpiRun.builder().ranks(ranks).jobDir(d).command(cmd).jvmOption("-Xmx96m")
        .jvmOption("-XX:TieredStopAtLevel=1")
        .attemptTimeout(Duration.ofSeconds(150));
  }

  static String log(Path d) throws Exception {
    Path f = d.resolve("logs/mpirun.log");
    return Files.exists(f) ? Files.readString(f) : "(no mpirun.log)";
  }

  @Test
  void bindingCallsUnderMpirun() throws Exception {
    MpiRun run = job(dir, 3, MpiProbe.class.getName()).maxRestarts(0).build();
    MpiRun.Result r = run.run(null);
    String out = log(dir);
    assertThat(r.exitCode()).as(out).isZero();
    for (int i = 0; i < 3; i++) assertThat(out).contains("OK rank " + i + " of 3 level ");
  }

  /** Without failures (the kill test below runs both protocols). */
  @Test
  void heatOverMpiIsBitIdentical() throws Exception {
    Protocol p = Protocol.BLOCKING;
    int steps = 120;
    MpiRun.Result r = job(dir, 4, "io.cairn.cluster.examples.Heat", "--rows", "" + ROWS, "--cols", "" + COLS, "--steps",
        "" + steps, "--every", "10")
        .env("CAIRN_PROTOCOL", p.id()).maxRestarts(0).build().run(null);
    String out = log(dir);
    assertThat(r.exitCode()).as(out).isZero();
    assertThat(out).contains("on 4 ranks over mpi");
    assertThat(Files.readAllBytes(dir.resolve("heat-result.bin"))).as("final grid")
        .isEqualTo(Heat.reference(ROWS, COLS, steps));
    assertThat(GlobalManifest.read(dir)).hasSizeGreaterThanOrEqualTo(steps / 10);
    assertThat(GlobalManifest.read(dir).getLast().protocol()).isEqualTo(p.id());
  }

  /** kill -9 of a random rank JVM (rank 0, with the coordinator, included) while the job runs; mpirun fails, the loop relaunches. */
  @ParameterizedTest
  @EnumSource(value = Protocol.class, names = {"BLOCKING", "CHANDY_LAMPORT"})
  void killedRankRestartsAllFromTheNewestGlobal(Protocol p) throws Exception {
    Random rnd = new Random(p.ordinal() + 11);
    int trials = SOAK ? 4 : 1;
    for (int t = 0; t < trials; t++) {
      Path d = Files.createDirectories(dir.resolve("t" + t));
      int steps = 240;
      int ranks = 4;
      AtomicInteger killed = new AtomicInteger();
      AtomicReference<String> failure = new AtomicReference<>();
      MpiRun run = job(d, ranks, "io.cairn.cluster.examples.Heat", "--rows", "" + ROWS, "--cols", "" + COLS, "--steps",
          "" + steps,
          "--every", "10", "--delay-ms", "15").env("CAIRN_PROTOCOL", p.id()).maxRestarts(3).build();
      int target = 3 + rnd.nextInt(6);
      MpiRun.Result r = run.run(attempt -> {
        if (attempt > 0) return;
        Thread.ofVirtual().start(() -> {
          try {
            long deadline = System.currentTimeMillis() + 90_000;
            while (GlobalManifest.read(d).size() < target && System.currentTimeMillis() < deadline
                && run.current() != null)
              Thread.sleep(20);
            List<ProcessHandle> ranksNow = run.rankProcesses();
            if (ranksNow.size() != ranks) {
              failure.set("expected " + ranks + " rank JVMs under mpirun, found " + ranksNow.size());
              return;
            }
            ProcessHandle victim = ranksNow.get(rnd.nextInt(ranks));
            if (victim.destroyForcibly()) { // SIGKILL
              victim.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
              killed.incrementAndGet();
            }
          } catch (Exception e) {
            failure.set(e.toString());
          }
        });
      });
      String out = log(d);
      assertThat(failure.get()).as(out).isNull();
      assertThat(killed.get()).as("a rank JVM was killed with SIGKILL").isEqualTo(1);
      assertThat(r.exitCode()).as(r.why() + "\n" + out).isZero();
      assertThat(r.attempts()).as("mpirun ended the job after the kill and was relaunched once").isEqualTo(2);
      assertThat(out).contains("relaunching: the ranks restore global version");
      assertThat(Files.readAllBytes(d.resolve("heat-result.bin"))).as("final grid")
          .isEqualTo(Heat.reference(ROWS, COLS, steps));
      assertThat(out).containsPattern("restored global [1-9]");
    }
  }

  /** Chandy-Lamport (in-flight messages recorded in channel files); the soak run adds the blocking protocol. */
  @Test
  void bankOverMpiConservesMoneyInEveryGlobal() throws Exception {
    for (Protocol p : SOAK ? List.of(Protocol.CHANDY_LAMPORT, Protocol.BLOCKING) : List.of(Protocol.CHANDY_LAMPORT))
      bank(p, Files.createDirectories(dir.resolve(p.id())));
  }

  private void bank(Protocol p, Path dir) throws Exception {
    int ranks = 4;
    MpiRun.Result r = job(dir, ranks, "io.cairn.cluster.examples.Bank", "--steps", "300", "--every", "25", "--delay-ms",
        "1", "--seed", "5")
        .env("CAIRN_PROTOCOL", p.id()).env("CAIRN_CLUSTER_KEEP", "1000").maxRestarts(0).build().run(null);
    assertThat(r.exitCode()).as(log(dir)).isZero();
    assertThat(Files.readString(dir.resolve("bank-result.txt")).trim()).isEqualTo("" + ranks * Bank.START);
    List<ConsistencyChecker.Report> reports = ConsistencyChecker.check(dir, BankConsistencyTest.REGIONS,
        BankConsistencyTest.conserved(ranks));
    assertThat(reports).hasSizeGreaterThan(5);
    for (ConsistencyChecker.Report rep : reports) assertThat(rep.problems()).as("global " + rep.global()).isEmpty();
    assertThat(reports.stream().mapToInt(ConsistencyChecker.Report::inFlight).sum())
        .as("messages in flight at checkpoints").isPositive();
  }
}
