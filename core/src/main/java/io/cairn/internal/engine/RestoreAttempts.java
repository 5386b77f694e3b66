package io.cairn.internal.engine;

import io.cairn.spi.Storage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counters of the program's failures after restoring a version ({@code attempts/vN} in the run's
 * storage, see {@link RestoreFailures}): a version that failed {@code restore.max-attempts} times is
 * skipped by {@code restoreLatest()}. A committed checkpoint clears them.
 */
final class RestoreAttempts {
  private static final Logger log = LoggerFactory.getLogger(RestoreAttempts.class);

  private final String run;
  private final int maxAttempts;
  private final Supplier<Storage> storage;

  /** @param storage the run's storage (null: nowhere to count, e.g. only a process-memory level) */
  RestoreAttempts(String run, int maxAttempts, Supplier<Storage> storage) {
    this.run = run;
    this.maxAttempts = maxAttempts;
    this.storage = storage;
  }

  int maxAttempts() { return maxAttempts; }

  /** Where the counter of version {@code v} lives, for messages; null when there is no run storage. */
  String describe(long v) {
    Storage st = storage.get();
    return st == null ? null : st.describe() + "/" + name(v);
  }

  private static String name(long v) { return "attempts/" + LevelStore.dir(v); }

  /** Failures recorded after restoring version {@code v}; 0 when none or unreadable. */
  int failures(long v) {
    Storage st = storage.get();
    if (st == null) return 0;
    String n = name(v);
    try {
      if (!st.exists(n)) return 0;
      try (Storage.Input in = st.open(n)) {
        ByteBuffer b = ByteBuffer.allocate((int) Math.min(32, in.size()));
        in.readFully(0, b);
        return Math.max(0, Integer.parseInt(new String(b.array(), StandardCharsets.US_ASCII).trim()));
      }
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
  }

  /**
   * Records that the program failed ({@code cause}) after restoring version {@code v} and before a
   * new checkpoint. When the record cannot be written the protection against a restore loop is off
   * for this failure: said on stderr and in the log, never silently.
   */
  void recordFailure(long v, Throwable cause) {
    Storage st = storage.get();
    if (st == null) return;
    int n = failures(v) + 1;
    String name = name(v);
    try {
      try (Storage.Output o = st.create(name + ".tmp")) {
        o.write(ByteBuffer.wrap(Integer.toString(n).getBytes(StandardCharsets.US_ASCII)));
        o.sync();
      }
      st.rename(name + ".tmp", name);
      st.syncDir("attempts");
      log.warn(
          "the program failed after restoring version {} of '{}' ({}): failure {} of restore.max-attempts={} recorded in {}/{}",
          v, run, cause, n, maxAttempts, st.describe(), name);
    } catch (IOException | RuntimeException e) {
      String msg = "cairn: CANNOT RECORD that the program failed after restoring version " + v + " of '" + run + "' ("
          + cause
          + "): writing " + st.describe() + "/" + name + " failed: " + e.getMessage()
          + ". Protection against a restart loop is OFF"
          + " for this failure: if the failure repeats, every restart restores version " + v + " again.";
      log.error(msg);
      System.err.println(msg);
    }
  }

  /** A checkpoint was committed: every counter goes (the restored version led to progress). */
  void clear() {
    Storage st = storage.get();
    if (st == null) return;
    try {
      for (String n : st.list("attempts")) st.delete("attempts/" + n);
    } catch (IOException e) {
      log.debug("cannot clear restore attempts: {}", e.getMessage());
    }
    RestoreFailures.committed(st.describe(), this);
  }

  /** Watches the thread that restored version {@code v}: if it dies before the next commit, the failure counts against {@code v}. */
  void watch(long v) {
    Storage st = storage.get();
    if (st != null) RestoreFailures.watch(st.describe(), this, v);
  }
}
