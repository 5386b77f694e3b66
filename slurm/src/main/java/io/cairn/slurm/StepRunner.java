package io.cairn.slurm;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code cairn run}: runs a parallel step (e.g. {@code srun -n 4 java ... Heat}) inside an allocation and
 * relaunches it when it fails, like SCR's {@code scr_srun}. A relaunched step restores the newest committed
 * global version by itself ({@code Rank.run}). It stops
 * <ul>
 * <li>when the step succeeds (exit 0), or exits with 75 (it checkpointed on a signal and asks for a requeue);</li>
 * <li>when the job directory holds a halt request ({@code cairn halt}; before a launch and after a step);</li>
 * <li>after {@code attempts} launches, or when the allocation has less than {@code minLeft} left (a launch
 * would not get far; exit 75, so the batch script requeues the job).</li>
 * </ul>
 * Inside a Slurm job, SIGUSR1 and SIGTERM sent to this process are passed on to the step (srun passes them to the tasks).
 */
public final class StepRunner {
  /** What happened. {@code code} is this runner's exit code. */
  public record Result(int code, int launches, String reason) {}

  private final List<String> command;
  private final int attempts;
  private final Duration minLeft;
  private final Path jobDir;
  private final Supplier<Optional<Duration>> timeLeft;
  private final PrintStream log;
  private volatile Process current;

  /**
   * @param command  the step to launch
   * @param attempts launches at most (>= 1)
   * @param minLeft  do not launch with less time left in the allocation
   * @param jobDir   the job directory (halt request), or null
   * @param timeLeft the allocation's time left (empty: unlimited or unknown)
   * @param log      where to say what happens
   */
  public StepRunner(List<String> command, int attempts, Duration minLeft, Path jobDir,
      Supplier<Optional<Duration>> timeLeft, PrintStream log) {
    if (command.isEmpty())
      throw new IllegalArgumentException("no step command given: put it after '--' (e.g. -- srun java -jar app.jar)");
    if (attempts < 1) throw new IllegalArgumentException("attempts " + attempts + ": must be >= 1");
    this.command = List.copyOf(command);
    this.attempts = attempts;
    this.minLeft = minLeft;
    this.jobDir = jobDir;
    this.timeLeft = timeLeft;
    this.log = log;
  }

  /** A runner for the current Slurm job (time left from squeue; none outside Slurm). */
  public static StepRunner forCurrentJob(List<String> command, int attempts, Duration minLeft, Path jobDir,
      PrintStream log) {
    Optional<SlurmJob> job = SlurmJob.current();
    return new StepRunner(command, attempts, minLeft, jobDir, () -> job.flatMap(SlurmJob::timeLeft), log);
  }

  private boolean halted() { return jobDir != null && Files.exists(jobDir.resolve(SlurmJob.HALT)); }

  public Result run() throws IOException, InterruptedException {
    if (System.getenv("SLURM_JOB_ID") != null) forwardSignals(); // in a batch job the shell passes SIGUSR1/SIGTERM to us
    int rc = -1;
    for (int launch = 1; launch <= attempts; launch++) {
      if (halted()) return done(new Result(0, launch - 1, "halt requested (" + jobDir.resolve(SlurmJob.HALT) + ")"));
      Optional<Duration> left = timeLeft.get();
      if (left.isPresent() && left.get().compareTo(minLeft) < 0)
        return done(new Result(75, launch - 1,
            "only " + left.get().toSeconds() + " s left in the allocation (less than " + minLeft.toSeconds()
                + " s); requeue to go on"));
      log.println("cairn run: launch " + launch + " of " + attempts + ": "
          + String.join(" ", command.stream()
              .map(w -> w.length() > 120 ? w.substring(0, 40) + "..." + w.substring(w.length() - 40) : w).toList()));
      log.flush();
      Process p = new ProcessBuilder(command).inheritIO().start();
      current = p;
      rc = p.waitFor();
      current = null;
      if (rc == 0) return done(new Result(0, launch, "the step finished"));
      if (halted())
        return done(
            new Result(0, launch, "halted (" + jobDir.resolve(SlurmJob.HALT) + "); the step exited with " + rc));
      if (rc == 75)
        return done(new Result(75, launch, "the step checkpointed on a signal and exited with 75 (requeue)"));
      log.println("cairn run: the step failed with exit code " + rc + (launch < attempts ? "; relaunching" : ""));
    }
    return done(new Result(rc, attempts, "the step failed " + attempts + " times (exit code " + rc + "); giving up"));
  }

  private Result done(Result r) {
    log.println("cairn run: " + r.reason() + " (" + r.launches() + " launch" + (r.launches() == 1 ? "" : "es")
        + ", exit code " + r.code() + ")");
    log.flush();
    return r;
  }

  private void forwardSignals() {
    for (String name : new String[]{"USR1", "TERM"}) {
      try {
        sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> {
          Process p = current;
          if (p == null) return;
          try {
            new ProcessBuilder("kill", "-" + name, Long.toString(p.pid())).inheritIO().start().waitFor();
          } catch (IOException e) {
            log.println("cairn run: cannot pass SIG" + name + " on to the step: " + e.getMessage());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
      } catch (IllegalArgumentException | UnsupportedOperationException e) {
        log.println("cairn run: cannot handle SIG" + name + ": " + e.getMessage());
      }
    }
  }
}
