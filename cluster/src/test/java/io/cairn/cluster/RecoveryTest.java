package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cluster.examples.Heat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kill -9 of ranks, of the coordinator and of whole nodes: the heat job still ends with the undisturbed result, bit for bit. */
class RecoveryTest {
  static final int ROWS = 48;
  static final int COLS = 48;
  static final int STEPS = 150;
  static final boolean SOAK = Boolean.getBoolean("cairn.soak");

  @TempDir
  Path dir;

  private Launcher.Builder heat(Path d, int ranks, Protocol p) {
    return Jobs.builder(d, ranks, "io.cairn.cluster.examples.Heat", "--rows", "" + ROWS, "--cols", "" + COLS, "--steps",
        "" + STEPS,
        "--every", "10", "--delay-ms", "8").protocol(p).nodes(2);
  }

  private void assertResult(Path d) throws Exception {
    assertThat(Files.readAllBytes(d.resolve("heat-result.bin"))).as("final grid")
        .isEqualTo(Heat.reference(ROWS, COLS, STEPS));
  }

  private static void sleep(long ms) throws InterruptedException { Thread.sleep(ms); }

  /** Waits until the job committed {@code n} global versions (or ended): failures then hit the middle of the run. */
  static void awaitGlobals(Path d, Launcher.Job job, int n) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 60_000;
    while (io.cairn.cluster.internal.GlobalManifest.read(d).size() < n && !job.isDone()
        && System.currentTimeMillis() < deadline)
      sleep(20);
  }

  @Test
  void randomRankKillsDuringCompute() throws Exception {
    Random rnd = new Random(7);
    int trials = SOAK ? 6 : 1;
    for (int t = 0; t < trials; t++) {
      Path d = Files.createDirectories(dir.resolve("t" + t));
      Protocol p = t % 2 == 0 ? Protocol.BLOCKING : Protocol.CHANDY_LAMPORT;
      int ranks = t < 4 ? 4 : 8;
      try (Launcher.Job job = heat(d, ranks, p).start()) {
        for (int k = 0; k < 2; k++) {
          awaitGlobals(d, job, 3 + 4 * k + rnd.nextInt(3));
          int victim = rnd.nextInt(ranks);
          assertThat(job.kill(victim))
              .as("kill " + (k + 1) + " of 2 (rank " + victim + ") happened (false: the job ended before it)").isTrue();
        }
        assertThat(Jobs.await(job, Duration.ofSeconds(120))).as(Jobs.logs(d)).isZero();
        assertThat(job.restarts()).as("restarts").isEqualTo(2);
      }
      assertResult(d);
    }
  }

  @Test
  void killsDuringCheckpointingAndOfTheCoordinator() throws Exception {
    // blocking: rank 2 dies after sending PREPARED for global 3; the coordinator dies before committing global 6,
    // and its next process is killed once more
    Path a = Files.createDirectories(dir.resolve("blocking"));
    TestFaults.inject(a, "rank 2 after-prepare 3", "coordinator before-commit 6");
    try (Launcher.Job job = heat(a, 4, Protocol.BLOCKING).start()) {
      long deadline = System.currentTimeMillis() + 90_000;
      while (!TestFaults.fired(a, "coordinator") && !job.isDone() && System.currentTimeMillis() < deadline) sleep(20);
      // then kill its next process (false while the halted one is not yet replaced)
      boolean killed = false;
      while (!killed && !job.isDone() && System.currentTimeMillis() < deadline) {
        killed = job.killCoordinator();
        if (!killed) sleep(200);
      }
      assertThat(killed).as("the restarted coordinator was killed (false: the job ended before the kill)").isTrue();
      assertThat(Jobs.await(job, Duration.ofSeconds(120))).as(Jobs.logs(a)).isZero();
      assertThat(job.restarts()).as("restarts").isGreaterThanOrEqualTo(2);
    }
    assertThat(TestFaults.fired(a, "rank 2")).as("rank 2 halted after preparing global 3").isTrue();
    assertThat(TestFaults.fired(a, "coordinator")).as("the coordinator halted before committing global 6").isTrue();
    assertResult(a);
    // Chandy-Lamport: rank 1 dies after writing its part of global 4 (channel state included), the coordinator right after committing global 7
    Path b = Files.createDirectories(dir.resolve("cl"));
    TestFaults.inject(b, "rank 1 after-write 4", "coordinator after-commit 7");
    try (Launcher.Job job = heat(b, 4, Protocol.CHANDY_LAMPORT).start()) {
      assertThat(Jobs.await(job, Duration.ofSeconds(120))).as(Jobs.logs(b)).isZero();
      assertThat(job.restarts()).as("restarts").isEqualTo(2);
    }
    assertThat(TestFaults.fired(b, "rank 1")).as("rank 1 halted after writing its part of global 4").isTrue();
    assertThat(TestFaults.fired(b, "coordinator")).as("the coordinator halted after committing global 7").isTrue();
    assertResult(b);
  }

  @Test
  void lossOfWholeNodes() throws Exception {
    Random rnd = new Random(11);
    int trials = SOAK ? 4 : 1;
    for (int t = 0; t < trials; t++) {
      Path d = Files.createDirectories(dir.resolve("n" + t));
      Launcher.Builder b = heat(d, 4, t % 2 == 0 ? Protocol.BLOCKING : Protocol.CHANDY_LAMPORT);
      if (t >= 2) b.env("CAIRN_CLUSTER_PERSISTENT_EVERY", "2"); // some global versions only on the lost node: fall back to an older one
      try (Launcher.Job job = b.start()) {
        awaitGlobals(d, job, 3 + rnd.nextInt(6));
        String node = "node-" + rnd.nextInt(2);
        assertThat(job.killNode(node)).as("ranks killed on " + node + " (0: the job ended before the kill)")
            .isPositive();
        assertThat(Jobs.await(job, Duration.ofSeconds(120))).as(Jobs.logs(d)).isZero();
      }
      assertResult(d);
    }
  }

  @Test
  void hungRankIsDetectedByMissedHeartbeats() throws Exception {
    Path d = Files.createDirectories(dir.resolve("hung"));
    try (Launcher.Job job = heat(d, 4, Protocol.BLOCKING).failTimeout(Duration.ofSeconds(3)).start()) {
      long deadline = System.currentTimeMillis() + 60_000;
      while (io.cairn.cluster.internal.GlobalManifest.read(d).size() < 3 && !job.isDone()
          && System.currentTimeMillis() < deadline)
        sleep(20);
      assertThat(job.isDone()).as("the job still runs before rank 2 is stopped (make it longer)").isFalse();
      // SIGSTOP: the process is alive, its sockets open, but it sends no heartbeat
      long pid = job.pid(2);
      assertThat(new ProcessBuilder("kill", "-STOP", "" + pid).start().waitFor()).isZero();
      assertThat(Jobs.await(job, Duration.ofSeconds(120))).as(Jobs.logs(d)).isZero();
      assertThat(job.restarts()).isGreaterThanOrEqualTo(1);
    }
    assertThat(Jobs.logs(d)).contains("missed heartbeats");
    assertResult(d);
  }

  /**
   * A hung rank the coordinator cannot kill: the ranks listen on 127.0.0.2 ({@code CAIRN_BIND}) and advertise it, which is
   * no name the coordinator takes for its own machine (as a host name or a remote address would not be), so only the
   * launcher can kill it, on the coordinator's kill request ({@code <job>/kill/r2-i0}). Without that the job stalls.
   */
  @Test
  void hungRankTheCoordinatorCannotKillIsKilledByTheLauncher() throws Exception {
    Path d = Files.createDirectories(dir.resolve("hung-remote"));
    String marker = "-Dcairn.test.hung=" + java.util.UUID.randomUUID();
    long stopped;
    long coordinator;
    try (Launcher.Job job = heat(d, 4, Protocol.BLOCKING).env("CAIRN_BIND", "127.0.0.2").jvmOption(marker)
        .failTimeout(Duration.ofSeconds(3)).start()) {
      awaitGlobals(d, job, 3);
      assertThat(job.isDone()).as("the job still runs (make it longer)").isFalse();
      stopped = job.pid(2);
      coordinator = job.coordinatorPid();
      assertThat(new ProcessBuilder("kill", "-STOP", "" + stopped).start().waitFor()).isZero();
      assertThat(Jobs.await(job, Duration.ofSeconds(120))).as(Jobs.logs(d)).isZero();
      assertThat(job.restarts()).as("restarts").isEqualTo(1);
      assertThat(ProcessHandle.of(stopped).map(ProcessHandle::isAlive).orElse(false)).as("the stopped rank is dead")
          .isFalse();
    }
    SshLaunchTest.assertNoSurvivors(marker, 5_000); // kills any it finds, then fails
    assertThat(ProcessHandle.of(coordinator).map(ProcessHandle::isAlive).orElse(false)).as("the coordinator is gone")
        .isFalse();
    String coord = Files.readString(d.resolve("logs/coordinator.log"));
    assertThat(coord).as("ranks advertise 127.0.0.2").contains("rank 2 joined from 127.0.0.2:")
        .contains("rank 2 (incarnation 0) missed heartbeats").contains("asking the launcher to kill it")
        .doesNotContain("killing it here");
    assertResult(d);
  }
}
