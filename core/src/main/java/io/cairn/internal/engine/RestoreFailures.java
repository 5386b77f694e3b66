package io.cairn.internal.engine;

import io.cairn.StateMismatchException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evidence that a restored version is at fault: the thread that restored it died of an uncaught
 * exception before the next checkpoint was committed (for a program restoring in {@code main}: the
 * program failed). A JVM-wide default uncaught-exception
 * handler (installed at the first restore, chained to the one it replaces) records such a failure in
 * the level of the run ({@code attempts/vN}); after {@code restore.max-attempts} recorded failures
 * {@code restoreLatest()} falls back to an older version.
 *
 * <p>Nothing else counts: a kill from outside, a clean exit, a refused restore (a
 * {@link StateMismatchException} anywhere in the cause chain: the program's state or configuration
 * does not match, which is not the checkpoint's fault) or an exception the program catches itself.
 */
final class RestoreFailures {
  private static final Logger log = LoggerFactory.getLogger(RestoreFailures.class);

  /** A restored version not yet followed by a committed checkpoint. */
  record Watch(RestoreAttempts attempts, long version, Thread restorer) {}

  /** By run directory: a later restore of the same run replaces the earlier watch. */
  private static final Map<String, Watch> watches = new LinkedHashMap<>();
  private static boolean installed;

  private RestoreFailures() {}

  static synchronized void watch(String runDir, RestoreAttempts attempts, long version) {
    install();
    watches.put(runDir, new Watch(attempts, version, Thread.currentThread()));
  }

  /** A checkpoint was committed: failures from now on are not the restored version's. */
  static synchronized void committed(String runDir, RestoreAttempts attempts) {
    Watch w = watches.get(runDir);
    if (w != null && w.attempts() == attempts) watches.remove(runDir);
  }

  static synchronized boolean watching(String runDir) { return watches.containsKey(runDir); }

  private static void install() {
    if (installed) return;
    installed = true;
    Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
      try {
        uncaught(t, e);
      } catch (Throwable ignored) {
        // never hide the program's own failure behind ours
      }
      if (previous != null) {
        previous.uncaughtException(t, e);
      } else { // what ThreadGroup.uncaughtException does without a default handler
        System.err.print("Exception in thread \"" + t.getName() + "\" ");
        e.printStackTrace(System.err);
      }
    });
  }

  /** True when {@code e} is a refusal (state or configuration mismatch), not a failure. */
  static boolean refusal(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) if (c instanceof StateMismatchException) return true;
    return false;
  }

  /**
   * Records a failure after restore for every watched run whose restoring thread died of {@code e}.
   * Other threads do not count: a helper thread dying (e.g. a socket reader at shutdown) is no
   * evidence against the checkpoint, and a failure that matters reaches the main thread.
   */
  static void uncaught(Thread t, Throwable e) {
    if (refusal(e)) {
      log.info("the program stopped on a refused restore ({}); not counted against the checkpoint", e.getMessage());
      return;
    }
    java.util.List<Watch> hit = new java.util.ArrayList<>();
    synchronized (RestoreFailures.class) {
      for (var it = watches.entrySet().iterator(); it.hasNext();) {
        Watch w = it.next().getValue();
        if (w.restorer() == t) {
          hit.add(w);
          it.remove(); // one failure per restore
        }
      }
    }
    for (Watch w : hit) w.attempts().recordFailure(w.version(), e);
  }
}
