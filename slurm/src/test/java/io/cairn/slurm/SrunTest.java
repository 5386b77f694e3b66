package io.cairn.slurm;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cluster.examples.Heat;
import io.cairn.cluster.internal.GlobalManifest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Multi-rank steps under a real Slurm: {@code srun -n 4 java ... Heat} inside a batch job, ranks finding each
 * other through Slurm's variables alone (no Cairn launcher), global checkpoints with both protocols; kill -9 of
 * one task fails the step and {@code cairn run} relaunches it, which restores the newest committed global
 * version; {@code cairn halt} stops a running job after a checkpoint. Results bit-identical to an
 * uninterrupted run.
 */
class SrunTest {
  @RegisterExtension
  static final SlurmCluster slurm = new SlurmCluster();

  static final int ROWS = 64;
  static final int COLS = 64;

  private record Job(String id, Path dir, Path jobDir) {
    Path output() { return dir.resolve("out-" + id + ".txt"); }

    String text() throws IOException { return Files.exists(output()) ? Files.readString(output()) : ""; }
  }

  private static Job submit(Path dir, String protocol, long steps, int attempts) throws Exception {
    String cp = System.getProperty("java.class.path");
    String java = SlurmBatchTest.java();
    Path jobDir = dir.resolve("job");
    Files.createDirectories(jobDir);
    List<String> program = List.of(java, "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "--enable-native-access=ALL-UNNAMED", "-cp", cp,
        Heat.class.getName(), "--rows", "" + ROWS, "--cols", "" + COLS, "--steps", "" + steps, "--every", "10",
        "--delay-ms", "25");
    String runner = BatchScript.quote(List.of(java, "-Xmx64m", "-XX:+UseSerialGC", "-cp", cp, RunMain.class.getName()));
    BatchScript s = new BatchScript("heat", "10:00", 60, 4, dir.resolve("out-%j.txt").toString(), jobDir, runner,
        attempts, program);
    Path script = dir.resolve("job.sh");
    Files.writeString(script, s.render());
    String id = slurm.sbatch(script, Map.of("CAIRN_PROTOCOL", protocol));
    return new Job(id, dir, jobDir);
  }

  private static Path newDir(String name) throws IOException {
    return Files.createTempDirectory(Files.createDirectories(Path.of("target", "slurm-jobs").toAbsolutePath()),
        name + "-");
  }

  private static long newestGlobal(Path jobDir) {
    try {
      List<GlobalManifest.Entry> l = GlobalManifest.read(jobDir);
      return l.isEmpty() ? 0 : l.getLast().global();
    } catch (RuntimeException e) {
      return 0;
    }
  }

