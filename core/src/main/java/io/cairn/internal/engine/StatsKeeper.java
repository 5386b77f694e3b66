package io.cairn.internal.engine;

import io.cairn.spi.Storage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the run's statistics ({@link RunStats}) as checkpoints and restores happen and writes them to
 * {@code stats.json} in the run's storage after each checkpoint (atomically: temporary file, fsync,
 * rename). Thread-safe: the background flusher records too.
 */
final class StatsKeeper {
  private static final Logger log = LoggerFactory.getLogger(StatsKeeper.class);

  private final String run;
  private final String mode;
  private final Supplier<Storage> storage;
  private long checkpoints;
  private double lastCost, sumCost, lastRestore = -1;
  private long lastBytes;
  private final Map<String, Double> levelSeconds = new TreeMap<>();
  private final java.util.ArrayDeque<RunStats.Sample> history = new java.util.ArrayDeque<>();
  private final IntervalPolicy policy;

  /**
   * @param storage where {@code stats.json} goes (null: nowhere, e.g. only a process-memory level)
   * @param policy  the interval policy whose state the file records (null: none)
   */
  StatsKeeper(String run, String mode, Supplier<Storage> storage, IntervalPolicy policy) {
    this.run = run;
    this.mode = mode;
    this.storage = storage;
    this.policy = policy;
  }

  synchronized void levelWritten(String level, long nanos) { levelSeconds.put(level, nanos / 1e9); }

  synchronized void restored(double seconds) {
    lastRestore = seconds;
    sample(new RunStats.Sample(System.currentTimeMillis(), true, seconds, 0));
  }

  /** Continues the history a previous incarnation of the run recorded. */
  synchronized void continueFrom(RunStats previous) {
    java.util.ArrayDeque<RunStats.Sample> mine = new java.util.ArrayDeque<>(history);
    history.clear();
    for (RunStats.Sample s : previous.history()) sample(s);
    for (RunStats.Sample s : mine) sample(s);
  }

  private void sample(RunStats.Sample s) {
    history.addLast(s);
    while (history.size() > RunStats.HISTORY) history.removeFirst();
  }

  /** A checkpoint that blocked the program {@code secs} seconds was committed with {@code bytes} bytes of state: counts it and writes the file. */
  void checkpointed(double secs, long bytes) {
    RunStats s;
    synchronized (this) {
      checkpoints++;
      lastCost = secs;
      sumCost += secs;
      lastBytes = bytes;
      sample(new RunStats.Sample(System.currentTimeMillis(), false, secs, bytes));
      s = snapshot();
    }
    Storage st = storage.get();
    if (st == null) return;
    try {
      try (Storage.Output o = st.create(RunStats.FILE + ".tmp")) {
        o.write(ByteBuffer.wrap(s.toJson().getBytes(StandardCharsets.UTF_8)));
        o.sync(); // before the rename: a crash never leaves an empty or partial stats.json in place
      }
      st.rename(RunStats.FILE + ".tmp", RunStats.FILE);
    } catch (IOException e) {
      log.debug("cannot write stats.json: {}", e.getMessage());
    }
  }

  synchronized RunStats snapshot() {
    Map<String, Double> iv = new TreeMap<>();
    String ivMode = "";
    if (policy != null) {
      ivMode = policy.mode().name().toLowerCase(java.util.Locale.ROOT);
      iv.put("seconds", policy.intervalSeconds());
      iv.put("cost", policy.measuredCost());
      if (policy.mode() == io.cairn.internal.Settings.Interval.YOUNG
          || policy.mode() == io.cairn.internal.Settings.Interval.DALY)
        iv.put("mtbf", policy.mtbfSeconds());
      if (policy.mode() == io.cairn.internal.Settings.Interval.STEPS) iv.put("steps", (double) policy.steps());
    }
    return new RunStats(run, mode, checkpoints, lastCost, checkpoints == 0 ? 0 : sumCost / checkpoints, lastBytes,
        lastRestore,
        levelSeconds, java.util.List.copyOf(history), ivMode, iv);
  }

  /** The statistics a previous incarnation of the run left ({@code stats.json}); null when there are none or they do not read. */
  RunStats previous() {
    Storage st = storage.get();
    if (st == null) return null;
    try {
      if (!st.exists(RunStats.FILE)) return null;
      try (Storage.Input in = st.open(RunStats.FILE)) {
        ByteBuffer b = ByteBuffer.allocate((int) Math.min(1 << 16, in.size()));
        in.readFully(0, b);
        return RunStats.parse(new String(b.array(), StandardCharsets.UTF_8), st.describe() + "/" + RunStats.FILE);
      }
    } catch (IOException | RuntimeException e) {
      log.debug("no usable stats.json: {}", e.getMessage());
      return null;
    }
  }
}
