package io.cairn.slurm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cairn run}'s decisions, with plain shell commands as steps (no Slurm needed). */
class StepRunnerTest {
  @TempDir
  Path dir;
  private final ByteArrayOutputStream log = new ByteArrayOutputStream();

  private StepRunner runner(String script, int attempts, Optional<Duration> left) {
    return new StepRunner(List.of("sh", "-c", script), attempts, Duration.ofSeconds(60), dir, () -> left,
        new PrintStream(log, true, StandardCharsets.UTF_8));
  }

  private String log() { return log.toString(StandardCharsets.UTF_8); }

  @Test
  void relaunchesAFailedStepUntilItSucceeds() throws Exception {
    Path marker = dir.resolve("failed-once");
    StepRunner.Result r = runner("[ -f " + marker + " ] || { touch " + marker + "; exit 1; }", 3, Optional.empty())
        .run();
    assertThat(r.code()).isZero();
    assertThat(r.launches()).isEqualTo(2);
    assertThat(log()).contains("the step failed with exit code 1; relaunching").contains("launch 2 of 3")
        .contains("the step finished");
  }

  @Test
  void givesUpAfterTheAttempts() throws Exception {
    Path count = dir.resolve("count");
    StepRunner.Result r = runner("echo x >> " + count + "; exit 3", 3, Optional.empty()).run();
    assertThat(r.code()).isEqualTo(3);
    assertThat(r.launches()).isEqualTo(3);
    assertThat(Files.readAllLines(count)).hasSize(3);
    assertThat(r.reason()).contains("failed 3 times");
  }

  @Test
  void doesNotLaunchWithTooLittleTimeLeft() throws Exception {
    Path ran = dir.resolve("ran");
    StepRunner.Result r = runner("touch " + ran, 3, Optional.of(Duration.ofSeconds(59))).run();
    assertThat(r.code()).isEqualTo(75);
    assertThat(r.launches()).isZero();
    assertThat(ran).doesNotExist();
    assertThat(r.reason()).contains("only 59 s left").contains("less than 60 s");
    assertThat(runner("true", 3, Optional.of(Duration.ofSeconds(61))).run().code()).isZero();
  }

  @Test
  void aStepThatCheckpointedOnASignalIsNotRelaunched() throws Exception {
    StepRunner.Result r = runner("exit 75", 3, Optional.empty()).run();
    assertThat(r.code()).isEqualTo(75);
    assertThat(r.launches()).isEqualTo(1);
  }

  @Test
  void haltStopsBeforeAndAfterAStep() throws Exception {
    SlurmJob.requestHalt(dir, "test");
    Path ran = dir.resolve("ran");
    StepRunner.Result r = runner("touch " + ran, 3, Optional.empty()).run();
    assertThat(r.code()).isZero();
    assertThat(r.launches()).isZero();
    assertThat(ran).doesNotExist();
    assertThat(SlurmJob.cancelHalt(dir)).isTrue();
    // a halt requested while the step runs: the step's failure is not relaunched
    r = runner("touch " + dir.resolve(SlurmJob.HALT) + "; exit 75", 3, Optional.empty()).run();
    assertThat(r.code()).isZero();
    assertThat(r.reason()).startsWith("halted");
  }

  @Test
  void badArguments() {
    assertThatThrownBy(() -> new StepRunner(List.of(), 1, Duration.ZERO, null, Optional::empty, System.out))
        .hasMessageContaining("no step command");
    assertThatThrownBy(() -> runner("true", 0, Optional.empty())).hasMessageContaining("attempts 0");
    assertThatThrownBy(() -> SlurmJob.requestHalt(dir.resolve("missing"), "x")).hasMessageContaining("does not exist");
  }
}