  private static long awaitGlobal(Job job, long atLeast, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      long g = newestGlobal(job.jobDir());
      if (g >= atLeast) return g;
      if (!List.of("PENDING", "RUNNING", "CONFIGURING").contains(slurm.job(job.id()).get("JobState")))
        throw new AssertionError("job " + job.id() + " ended before global version " + atLeast + ": "
            + slurm.job(job.id()) + "\n" + job.text());
      Thread.sleep(200);
    }
    throw new AssertionError("job " + job.id() + ": no global version " + atLeast + " within " + timeout + "\n"
        + job.text() + "\n" + slurm.logs());
  }

  /** The pid of the java process of task {@code rank} of the job (read from /proc: environment and command line). */
  static long taskPid(String jobId, int rank) throws IOException {
    try (Stream<Path> s = Files.list(Path.of("/proc"))) {
      for (Path p : s.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
        try {
          List<String> env = Arrays
              .asList(new String(Files.readAllBytes(p.resolve("environ")), StandardCharsets.UTF_8).split("\0"));
          List<String> cmd = Arrays
              .asList(new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).split("\0"));
          if (env.contains("SLURM_JOB_ID=" + jobId) && env.contains("SLURM_PROCID=" + rank)
              && env.contains("SLURM_STEP_ID=0")
              && !cmd.isEmpty() && cmd.getFirst().endsWith("java") && cmd.contains(Heat.class.getName())
              && !cmd.contains(RunMain.class.getName()))
            return Long.parseLong(p.getFileName().toString());
        } catch (IOException e) {
          // gone or not readable
        }
      }
    }
    return -1;
  }

  private static Map<String, String> awaitEnd(Job job, Duration timeout) throws Exception {
    return slurm.await(job.id(),
        m -> List.of("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL").contains(m.get("JobState")), timeout,
        job.output());
  }

  /**
   * One job per protocol, three step launches: kill -9 of task 2 after global 3 fails the step, {@code cairn run}
   * launches it again and it restores the newest committed global; then {@code cairn halt} stops every rank after
   * one and the same global and {@code cairn run} launches nothing more; after the halt is cancelled, a new
   * submission restores the newest global and finishes with the grid of an uninterrupted run.
   */
  @ParameterizedTest
  @ValueSource(strings = {"blocking", "chandy-lamport"})
  void killedTaskIsRelaunchedByCairnRunThenHaltStopsTheJobAndARerunFinishesIt(String protocol) throws Exception {
    long steps = 300;
    Path dir = newDir("srun-" + protocol);
    Job job = submit(dir, protocol, steps, 3);
    long before = awaitGlobal(job, 3, Duration.ofSeconds(90));
    long pid = taskPid(job.id(), 2);
    assertThat(pid).as("pid of task 2 of job %s\n%s", job.id(), job.text()).isPositive();
    ProcessHandle h = ProcessHandle.of(pid).orElseThrow();
    assertThat(new ProcessBuilder("kill", "-9", "" + pid).inheritIO().start().waitFor())
        .as("kill -9 of task 2 (pid %d)", pid).isZero();
    assertThat(
        h.onExit().thenApply(x -> true).completeOnTimeout(false, 10, java.util.concurrent.TimeUnit.SECONDS).join())
        .as("task 2 killed").isTrue();
    long atKill = newestGlobal(job.jobDir());

    // the relaunched step restores and commits new global versions; then halt it
    awaitGlobal(job, atKill + 2, Duration.ofSeconds(120));
    assertThat(job.text()).contains("cairn run: launch 2 of 3");
    SlurmJob.requestHalt(job.jobDir(), "test");
    Map<String, String> j = awaitEnd(job, Duration.ofSeconds(120));
    String out = job.text();
    assertThat(j.get("JobState")).as("output:\n%s", out).isEqualTo("COMPLETED");
    assertThat(out).contains("the step failed with exit code").contains("cairn run: halted")
        .doesNotContain("launch 3 of");
    // the coordinator (in rank 0) logs each restore: launch 1 starts from 0, launch 2 from the newest committed global
    java.util.regex.Matcher r = java.util.regex.Pattern.compile("all ranks restored global version (\\d+); running")
        .matcher(out);
    List<Long> restored = new ArrayList<>();
    while (r.find()) restored.add(Long.parseLong(r.group(1)));
    assertThat(restored).as("output:\n%s", out).hasSize(2);
    assertThat(restored.get(1))
        .as("launch 2 restored a global version at least as new as the one committed before the kill")
        .isGreaterThanOrEqualTo(before);
    java.util.regex.Matcher m = java.util.regex.Pattern
        .compile("rank (\\d): halt requested \\(.*\\); global version (\\d+) is committed").matcher(out);
    java.util.Set<String> ranks = new java.util.TreeSet<>();
    java.util.Set<String> globals = new java.util.TreeSet<>();
    while (m.find()) {
      ranks.add(m.group(1));
      globals.add(m.group(2));
    }
    assertThat(ranks).as("every rank stops\n%s", out).containsExactly("0", "1", "2", "3");
    assertThat(globals).as("after the same global version\n%s", out).hasSize(1);
    assertThat(job.jobDir().resolve("heat-result.bin")).doesNotExist();

    GlobalManifest.Entry last = GlobalManifest.read(job.jobDir()).getLast();
    assertThat(last.protocol()).isEqualTo(protocol);
    // failure domains from Slurm: node names from SLURMD_NODENAME, the switch from SLURM_TOPOLOGY_ADDR
    assertThat(last.nodes()).containsOnly(slurm.node());
    assertThat(last.levels()).containsExactly("switch");
    assertThat(last.domains()).containsOnly("switch=" + SlurmCluster.SWITCH);

    // cancel the halt and submit again: restores the newest committed global, finishes bit-identical
    long halted = last.global();
    assertThat(SlurmJob.cancelHalt(job.jobDir())).isTrue();
    Job again = new Job(slurm.sbatch(dir.resolve("job.sh"), Map.of("CAIRN_PROTOCOL", protocol)), dir, job.jobDir());
    j = awaitEnd(again, Duration.ofSeconds(180));
    out = again.text();
    assertThat(j.get("JobState")).as("output:\n%s", out).isEqualTo("COMPLETED");
    assertThat(out).contains("restored global " + halted).contains("the step finished (1 launch");
    assertThat(Files.readAllBytes(job.jobDir().resolve("heat-result.bin")))
        .isEqualTo(Heat.reference(ROWS, COLS, steps));
  }
}
