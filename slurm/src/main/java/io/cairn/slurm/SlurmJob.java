package io.cairn.slurm;

import io.cairn.internal.util.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The Slurm job this process runs in: its id, how often it was requeued, and how much time its allocation has
 * left (asked from {@code squeue}), and the decision a program makes after it checkpointed on a signal:
 * stop (exit {@code Checkpointer.EXIT_REQUEUE}, the batch script requeues the job) or go on.
 *
 * <pre>{@code
 * if (ckpt.preemptionRequested()) {
 *   ckpt.checkpoint().await();
 *   if (SlurmJob.shouldStop(ckpt.lastSignal(), jobDir)) System.exit(Checkpointer.EXIT_REQUEUE);
 * }
 * }</pre>
 */
public final class SlurmJob {
  /** Environment variable: stop after a SIGUSR1 when the allocation has at most this many seconds left (default 120). */
  public static final String STOP_LEFT = "CAIRN_SLURM_STOP_LEFT";
  /** The halt request file in a job directory ({@code cairn halt <dir>}). */
  public static final String HALT = io.cairn.cluster.internal.Coordinator.HALT;

  private final String id;
  private final int restarts;
  private final Map<String, String> env;

  private SlurmJob(String id, int restarts, Map<String, String> env) {
    this.id = id;
    this.restarts = restarts;
    this.env = Map.copyOf(env);
  }

  /** The job of this process, or empty outside Slurm (no {@code SLURM_JOB_ID}). */
  public static Optional<SlurmJob> current() {
    return of(System.getenv());
  }

  /** The job an environment describes, or empty when it has no {@code SLURM_JOB_ID}. */
  public static Optional<SlurmJob> of(Map<String, String> env) {
    String id = env.get("SLURM_JOB_ID");
    if (id == null || id.isBlank()) return Optional.empty();
    int restarts = 0;
    try {
      restarts = Integer.parseInt(env.getOrDefault("SLURM_RESTART_COUNT", "0").trim());
    } catch (NumberFormatException e) {
      // not a number: treat as the first run
    }
    return Optional.of(new SlurmJob(id.trim(), restarts, env));
  }

  public String id() { return id; }

  /** How often the job was requeued before this run ({@code SLURM_RESTART_COUNT}; 0 in the first run). */
  public int restartCount() {
    return restarts;
  }

  /** The node this process runs on ({@code SLURMD_NODENAME}), if Slurm says. */
  public Optional<String> node() {
    return Optional.ofNullable(env.get("SLURMD_NODENAME"));
  }

  /**
   * Time left in the allocation ({@code squeue -h -j <id> -o %L}); empty when the job has no time limit or
   * squeue cannot tell.
   */
  public Optional<Duration> timeLeft() {
    try {
      Path out = Files.createTempFile("cairn-squeue", ".txt");
      try {
        Process p = new ProcessBuilder("squeue", "-h", "-j", id, "-o", "%L").redirectErrorStream(true)
            .redirectOutput(out.toFile()).start();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          return Optional.empty();
        }
        if (p.exitValue() != 0) return Optional.empty();
        return parseTimeLeft(Files.readString(out, StandardCharsets.UTF_8));
      } finally {
        Files.deleteIfExists(out);
      }
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /**
   * Parses Slurm's time format ({@code [days-]hours:minutes:seconds}, {@code minutes:seconds}, {@code seconds});
   * empty for {@code UNLIMITED}, {@code NOT_SET}, {@code INVALID} and anything else.
   */
  public static Optional<Duration> parseTimeLeft(String s) {
    String t = s == null ? "" : s.trim();
    if (!t.matches("(\\d+-)?\\d+(:\\d+){0,2}")) return Optional.empty();
    long days = 0;
    int dash = t.indexOf('-');
    if (dash > 0) {
      days = Long.parseLong(t.substring(0, dash));
      t = t.substring(dash + 1);
    }
    String[] f = t.split(":");
    long secs = 0;
    for (String x : f) secs = secs * 60 + Long.parseLong(x);
    if (dash > 0 && f.length == 1) secs *= 3600; // "days-hours"
    else if (dash > 0 && f.length == 2) secs *= 60; // "days-hours:minutes"
    return Optional.of(Duration.ofSeconds(days * 86_400 + secs));
  }

  /** The stop threshold: {@value #STOP_LEFT} seconds, default 120. */
  public Duration stopLeft() {
    String v = env.get(STOP_LEFT);
    if (v == null || v.isBlank()) return Duration.ofSeconds(120);
    try {
      return Duration.ofSeconds(Long.parseLong(v.trim()));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(STOP_LEFT + "='" + v + "' is not a number of seconds");
    }
  }

  /**
   * Asks the job in {@code jobDir} to checkpoint and stop at its next opportunity ({@code cairn halt}, SCR's
   * {@code scr_halt}): ranks stop after the next global version committed while the request exists, a
   * single-process program that asks {@link #shouldStop} stops, and {@code cairn run} launches no further step.
   * The request stays until {@link #cancelHalt}; returns the request file.
   */
  public static Path requestHalt(Path jobDir, String reason) throws IOException {
    if (!Files.isDirectory(jobDir)) throw new IOException("job directory " + jobDir + " does not exist");
    Path f = jobDir.resolve(HALT);
    AtomicFiles.writeString(f, (reason == null || reason.isBlank() ? "halt requested" : reason) + "\n");
    return f;
  }

  /** Removes a halt request; true when there was one. */
  public static boolean cancelHalt(Path jobDir) throws IOException {
    return Files.deleteIfExists(jobDir.resolve(HALT));
  }

  /**
   * After a checkpoint taken on a preemption signal: true when the program should exit with
   * {@code Checkpointer.EXIT_REQUEUE}. It should when the signal was SIGTERM (Slurm preempts, requeues or cancels
   * the job, and sends SIGKILL {@code KillWait} seconds later), when {@code jobDir} holds a halt request, or when
   * the allocation has no more than {@link #stopLeft()} left (the {@code --signal=B:USR1@<lead>} warning before the
   * time limit). A SIGUSR1 with time to spare ({@code scancel -b --signal=USR1}) only asked for a checkpoint.
   * Outside Slurm it is true for any signal.
   */
  public static boolean shouldStop(Optional<String> signal, Path jobDir) {
    if (jobDir != null && Files.exists(jobDir.resolve(HALT))) return true;
    if (signal.isEmpty()) return false;
    if (!"SIGUSR1".equals(signal.get())) return true;
    Optional<SlurmJob> job = current();
    if (job.isEmpty()) return true;
    Optional<Duration> left = job.get().timeLeft();
    return left.isPresent() && left.get().compareTo(job.get().stopLeft()) <= 0;
  }
}
