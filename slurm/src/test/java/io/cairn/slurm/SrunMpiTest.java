package io.cairn.slurm;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cluster.examples.Heat;
import io.cairn.cluster.internal.GlobalManifest;
import io.cairn.cluster.internal.mpi.Mpi;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Cairn ranks over MPI under a real Slurm: {@code srun --mpi=pmix -n 3 java ... Heat} inside a batch job, run by
 * {@code cairn run}. Nothing sets {@code CAIRN_TRANSPORT}: the ranks see Slurm's PMIx plugin ({@code PMIX_RANK})
 * and take the MPI transport by themselves. They take global checkpoints (both protocols); kill -9 of one task fails the step, the
 * relaunched step restores the newest committed global version and the job ends with the grid of an
 * uninterrupted run.
 */
class SrunMpiTest {
  @RegisterExtension
  static final SlurmCluster slurm = new SlurmCluster();

  static final int ROWS = 32;
  static final int COLS = 32;
  static final int TASKS = 3;

  @ParameterizedTest
  @ValueSource(strings = {"blocking", "chandy-lamport"})
  void ranksUnderSrunPmixUseMpiAndAKilledTaskIsRelaunchedAndRestores(String protocol) throws Exception {
    Assumptions.assumeTrue(Mpi.load().isPresent(),
        "Open MPI's libmpi.so.40 is not installed (scripts/install-deps.sh installs openmpi-bin)");
    long steps = 240;
    Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "slurm-jobs").toAbsolutePath()),
        "srun-mpi-" + protocol + "-");
    Path jobDir = Files.createDirectories(dir.resolve("job"));
    String cp = System.getProperty("java.class.path");
    String java = SlurmBatchTest.java();
    List<String> program = List.of(java, "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "--enable-native-access=ALL-UNNAMED", "-cp", cp,
        Heat.class.getName(), "--rows", "" + ROWS, "--cols", "" + COLS, "--steps", "" + steps, "--every", "10",
        "--delay-ms", "25");
    String runner = BatchScript.quote(List.of(java, "-Xmx64m", "-XX:+UseSerialGC", "-cp", cp, RunMain.class.getName()));
    BatchScript s = new BatchScript("heat-mpi", "10:00", 60, TASKS, dir.resolve("out-%j.txt").toString(), jobDir,
        runner, 3, program, "pmix");
    assertThat(s.render()).contains(" -- srun --mpi=pmix --kill-on-bad-exit=1 ");
    Path script = Files.writeString(dir.resolve("job.sh"), s.render());
    String id = slurm.sbatch(script, Map.of("CAIRN_PROTOCOL", protocol));
    Path output = dir.resolve("out-" + id + ".txt");

    long before = awaitGlobal(id, jobDir, output, 3, Duration.ofSeconds(150));
    long pid = SrunTest.taskPid(id, 1);
    assertThat(pid).as("pid of task 1 of job %s\n%s", id, text(output)).isPositive();
    ProcessHandle h = ProcessHandle.of(pid).orElseThrow();
    assertThat(new ProcessBuilder("kill", "-9", "" + pid).inheritIO().start().waitFor())
        .as("kill -9 of task 1 (pid %d)", pid).isZero();
    assertThat(h.onExit().thenApply(x -> true).completeOnTimeout(false, 10, TimeUnit.SECONDS).join())
        .as("task 1 killed").isTrue();

    Map<String, String> j = slurm.await(id,
        m -> List.of("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL").contains(m.get("JobState")),
        Duration.ofSeconds(240), output);
    String out = text(output);
    assertThat(j.get("JobState")).as("output:\n%s", out).isEqualTo("COMPLETED");
    assertThat(out).contains("the step failed with exit code").contains("cairn run: launch 2 of 3")
        .doesNotContain("launch 3 of");
    // the coordinator (in rank 0) logs each restore: launch 1 starts from 0, launch 2 from the newest committed global
    Matcher r = Pattern.compile("all ranks restored global version (\\d+); running").matcher(out);
    List<Long> restored = new ArrayList<>();
    while (r.find()) restored.add(Long.parseLong(r.group(1)));
    assertThat(restored).as("output:\n%s", out).hasSize(2);
    assertThat(restored.get(1))
        .as("launch 2 restored a global version at least as new as the one committed before the kill")
        .isGreaterThanOrEqualTo(before);
    // the transport: MPI, chosen by the ranks from srun's PMIx environment
    assertThat(out).as("output:\n%s", out).contains("steps on " + TASKS + " ranks over mpi; sha256")
        .contains("(restored global " + restored.get(1) + ",");
    GlobalManifest.Entry last = GlobalManifest.read(jobDir).getLast();
    assertThat(last.protocol()).isEqualTo(protocol);
    assertThat(last.nodes()).containsOnly(slurm.node());
    assertThat(Files.readAllBytes(jobDir.resolve("heat-result.bin"))).isEqualTo(Heat.reference(ROWS, COLS, steps));
  }

  private static String text(Path output) throws IOException {
    return Files.exists(output) ? Files.readString(output) : "";
  }

  private static long newestGlobal(Path jobDir) {
    try {
      List<GlobalManifest.Entry> l = GlobalManifest.read(jobDir);
      return l.isEmpty() ? 0 : l.getLast().global();
    } catch (RuntimeException e) {
      return 0;
    }
  }

  private static long awaitGlobal(String id, Path jobDir, Path output, long atLeast, Duration timeout)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      long g = newestGlobal(jobDir);
      if (g >= atLeast) return g;
      if (!List.of("PENDING", "RUNNING", "CONFIGURING").contains(slurm.job(id).get("JobState")))
        throw new AssertionError(
            "job " + id + " ended before global version " + atLeast + ": " + slurm.job(id) + "\n" + text(output));
      Thread.sleep(200);
    }
    throw new AssertionError("job " + id + ": no global version " + atLeast + " within " + timeout + "\n" + text(output)
        + "\n" + slurm.logs());
  }
}
