package io.cairn.cli.slurm;

import io.cairn.slurm.StepRunner;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn run}: runs a parallel step inside an allocation and relaunches it after a failure (SCR's scr_srun). */
@Command(name = "run", mixinStandardHelpOptions = true, description = {
    "Runs a parallel step (e.g. srun java ...) inside a Slurm job and relaunches it when it fails; the",
    "relaunched ranks restore the newest committed global checkpoint. Stops when the step succeeds, exits 75",
    "(checkpointed on a signal: exit 75, requeue), a halt is requested (cairn halt), after --attempts launches,",
    "or when less than --min-left seconds are left in the allocation (exit 75). See docs/slurm.md."})
public final class RunCommand implements Callable<Integer> {
  @Option(names = "--attempts", defaultValue = "3", description = "Launches at most (default: ${DEFAULT-VALUE}).")
  int attempts;
  @Option(names = "--min-left", defaultValue = "180", description = "Seconds the allocation must have left for a launch (default: ${DEFAULT-VALUE}).")
  long minLeft;
  @Option(names = "--job-dir", description = "The job directory (halt requests); default: CAIRN_JOB_DIR if set.")
  Path jobDir;
  @Parameters(paramLabel = "STEP", arity = "1..*", description = "The step to launch (after --), e.g. srun java -cp app.jar my.Main.")
  List<String> step;

  @Override
  public Integer call() {
    Path dir = jobDir;
    if (dir == null && System.getenv("CAIRN_JOB_DIR") != null) dir = Path.of(System.getenv("CAIRN_JOB_DIR"));
    try {
      return StepRunner.forCurrentJob(step, attempts, Duration.ofSeconds(minLeft), dir, System.out).run().code();
    } catch (IllegalArgumentException e) {
      System.err.println("cairn run: " + e.getMessage());
      return 2;
    } catch (IOException e) {
      System.err.println("cairn run: cannot start '" + step.getFirst() + "': " + e.getMessage());
      return 2;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }
}
