package io.cairn.cluster.internal;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Lets the coordinator and the ranks a launcher started notice that the launcher is gone (kill -9, a crash of
 * its machine's session): the launcher gives its children {@code CAIRN_LAUNCHER=<pid>:<start millis>} (its own
 * process, read from {@link ProcessHandle}, never from the network); they check every
 * {@code CAIRN_LAUNCHER_WATCH_MS} (default 500; 0 turns the watch off, for tests that need orphans) that this
 * process still exists with that start time, and stop when it does not. Ranks started through ssh have no such
 * variable: their guard kills them when the ssh connection goes.
 */
public final class LauncherWatch {
  /** Exit status of an orphan that stopped because its launcher is gone. */
  public static final int EXIT_ORPHAN = 74;
  public static final String VARIABLE = "CAIRN_LAUNCHER";
  public static final String PERIOD = "CAIRN_LAUNCHER_WATCH_MS";

  private LauncherWatch() {}

  /** {@code <pid>:<start millis>} of this process, for its children. */
  public static String self() {
    ProcessHandle me = ProcessHandle.current();
    return me.pid() + ":" + me.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
  }

  /** Whether the process {@code <pid>:<start millis>} still runs (same pid and start time: not a reused pid). */
  public static boolean alive(long pid, long startMillis) {
    Optional<ProcessHandle> h = ProcessHandle.of(pid);
    if (h.isEmpty() || !h.get().isAlive()) return false;
    if (startMillis == 0) return true;
    return h.get().info().startInstant().map(i -> i.toEpochMilli() == startMillis).orElse(true);
  }

  /** Starts the watch when the environment names a launcher; {@code onGone} runs once it is gone. */
  public static void start(Map<String, String> env, String who, Runnable onGone) {
    String spec = env.get(VARIABLE);
    if (spec == null || spec.isBlank()) return;
    String[] p = spec.trim().split(":");
    long pid;
    long start;
    long period;
    try {
      pid = Long.parseLong(p[0]);
      start = p.length > 1 ? Long.parseLong(p[1]) : 0;
      period = Long.parseLong(env.getOrDefault(PERIOD, "500").trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          VARIABLE + " or " + PERIOD + " is malformed ('" + spec + "', '" + env.get(PERIOD)
              + "'): expected <pid>:<start millis> and milliseconds, as the launcher sets them");
    }
    if (period <= 0) return;
    Thread.ofPlatform().daemon(true).name("cairn-launcher-watch").start(() -> {
      while (alive(pid, start)) {
        try {
          Thread.sleep(period);
        } catch (InterruptedException e) {
          return;
        }
      }
      org.slf4j.LoggerFactory.getLogger(LauncherWatch.class).warn(
          "{}: the launcher (pid {}) is gone; stopping (relaunch the job to continue from its newest committed global)",
          who, pid);
      onGone.run();
    });
  }
}
