package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.cluster.examples.Bank;
import io.cairn.cluster.internal.GlobalManifest;
import io.cairn.cluster.internal.LauncherWatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of the launcher (a JVM of its own) in the middle of a bank job, then a relaunch on the same job directory:
 * with the orphans (coordinator and ranks) still alive they are killed by recorded pid and start time before anything
 * starts; without, they noticed the launcher was gone and stopped by themselves. Either way one job runs on the
 * directory, global numbers only go up, and every committed global state is consistent. And a recovery that cannot
 * complete (an orphaned rank dies and nobody restarts it) hits the coordinator's time limit.
 */
class LauncherKillTest {
  @TempDir
  Path dir;
  private final List<Process> launchers = new ArrayList<>();
  private final List<long[]> children = new ArrayList<>();

  @AfterEach
  void killEverything() throws Exception {
    for (Process p : launchers) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    for (long[] c : children)
      if (LauncherWatch.alive(c[0], c[1])) ProcessHandle.of(c[0]).ifPresent(ProcessHandle::destroyForcibly);
  }

  private static final String[] BANK = {"--steps", "500", "--every", "20", "--delay-ms", "5"};

  /** The coordinator's and the ranks' pid and start time, as the launcher recorded them. */
  private List<long[]> recorded(Path d) throws Exception {
    List<long[]> out = new ArrayList<>();
    for (String l : Files.readAllLines(d.resolve(Launcher.PROCESSES))) {
      String[] t = l.split(" ");
      if (t[0].equals("coordinator") || t[0].equals("rank"))
        out.add(new long[]{Long.parseLong(t[t.length - 2]), Long.parseLong(t[t.length - 1])});
    }
    children.addAll(out);
    return out;
  }

  private static long alive(List<long[]> ps) {
    return ps.stream().filter(p -> LauncherWatch.alive(p[0], p[1])).count();
  }

  private static void awaitGlobals(Path d, Process launcher, int n) throws Exception {
    long deadline = System.currentTimeMillis() + 90_000;
    while (GlobalManifest.read(d).size() < n && launcher.isAlive() && System.currentTimeMillis() < deadline)
      Thread.sleep(20);
    assertThat(GlobalManifest.read(d).size()).as("globals committed before the kill; launcher: %s",
        Files.exists(d.resolve("launcher.out"))
            ? Files.readString(d.resolve("launcher.out"))
            : "")
        .isGreaterThanOrEqualTo(n);
  }

  private Process killLauncherMidJob(Path d, Protocol p, long watchMs, long recoveryMs) throws Exception {
    Process launcher = LaunchMain.start(d, 4, p, watchMs, recoveryMs, "io.cairn.cluster.examples.Bank", BANK);
    launchers.add(launcher);
    awaitGlobals(d, launcher, 4);
    assertThat(launcher.isAlive()).as("the job still runs (make it longer)").isTrue();
    // one launcher per job directory: a second launch while the first lives is refused, nothing started
    assertThatThrownBy(() -> Jobs.builder(d, 4, "io.cairn.cluster.examples.Bank", BANK).nodes(2).start())
        .hasMessageContaining("in use by another launcher");
    launcher.destroyForcibly();
    assertThat(launcher.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(launcher.exitValue()).as("the launcher was killed (SIGKILL)").isEqualTo(137);
    return launcher;
  }

  private void relaunchAndCheck(Path d, Protocol p, List<long[]> orphans) throws Exception {
    long before = GlobalManifest.read(d).getLast().global();
    try (Launcher.Job job = Jobs.builder(d, 4, "io.cairn.cluster.examples.Bank", BANK).protocol(p).nodes(2)
        .env("CAIRN_CLUSTER_KEEP", "1000").start()) {
      assertThat(alive(orphans)).as("no process of the killed launch runs beside the new one").isZero();
      assertThat(Jobs.await(job, Duration.ofSeconds(120))).as(Jobs.logs(d)).isZero();
    }
    assertThat(Files.readString(d.resolve("bank-result.txt")).trim()).isEqualTo("" + 4 * Bank.START);
    List<GlobalManifest.Entry> all = GlobalManifest.read(d);
    assertThat(all.getLast().global()).isGreaterThan(before);
    for (int i = 1; i < all.size(); i++)
      assertThat(all.get(i).step()).as("global %d comes after global %d", all.get(i).global(), all.get(i - 1).global())
          .isGreaterThan(all.get(i - 1).step());
    assertThat(all.getLast().step()).as("the last global of the job (step 500) is committed").isEqualTo(500);
    for (ConsistencyChecker.Report r : ConsistencyChecker.check(d, BankConsistencyTest.REGIONS,
        BankConsistencyTest.conserved(4)))
      assertThat(r.problems()).as("global " + r.global()).isEmpty();
  }

  @Test
  void relaunchKillsTheOrphansOfAKilledLauncher() throws Exception {
    Path d = dir.resolve("orphans");
    killLauncherMidJob(d, Protocol.CHANDY_LAMPORT, 0, 300_000); // watch off: the orphans go on committing
    List<long[]> orphans = recorded(d);
    Thread.sleep(1500);
    assertThat(alive(orphans)).as("coordinator and ranks live on as orphans").isEqualTo(5);
    relaunchAndCheck(d, Protocol.CHANDY_LAMPORT, orphans);
  }

  @Test
  void orphansStopByThemselvesWhenTheirLauncherIsGone() throws Exception {
    Path d = dir.resolve("no-orphans");
    killLauncherMidJob(d, Protocol.BLOCKING, 200, 300_000);
    List<long[]> orphans = recorded(d);
    long deadline = System.currentTimeMillis() + 20_000;
    while (alive(orphans) > 0 && System.currentTimeMillis() < deadline) Thread.sleep(50);
    assertThat(alive(orphans)).as("orphans stopped on their own").isZero();
    assertThat(Files.readString(d.resolve("logs/rank-0.log"))).contains("the launcher (pid").contains("is gone");
    relaunchAndCheck(d, Protocol.BLOCKING, orphans);
  }

  @Test
  void aRecoveryThatCannotCompleteHitsItsTimeLimit() throws Exception {
    Path d = dir.resolve("hung-recovery");
    killLauncherMidJob(d, Protocol.BLOCKING, 0, 20_000); // orphans, recovery limit 20 s (the first restore of a loaded machine must fit)
    List<long[]> orphans = recorded(d);
    long[] rank2 = orphans.get(3); // coordinator, rank 0, rank 1, rank 2, ...
    ProcessHandle victim = ProcessHandle.of(rank2[0]).orElseThrow();
    assertThat(victim.destroyForcibly()).isTrue();
    victim.onExit().get(10, TimeUnit.SECONDS);
    assertThat(victim.isAlive()).as("rank 2 was killed").isFalse();
    // nobody restarts rank 2: without a limit the coordinator would wait for it for ever
    Path aborted = d.resolve("aborted");
    long deadline = System.currentTimeMillis() + 90_000;
    while (!Files.exists(aborted) && System.currentTimeMillis() < deadline) Thread.sleep(50);
    assertThat(Files.readString(aborted)).contains("did not complete within 20000 ms")
        .contains("rank(s) [2] never (re)joined");
    while (alive(orphans) > 0 && System.currentTimeMillis() < deadline) Thread.sleep(50);
    assertThat(alive(orphans)).as("the coordinator and the other ranks stopped").isZero();
    // and the job continues from its checkpoints when relaunched
    relaunchAndCheck(d, Protocol.BLOCKING, orphans);
  }
}
