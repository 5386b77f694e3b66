package io.cairn.cli.slurm;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cli.CliRunner;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cairn slurm script}, {@code cairn halt} and {@code cairn run} (the real Slurm runs in the slurm module's tests). */
class SlurmCommandsTest {
  @TempDir
  Path tmp;

  @Test
  void scriptPrintsTheTemplate() {
    String s = CliRunner.run(0, "slurm", "script", "--time", "2:00:00", "--lead", "300", "-n", "4", "--job-dir",
        "/shared/heat", "--",
        "java", "-cp", "app.jar", "my.Main");
    assertThat(s).contains("#SBATCH --time=2:00:00", "#SBATCH --signal=B:USR1@300", "#SBATCH --requeue",
        "#SBATCH --open-mode=append",
        "#SBATCH --ntasks=4",
        "cairn run --attempts 3 --min-left 360 --job-dir /shared/heat -- srun --kill-on-bad-exit=1 java -cp app.jar my.Main &");
    assertThat(CliRunner.run(0, "slurm", "script", "-n", "3", "--mpi", "pmix", "--", "java", "my.Main"))
        .contains("-- srun --mpi=pmix --kill-on-bad-exit=1 java my.Main &");
    assertThat(CliRunner.run("slurm", "script", "--mpi", "pmix", "--", "java", "x").err())
        .contains("cairn slurm script: MPI plugin 'pmix' is for parallel steps");
    CliRunner.Result bad = CliRunner.run("slurm", "script", "--time", "soon", "--", "java", "x");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("cairn slurm script: time limit 'soon'");
  }

  @Test
  void haltAndCancel() {
    assertThat(CliRunner.run(0, "halt", tmp.toString())).contains("halt requested: " + tmp.resolve("halt"));
    assertThat(tmp.resolve("halt")).exists();
    assertThat(CliRunner.run(0, "halt", "--cancel", tmp.toString())).contains("halt request removed");
    assertThat(tmp.resolve("halt")).doesNotExist();
    CliRunner.Result missing = CliRunner.run("halt", tmp.resolve("nope").toString());
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).contains("cairn halt: job directory " + tmp.resolve("nope") + " does not exist");
  }

  @Test
  void runGivesUpAfterTheAttempts() {
    CliRunner.Result r = CliRunner.run("run", "--attempts", "2", "--job-dir", tmp.toString(), "--", "sh", "-c",
        "exit 4");
    assertThat(r.code()).isEqualTo(4);
    assertThat(r.out()).contains("launch 2 of 2").contains("the step failed 2 times (exit code 4); giving up");
    CliRunner.Result nothing = CliRunner.run("run", "--", "/nonexistent/step");
    assertThat(nothing.code()).isEqualTo(2);
    assertThat(nothing.err()).contains("cairn run: cannot start '/nonexistent/step'");
  }
}
