package io.cairn.dl;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cluster.internal.GlobalManifest;
import io.cairn.cluster.internal.mpi.MpiRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The unchanged rank training program ({@code RankTraining}, {@code RankTrainer}) under a real Open MPI
 * {@code mpirun}, MPI as the transport: a rank killed with SIGKILL ends the mpirun job, {@link MpiRun} relaunches
 * it, the ranks restore the newest committed global version, and the final weights and whole history equal the
 * single-threaded run bit for bit. Skipped, with the reason, only where mpirun or libmpi are missing.
 */
class MpiRankTrainingTest {
  static final long STEPS = 30;

  @TempDir
  Path tmp;

  @Test
  void rankTrainingUnderMpirunSurvivesAKill() throws Exception {
    String why = MpiRun.unavailable();
    if (why != null) System.out.println("MpiRankTrainingTest skipped: " + why);
    Assumptions.assumeTrue(why == null, why);
    DemoRun.Result ref = DemoRun.run(new DemoRun.Options().steps(STEPS).mode(DemoRun.Mode.NONE), (t, s) -> {});
    String expected = DemoRun.hash(ref.params()) + " " + ref.metrics().historyHash();

    Path d = tmp.resolve("job");
    MpiRun run = MpiRun.builder().ranks(3).jobDir(d).jvmOption("-Xmx128m").jvmOption("-XX:TieredStopAtLevel=1")
        .command(
            List.of("io.cairn.dl.examples.RankTraining", "--steps", "" + STEPS, "--every", "3", "--delay-ms", "60"))
        .env("CAIRN_PROTOCOL", "chandy-lamport").maxRestarts(2).attemptTimeout(Duration.ofSeconds(180)).build();
    AtomicInteger killed = new AtomicInteger();
    MpiRun.Result r = run.run(attempt -> {
      if (attempt > 0) return;
      Thread.ofVirtual().start(() -> {
        try {
          long deadline = System.currentTimeMillis() + 120_000;
          while (GlobalManifest.read(d).size() < 4 && System.currentTimeMillis() < deadline && run.current() != null)
            Thread.sleep(20);
          List<ProcessHandle> ranks = run.rankProcesses();
          if (ranks.size() == 3 && ranks.get(1).destroyForcibly()) {
            ranks.get(1).onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
            killed.incrementAndGet();
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
    });
    String log = Files.readString(d.resolve("logs/mpirun.log"));
    assertThat(killed.get()).as("a rank was killed with SIGKILL; %s", log).isEqualTo(1);
    assertThat(r.exitCode()).as(r.why() + "\n" + log).isZero();
    assertThat(r.attempts()).as("relaunched once after the kill").isEqualTo(2);
    assertThat(log).containsPattern("restored global [1-9]");
    Map<String, String> m = new HashMap<>();
    for (String line : Files.readAllLines(d.resolve("dl-result.txt"))) {
      String[] f = line.split(" ", 2);
      m.putIfAbsent(f[0], f[1]);
    }
    assertThat(m.get("steps")).isEqualTo("" + STEPS);
    assertThat(m.get("params") + " " + m.get("history")).as("final weights and whole history").isEqualTo(expected);
  }
}
