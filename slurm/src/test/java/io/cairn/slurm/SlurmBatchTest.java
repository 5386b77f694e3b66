package io.cairn.slurm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Single-process jobs under a real Slurm ({@link SlurmCluster}), submitted with the batch template
 * ({@link BatchScript}): preemption by requeue, the time-limit warning, and a checkpoint on demand. Each job
 * must end with exactly the result of an uninterrupted run.
 */
@Execution(ExecutionMode.CONCURRENT) // three one-CPU jobs side by side on the 8-CPU node: the class takes as long as its longest job
class SlurmBatchTest {
  @RegisterExtension
  static final SlurmCluster slurm = new SlurmCluster();

  private record Job(String id, Path dir) {
    Path output() { return dir.resolve("out-" + id + ".txt"); }

    String text() throws Exception { return Files.exists(output()) ? Files.readString(output()) : ""; }
  }

  static String java() {
    return ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  private static Job submit(String name, String time, int lead, long steps, long ms, long every) throws Exception {
    Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "slurm-jobs").toAbsolutePath()),
        name + "-");
    List<String> program = new ArrayList<>(List.of(java(), "-Xmx128m", "--enable-native-access=ALL-UNNAMED",
        "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp",
        System.getProperty("java.class.path"), Work.class.getName(), dir.toString(), "" + steps, "" + ms, "" + every));
    BatchScript s = new BatchScript(name, time, lead, 1, dir.resolve("out-%j.txt").toString(), null, null, 1, program);
    Path script = dir.resolve("job.sh");
    Files.writeString(script, s.render());
    return new Job(slurm.sbatch(script), dir);
  }

  private static void awaitOutput(Job job, String text, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (job.text().contains(text)) return;
      Thread.sleep(100);
    }
    throw new AssertionError(
        "job " + job.id() + ": no '" + text + "' in its output within " + timeout + ":\n" + job.text() + "\n"
            + slurm.job(job.id()) + "\n" + slurm.logs());
  }

  private static Map<String, String> awaitCompleted(Job job, Duration timeout) throws Exception {
    Map<String, String> j = slurm.await(job.id(),
        m -> List.of("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY")
            .contains(m.get("JobState")) && !m.getOrDefault("Reason", "").equals("BeginTime"),
        timeout, job.output());
    assertThat(j.get("JobState")).as("job %s state; output:\n%s", job.id(), job.text()).isEqualTo("COMPLETED");
    assertThat(j.get("ExitCode")).isEqualTo("0:0");
    return j;
  }

  private static void assertIdentical(Job job, long steps) throws Exception {
    assertThat(Files.readAllBytes(job.dir().resolve("result.bin"))).as("result of job %s", job.id())
        .isEqualTo(Work.reference(steps));
  }

  @Test
  void requeueWhileRunningCheckpointsOnSigtermAndResumes() throws Exception {
    long steps = 300;
    Job job = submit("requeue", "10:00", 60, steps, 50, 50);
    awaitOutput(job, "checkpoint 1 at step 50", Duration.ofSeconds(60));
    slurm.slurm("scontrol", "requeue", job.id());
    Map<String, String> j = awaitCompleted(job, Duration.ofSeconds(120));
    String out = job.text();
    assertThat(j.get("Restarts")).isEqualTo("1");
    Matcher m = Pattern.compile("signal SIGTERM at step (\\d+): checkpoint (\\d+); stopping").matcher(out);
    assertThat(m.find()).as("output:\n%s", out).isTrue();
    assertThat(out).contains("start run 2 at step " + m.group(1) + " (restored version " + m.group(2) + ")")
        .contains("done at step " + steps);
    assertIdentical(job, steps);
  }

  @Test
  void timeLimitWarningCheckpointsRequeuesAndFinishesInALaterRun() throws Exception {
    // 1 minute limit, 45 s of work: Slurm's warning (sent up to 60 s early) comes before the work is done
    long steps = 900;
    Job job = submit("timelimit", "1", 50, steps, 50, 100);
    Map<String, String> j = awaitCompleted(job, Duration.ofSeconds(300));
    String out = job.text();
    assertThat(Integer.parseInt(j.get("Restarts"))).as("output:\n%s", out).isGreaterThanOrEqualTo(1);
    Matcher m = Pattern.compile("signal SIGUSR1 at step (\\d+): checkpoint (\\d+); stopping").matcher(out);
    assertThat(m.find()).as("output:\n%s", out).isTrue();
    assertThat(out).contains("start run 2 at step " + m.group(1) + " (restored version " + m.group(2) + ")")
        .contains("done at step " + steps)
        .doesNotContain("TIME LIMIT");
    assertIdentical(job, steps);
  }

  @Test
  void scancelUsr1TakesACheckpointAndTheJobGoesOn() throws Exception {
    long steps = 300;
    Job job = submit("usr1", "10:00", 60, steps, 50, 1_000_000);
    awaitOutput(job, "start run 1", Duration.ofSeconds(60));
    slurm.slurm("scancel", "-b", "--signal=USR1", job.id());
    Map<String, String> j = awaitCompleted(job, Duration.ofSeconds(120));
    String out = job.text();
    assertThat(j.get("Restarts")).isEqualTo("0");
    assertThat(out).containsPattern("signal SIGUSR1 at step \\d+: checkpoint 1; going on")
        .contains("done at step " + steps)
        .doesNotContain("start run 2");
    assertIdentical(job, steps);
  }
}
