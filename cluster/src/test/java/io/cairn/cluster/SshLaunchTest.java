package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cairn.cluster.examples.Heat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Launcher.Builder#hosts} with hosts reached through ssh, for real, on loopback: a private sshd
 * ({@link LoopbackSshd}) runs as the current user on 127.0.0.1, and the launcher's ssh gets its port, key and
 * known_hosts through {@link Launcher.Builder#sshOptions}, with {@code HostName=127.0.0.1}. The hosts are named
 * {@code host-a}, {@code host-b}: not {@code localhost}, {@code 127.0.0.1} nor this machine's host name, so
 * {@code Launcher.Job.isLocalHost} sends them through ssh (it resolves nothing), while ssh connects to the test
 * sshd whatever the name. Same machine, so the same JDK and class path, and the job directory is "shared".
 *
 * <p>Every rank JVM of a job carries a marker option; its environment ({@code /proc/PID/environ}) tells its rank,
 * incarnation and whether sshd started it ({@code SSH_CONNECTION}). After each job no rank JVM may survive.
 */
class SshLaunchTest {
  static final int ROWS = 40;
  static final int COLS = 32;

  @TempDir
  static Path sshdDir;
  @TempDir
  Path dir;
  static LoopbackSshd sshd;
  static String unavailable;

  @BeforeAll
  static void startSshd() throws Exception {
    unavailable = LoopbackSshd.missing().orElse(null);
    if (unavailable != null) return;
    try {
      sshd = LoopbackSshd.start(sshdDir);
    } catch (LoopbackSshd.Unavailable e) {
      unavailable = "cannot run a test sshd here (" + LoopbackSshd.SKIP + "): " + e.getMessage()
          + ": skipping the ssh launcher tests";
    }
  }

  @AfterAll
  static void stopSshd() throws Exception {
    if (sshd != null) sshd.close();
  }

  private static void requireSshd() {
    if (unavailable != null) System.err.println("SshLaunchTest: " + unavailable);
    assumeTrue(unavailable == null, () -> unavailable);
  }

  /** A rank JVM of the job marked {@code marker}, with its environment. */
  record RankJvm(long pid, Map<String, String> env) {
    int rank() { return Integer.parseInt(env.get("CAIRN_RANK")); }
    int incarnation() { return Integer.parseInt(env.get("CAIRN_INCARNATION")); }
    boolean throughSsh() { return env.containsKey("SSH_CONNECTION"); }
    boolean alive() { return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false); }
  }

  /** The live JVMs (not ssh clients nor the remote guard shells) whose arguments contain the marker option. */
  static List<RankJvm> rankJvms(String marker) {
    return ProcessHandle.allProcesses()
        .filter(h -> h.info().command().map(c -> c.endsWith("/java")).orElse(false))
        .filter(h -> h.info().arguments().map(a -> List.of(a).contains(marker)).orElse(false))
        .map(h -> new RankJvm(h.pid(), environ(h.pid()))).filter(j -> j.env().containsKey("CAIRN_RANK")).toList();
  }

  private static Map<String, String> environ(long pid) {
    Map<String, String> m = new HashMap<>();
    try {
      for (String kv : new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ")),
          StandardCharsets.UTF_8).split("\0")) {
        int eq = kv.indexOf('=');
        if (eq > 0) m.put(kv.substring(0, eq), kv.substring(eq + 1));
      }
    } catch (IOException e) {
      // exited meanwhile
    }
    return m;
  }

  /** Waits (up to {@code ms}) for the JVM of {@code rank} with this incarnation. */
  static RankJvm awaitJvm(String marker, int rank, int incarnation, long ms) throws InterruptedException {
    long deadline = System.currentTimeMillis() + ms;
    while (System.currentTimeMillis() < deadline) {
      for (RankJvm j : rankJvms(marker)) if (j.rank() == rank && j.incarnation() == incarnation && j.alive()) return j;
      Thread.sleep(20);
    }
    throw new AssertionError(
        "no JVM of rank " + rank + " incarnation " + incarnation + " within " + ms + " ms; live: " + rankJvms(marker));
  }

  /** Asserts that no rank JVM of the job is alive within {@code ms} (a killed ssh rank dies a round trip later). */
  static void assertNoSurvivors(String marker, long ms) throws InterruptedException {
    long deadline = System.currentTimeMillis() + ms;
    List<RankJvm> live = rankJvms(marker);
    while (!live.isEmpty() && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
      live = rankJvms(marker);
    }
    for (RankJvm j : live) ProcessHandle.of(j.pid()).ifPresent(ProcessHandle::destroyForcibly); // leave nothing behind, then fail
    assertThat(live).as("rank JVMs still alive " + ms + " ms after the job").isEmpty();
  }

  private Launcher.Builder heat(Path d, int ranks, int steps, List<String> hosts, String marker) {
    return Jobs.builder(d, ranks, "io.cairn.cluster.examples.Heat", "--rows", "" + ROWS, "--cols", "" + COLS, "--steps",
        "" + steps,
        "--every", "10", "--delay-ms", "8").hosts(hosts).sshOptions(sshd.sshOptions()).jvmOption(marker);
  }

  private final List<String> markers = new java.util.ArrayList<>();

  private String marker() {
    String m = "-Dcairn.test.ssh=" + UUID.randomUUID();
    markers.add(m);
    return m;
  }

  /**
   * The remote guard alone, under plain sh (no sshd needed): it passes the command's exit status on, and
   * kill -9s the command when its standard input ends (what sshd's side of a closed ssh channel does).
   */
  @Test
  void guardPassesTheStatusOnAndKillsTheCommandWhenItsInputEnds() throws Exception {
    Process ok = new ProcessBuilder("sh", "-c", Launcher.Job.SSH_GUARD, "cairn-rank", "sh", "-c", "echo out; exit 7")
        .redirectErrorStream(true).start();
    assertThat(new String(ok.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("out\n");
    assertThat(ok.waitFor()).isEqualTo(7);
    ok.getOutputStream().close(); // it exited with its input still open; now its watcher (cat) goes too

    Process p = new ProcessBuilder("sh", "-c", Launcher.Job.SSH_GUARD, "cairn-rank", "sleep", "60")
        .redirectErrorStream(true).start();
    ProcessHandle sleeper = null;
    for (long deadline = System.currentTimeMillis() + 10_000; sleeper == null
        && System.currentTimeMillis() < deadline; Thread.sleep(10))
      sleeper = p.descendants().filter(h -> h.info().command().map(c -> c.endsWith("/sleep")).orElse(false)).findFirst()
          .orElse(null);
    assertThat(sleeper).as("the guarded command").isNotNull();
    Thread.sleep(300);
    assertThat(sleeper.isAlive() && p.isAlive()).as("alive while its input is open").isTrue();
    p.getOutputStream().close();
    assertThat(p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).as("the guard exits once its input ends").isTrue();
    assertThat(p.exitValue()).as("the status of a kill -9").isEqualTo(137);
    assertThat(sleeper.isAlive()).isFalse();
  }

  /** A failed test leaves no rank JVM behind (a remote one would not die with the job if the guard were broken). */
  @AfterEach
  void killLeftovers() {
    for (String m : markers)
      for (RankJvm j : rankJvms(m)) ProcessHandle.of(j.pid()).ifPresent(ProcessHandle::destroyForcibly);
  }

  @Test
  void ranksOnTwoHostsThroughSshFinishBitIdentical() throws Exception {
    requireSshd();
    String marker = marker();
    long loginsBefore = sshd.logins();
    Path d = Files.createDirectories(dir.resolve("two-hosts"));
    try (Launcher.Job job = heat(d, 4, 150, List.of("host-a", "host-b"), marker).protocol(Protocol.CHANDY_LAMPORT)
        .start()) {
      for (int r = 0; r < 4; r++) assertThat(job.viaSsh(r)).as("rank " + r + " through ssh").isTrue();
      assertThat(job.nodes()).containsExactly("host-a", "host-b");
      for (int r = 0; r < 4; r++) {
        RankJvm j = awaitJvm(marker, r, 0, 60_000);
        assertThat(j.throughSsh()).as("rank " + r + " started by sshd: " + j.env()).isTrue();
        assertThat(j.env()).containsEntry("CAIRN_NODE", r < 2 ? "host-a" : "host-b").containsEntry("CAIRN_BIND",
            "0.0.0.0");
      }
      assertThat(Jobs.await(job, Duration.ofSeconds(120))).as(Jobs.logs(d)).isZero();
      assertThat(job.restarts()).isZero();
    }
    assertThat(sshd.logins() - loginsBefore).as("logins through the test sshd").isEqualTo(4);
    assertThat(Files.readAllBytes(d.resolve("heat-result.bin"))).as("final grid")
        .isEqualTo(Heat.reference(ROWS, COLS, 150));
    assertThat(Files.readString(d.resolve("logs/rank-0.log"))).as("a remote rank's output comes back through ssh")
        .contains("heat: ");
    assertNoSurvivors(marker, 5_000);
  }

  /**
   * Ranks 0, 1 here, 2, 3 through ssh. Three kills of ssh ranks, each respawned through ssh: kill -9 of the remote
   * JVM (ssh passes on 137), {@link Launcher.Job#kill} (closes the ssh client's input: the guard kills the JVM),
   * and kill -9 of the local ssh client (the connection goes: the guard kills the JVM; without it, it would run on).
   */
  @Test
  void killedSshRanksDieAndAreRespawnedThroughSsh() throws Exception {
    requireSshd();
    String marker = marker();
    int steps = 400;
    Path d = Files.createDirectories(dir.resolve("kills"));
    try (Launcher.Job job = heat(d, 4, steps, List.of("localhost", "host-b"), marker).protocol(Protocol.BLOCKING)
        .start()) {
      assertThat(job.viaSsh(1)).isFalse();
      assertThat(job.viaSsh(2)).isTrue();
      assertThat(awaitJvm(marker, 1, 0, 60_000).throughSsh()).as("rank 1 runs here").isFalse();

      // 1. the remote JVM dies (kill -9 on its host)
      RecoveryTest.awaitGlobals(d, job, 3);
      RankJvm r3 = awaitJvm(marker, 3, 0, 10_000);
      assertThat(r3.throughSsh()).isTrue();
      ProcessHandle.of(r3.pid()).orElseThrow().destroyForcibly();
      RankJvm r3b = awaitJvm(marker, 3, 1, 60_000);
      assertThat(r3b.throughSsh()).as("respawned through ssh").isTrue();

      // 2. the launcher kills it: closing the ssh client's input kills the remote JVM before the client exits
      RecoveryTest.awaitGlobals(d, job, Math.max(6, io.cairn.cluster.internal.GlobalManifest.read(d).size() + 2));
      RankJvm r2 = awaitJvm(marker, 2, 0, 10_000);
      long ssh2 = job.pid(2);
      assertThat(job.kill(2)).as("rank 2 was killed").isTrue();
      var exited = ProcessHandle.of(ssh2).map(ProcessHandle::onExit);
      if (exited.isPresent()) exited.get().get(15, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(r2.alive()).as("the remote JVM is dead once its ssh client has exited").isFalse();
      RankJvm r2b = awaitJvm(marker, 2, 1, 60_000);
      assertThat(r2b.throughSsh()).isTrue();

      // 3. the local ssh client dies (kill -9): the remote JVM must not run on
      RecoveryTest.awaitGlobals(d, job, io.cairn.cluster.internal.GlobalManifest.read(d).size() + 2);
      assertThat(job.isDone()).as("the job still runs (make it longer)").isFalse();
      ProcessHandle.of(job.pid(3)).orElseThrow().destroyForcibly();
      long deadline = System.currentTimeMillis() + 5_000;
      while (r3b.alive() && System.currentTimeMillis() < deadline) Thread.sleep(10);
      assertThat(r3b.alive()).as("the remote JVM of rank 3 after kill -9 of its ssh client").isFalse();
      assertThat(awaitJvm(marker, 3, 2, 60_000).throughSsh()).isTrue();

      assertThat(Jobs.await(job, Duration.ofSeconds(120))).as(Jobs.logs(d)).isZero();
      assertThat(job.restarts()).as("restarts").isEqualTo(3);
    }
    assertThat(Files.readAllBytes(d.resolve("heat-result.bin"))).as("final grid")
        .isEqualTo(Heat.reference(ROWS, COLS, steps));
    assertNoSurvivors(marker, 5_000);
  }

  /**
   * Hung ranks (SIGSTOP: alive, connections open, no heartbeats) in a job with an ssh host: every rank advertises the
   * host name, so the coordinator kills none itself. It asks the launcher ({@code <job>/kill/r<rank>-i<incarnation>}),
   * which closes the ssh client's input for the remote one (the guard kill -9s the stopped JVM) and kills the local
   * one; both are respawned and the job ends bit-identical. Without the kill requests the job stalls.
   */
  @Test
  void hungRanksThroughSshAndHereAreKilledByTheLauncher() throws Exception {
    requireSshd();
    String marker = marker();
    int steps = 600;
    Path d = Files.createDirectories(dir.resolve("hung"));
    long coordinator;
    try (Launcher.Job job = heat(d, 4, steps, List.of("localhost", "host-b"), marker).failTimeout(Duration.ofSeconds(3))
        .start()) {
      coordinator = job.coordinatorPid();
      // 1. the remote JVM of rank 3 hangs
      RecoveryTest.awaitGlobals(d, job, 3);
      assertThat(job.isDone()).as("the job still runs (make it longer)").isFalse();
      RankJvm r3 = awaitJvm(marker, 3, 0, 10_000);
      assertThat(r3.throughSsh()).isTrue();
      assertThat(new ProcessBuilder("kill", "-STOP", "" + r3.pid()).start().waitFor()).isZero();
      assertThat(awaitJvm(marker, 3, 1, 60_000).throughSsh()).as("respawned through ssh").isTrue();
      assertThat(r3.alive()).as("the stopped remote JVM is dead").isFalse();

      // 2. a rank here hangs (it too advertises the host name, not a loopback address)
      RecoveryTest.awaitGlobals(d, job, io.cairn.cluster.internal.GlobalManifest.read(d).size() + 2);
      assertThat(job.isDone()).as("the job still runs (make it longer)").isFalse();
      RankJvm r0 = awaitJvm(marker, 0, 0, 10_000);
      assertThat(r0.throughSsh()).isFalse();
      assertThat(new ProcessBuilder("kill", "-STOP", "" + r0.pid()).start().waitFor()).isZero();
      assertThat(awaitJvm(marker, 0, 1, 60_000).throughSsh()).isFalse();
      long deadline = System.currentTimeMillis() + 5_000;
      while (r0.alive() && System.currentTimeMillis() < deadline) Thread.sleep(10);
      assertThat(r0.alive()).as("the stopped local JVM is dead").isFalse();

      assertThat(Jobs.await(job, Duration.ofSeconds(120))).as(Jobs.logs(d)).isZero();
      assertThat(job.restarts()).as("restarts").isEqualTo(2);
    }
    assertNoSurvivors(marker, 5_000);
    assertThat(ProcessHandle.of(coordinator).map(ProcessHandle::isAlive).orElse(false)).as("the coordinator is gone")
        .isFalse();
    String coord = Files.readString(d.resolve("logs/coordinator.log"));
    assertThat(coord).contains("rank 3 (incarnation 0) missed heartbeats")
        .contains("rank 0 (incarnation 0) missed heartbeats")
        .doesNotContain("killing it here");
    assertThat(Files.readAllBytes(d.resolve("heat-result.bin"))).as("final grid")
        .isEqualTo(Heat.reference(ROWS, COLS, steps));
  }

  /** Closing a running job (as when the launcher stops) kills the ranks through ssh too, promptly. */
  @Test
  void closingTheJobKillsItsSshRanks() throws Exception {
    requireSshd();
    String marker = marker();
    Path d = Files.createDirectories(dir.resolve("close"));
    long t0;
    try (Launcher.Job job = heat(d, 3, 100_000, List.of("host-a", "localhost", "host-b"), marker).start()) {
      RecoveryTest.awaitGlobals(d, job, 2);
      assertThat(rankJvms(marker)).hasSize(3);
      t0 = System.nanoTime();
    }
    double closeSeconds = (System.nanoTime() - t0) / 1e9;
    assertNoSurvivors(marker, 5_000);
    assertThat(closeSeconds).as("close() without waiting for the 10 s fallback").isLessThan(8);
  }
}
