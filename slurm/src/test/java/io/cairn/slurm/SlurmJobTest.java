package io.cairn.slurm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parsing Slurm's answers, the stop-or-go-on decision, and the batch template (checked by bash). */
class SlurmJobTest {
  @TempDir
  Path dir;

  @Test
  void parsesSlurmsTimeFormats() {
    assertThat(SlurmJob.parseTimeLeft("59")).contains(Duration.ofSeconds(59));
    assertThat(SlurmJob.parseTimeLeft("1:05")).contains(Duration.ofSeconds(65));
    assertThat(SlurmJob.parseTimeLeft("2:00:01\n")).contains(Duration.ofSeconds(7201));
    assertThat(SlurmJob.parseTimeLeft("1-02:03:04")).contains(Duration.ofSeconds(86_400 + 7200 + 180 + 4));
    assertThat(SlurmJob.parseTimeLeft("3-5")).contains(Duration.ofHours(77));
    assertThat(SlurmJob.parseTimeLeft("UNLIMITED")).isEmpty();
    assertThat(SlurmJob.parseTimeLeft("NOT_SET")).isEmpty();
    assertThat(SlurmJob.parseTimeLeft("")).isEmpty();
  }

  @Test
  void readsTheJobFromTheEnvironment() {
    assertThat(SlurmJob.of(Map.of())).isEmpty();
    SlurmJob j = SlurmJob
        .of(Map.of("SLURM_JOB_ID", "42", "SLURM_RESTART_COUNT", "2", "SLURMD_NODENAME", "n7", SlurmJob.STOP_LEFT, "90"))
        .orElseThrow();
    assertThat(j.id()).isEqualTo("42");
    assertThat(j.restartCount()).isEqualTo(2);
    assertThat(j.node()).contains("n7");
    assertThat(j.stopLeft()).isEqualTo(Duration.ofSeconds(90));
    assertThatThrownBy(
        () -> SlurmJob.of(Map.of("SLURM_JOB_ID", "1", SlurmJob.STOP_LEFT, "soon")).orElseThrow().stopLeft())
        .hasMessageContaining("CAIRN_SLURM_STOP_LEFT='soon'");
  }

  @Test
  void stopsOnSigtermOrHaltButNotWithoutASignal() throws Exception {
    assertThat(SlurmJob.shouldStop(Optional.of("SIGTERM"), dir)).isTrue();
    assertThat(SlurmJob.shouldStop(Optional.empty(), dir)).isFalse();
    SlurmJob.requestHalt(dir, "test");
    assertThat(SlurmJob.shouldStop(Optional.empty(), dir)).isTrue();
    assertThat(Files.readString(dir.resolve(SlurmJob.HALT))).isEqualTo("test\n");
  }

  @Test
  void theTemplateHasTheDirectivesAndIsValidBash() throws Exception {
    BatchScript one = BatchScript.of(List.of("java", "-cp", "app.jar", "my.Main", "it's"));
    String s = one.render();
    assertThat(s).startsWith("#!/bin/bash\n").contains("#SBATCH --signal=B:USR1@120\n", "#SBATCH --requeue\n",
        "#SBATCH --open-mode=append\n",
        "#SBATCH --time=1:00:00\n", "export CAIRN_SLURM_STOP_LEFT=${CAIRN_SLURM_STOP_LEFT:-180}",
        "java -cp app.jar my.Main 'it'\\''s' &\n",
        "scontrol requeue $SLURM_JOB_ID");
    BatchScript four = new BatchScript("heat", "30", 90, 4, null, Path.of("/shared/my job"), "java -jar /opt/cairn.jar",
        5, List.of("java", "-jar", "heat.jar"));
    assertThat(four.render()).contains("#SBATCH --ntasks=4\n",
        "java -jar /opt/cairn.jar run --attempts 5 --min-left 150 --job-dir '/shared/my job' -- srun --kill-on-bad-exit=1 java -jar heat.jar &",
        "export CAIRN_JOB_DIR='/shared/my job'");
    BatchScript mpi = new BatchScript("heat", "30", 90, 3, null, null, "cairn", 2, List.of("java", "-jar", "heat.jar"),
        "pmix");
    assertThat(mpi.render())
        .contains("cairn run --attempts 2 --min-left 150 -- srun --mpi=pmix --kill-on-bad-exit=1 java -jar heat.jar &");
    assertThatThrownBy(() -> new BatchScript("x", "10", 60, 2, null, null, null, 1, List.of("a"), "pmix; rm"))
        .hasMessageContaining("MPI plugin 'pmix; rm'");
    assertThatThrownBy(() -> new BatchScript("x", "10", 60, 1, null, null, null, 1, List.of("a"), "pmix"))
        .hasMessageContaining("more than one task");
    for (BatchScript b : List.of(one, four, mpi)) {
      Path f = Files.writeString(dir.resolve("job.sh"), b.render());
      Process p = new ProcessBuilder("bash", "-n", f.toString()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      assertThat(p.waitFor()).as("bash -n: %s", out).isZero();
    }
    assertThatThrownBy(() -> new BatchScript("x", "one hour", 60, 1, null, null, null, 1, List.of("a")))
        .hasMessageContaining("time limit 'one hour'");
    assertThatThrownBy(() -> new BatchScript("x", "10", 0, 1, null, null, null, 1, List.of("a")))
        .hasMessageContaining("signal lead 0");
    assertThatThrownBy(() -> new BatchScript("x y", "10", 60, 1, null, null, null, 1, List.of("a")))
        .hasMessageContaining("job name 'x y'");
    assertThatThrownBy(() -> BatchScript.of(List.of())).hasMessageContaining("no program given");
  }
}
