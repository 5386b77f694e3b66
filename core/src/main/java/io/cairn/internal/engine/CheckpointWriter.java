package io.cairn.internal.engine;

import io.cairn.CairnException;
import io.cairn.Version;
import io.cairn.internal.Settings;
import io.cairn.internal.format.Kind;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes checkpoints: numbers the version, picks the due levels, captures the state (a view in sync
 * mode; a copy into staging memory in async mode, within {@code async.staging-limit}), writes every due
 * level (then its retention), and records the cost. Synchronous and asynchronous checkpoints run the
 * same stages; only who waits differs (the caller, or the {@link AsyncFlusher}).
 */
final class CheckpointWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CheckpointWriter.class);

  /** A checkpoint in progress or done. */
  record Pending(long version, CompletableFuture<Version> committed, boolean skipped) {}

  private final String run;
  private final List<LevelStore> levels;
  private final IntervalPolicy policy;
  private final StatsKeeper stats;
  private final RestoreAttempts attempts;
  private final int blockSize;
  private final String writer;
  private final long stagingLimit;
  private final Settings.WhenFull whenFull;
  private final AsyncFlusher flusher; // null in sync mode
  private final StagingPool staging;
  private final Object stagingLock = new Object();
  private long staged;
  /** Size of each object region at its last capture: its staging estimate for the next (async mode). */
  private final Map<String, Long> objectBytes = new java.util.HashMap<>();
  private long nextVersion;
  private long ordinal;

  CheckpointWriter(Settings settings, String run, LevelSet levels, IntervalPolicy policy, StatsKeeper stats,
      RestoreAttempts attempts) {
    this.run = run;
    this.levels = levels.all();
    this.policy = policy;
    this.stats = stats;
    this.attempts = attempts;
    this.blockSize = (int) settings.bytes("block-size");
    this.stagingLimit = settings.bytes("async.staging-limit");
    this.whenFull = settings.whenFull();
    this.writer = ProcessHandle.current().pid() + "@" + LevelSet.hostName();
    this.nextVersion = levels.firstFreeVersion();
    this.flusher = settings.mode() == Settings.Mode.ASYNC ? new AsyncFlusher(run) : null;
    this.staging = new StagingPool(stagingLimit);
  }

  AsyncFlusher flusher() { return flusher; }

  /**
   * Takes checkpoint of {@code srcs} into the levels due now ({@code allLevels}: every level, e.g.
   * after a preemption signal).
   */
  Pending checkpoint(List<RegionSource> srcs, boolean allLevels, String label, long step, Map<String, String> meta) {
    long t0 = System.nanoTime();
    long v = nextVersion++;
    ordinal++;
    List<LevelStore> targets = new ArrayList<>();
    for (LevelStore l : levels) if (allLevels || (ordinal - 1) % l.spec().every() == 0) targets.add(l);
    LevelStore.Header h = new LevelStore.Header(run, v, System.currentTimeMillis(), writer, label, step, meta);
    if (flusher == null) {
      try (Arena arena = Arena.ofShared()) { // shared: the pack writer thread reads mapped files in place
        List<LevelStore.Captured> cap = capture(srcs, arena, null);
        Version ver = writeLevels(h, cap, targets);
        double secs = (System.nanoTime() - t0) / 1e9;
        policy.checkpointed(secs);
        stats.checkpointed(secs, bytes(cap));
        return new Pending(v, CompletableFuture.completedFuture(ver), false);
      } catch (IOException e) {
        throw new CairnException("checkpoint " + v + " of '" + run + "': cannot capture state: " + e.getMessage(), e);
      } catch (OutOfMemoryError e) {
        throw new CairnException(
            "checkpoint " + v + " of '" + run + "': not enough memory to capture the state (" + e.getMessage()
                + "); older committed versions are intact",
            e);
      }
    }
    long need = 0;
    for (RegionSource r : srcs) need += r.kind() == Kind.OBJECT ? objectBytes.getOrDefault(r.name(), 0L) : estimate(r);
    synchronized (stagingLock) {
      if (need > stagingLimit) {
        throw new CairnException(
            "checkpoint " + v + " needs " + need + " bytes of staging memory but async.staging-limit is "
                + stagingLimit + "; raise the limit or use mode=sync");
      }
      while (staged + need > stagingLimit) {
        if (whenFull == Settings.WhenFull.SKIP) {
          log.warn(
              "checkpoint {} of '{}' skipped: staging memory full ({} of {} bytes in flight); async.when-full=skip",
              v, run, staged, stagingLimit);
          nextVersion--;
          ordinal--;
          CompletableFuture<Version> f = CompletableFuture.failedFuture(
              new CairnException("checkpoint skipped: staging memory full (async.when-full=skip)"));
          return new Pending(v, f, true);
        }
        try {
          stagingLock.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new CairnException("interrupted while waiting for staging memory", e);
        }
      }
      staged += need;
    }
    // The write starts now and follows the copy chunk by chunk (StagedCapture); the program's thread
    // returns once the whole state is copied. Staging memory and the reservation are given back by the
    // writer when it is done with them, also when the capture fails.
    StagedCapture staged = new StagedCapture(srcs.size());
    List<MemorySegment> taken = new ArrayList<>();
    java.util.concurrent.atomic.AtomicLong reserved = new java.util.concurrent.atomic.AtomicLong(need);
    CompletableFuture<Version> f = flusher.submit(v, () -> {
      try {
        List<LevelStore.Captured> cap = staged.regions();
        Version ver = writeLevels(h, cap, targets);
        stats.checkpointed(staged.awaitFinished(), bytes(cap));
        return ver;
      } catch (RuntimeException e) {
        if (staged.failed()) throw new StagedCapture.Abandoned(e);
        throw e;
      }
    }, () -> {
      synchronized (taken) {
        staging.give(taken);
      }
      release(reserved.get());
    });
    try (Arena arena = Arena.ofShared()) { // mappings of routed files are not needed once copied
      for (int i = 0; i < srcs.size(); i++) captureStaged(i, srcs.get(i), arena, staged, taken);
    } catch (IOException | RuntimeException | OutOfMemoryError e) {
      staged.fail(e);
      throw new CairnException("checkpoint " + v + " of '" + run + "': cannot capture state: " + e.getMessage()
          + (e instanceof OutOfMemoryError
              ? " (not enough memory for the staging copy: lower async.staging-limit or use mode=sync)"
              : ""),
          e);
    }
    // objects are serialised at capture: count their real size against the staging limit (the next
    // checkpoint waits for it as for arrays), and expect the same size next time
    long objects = 0, expected = 0;
    for (int i = 0; i < srcs.size(); i++) {
      RegionSource r = srcs.get(i);
      if (r.kind() != Kind.OBJECT || staged.data(i) == null) continue;
      long size = staged.data(i).byteSize();
      objects += size;
      expected += objectBytes.getOrDefault(r.name(), 0L);
      objectBytes.put(r.name(), size);
    }
    if (objects != expected) {
      synchronized (stagingLock) {
        this.staged += objects - expected;
        reserved.addAndGet(objects - expected);
      }
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    staged.finish(secs);
    policy.checkpointed(secs);
    return new Pending(v, f, false);
  }

  /** Bytes copied between two reports to the writer (and at most one chunk's worth of the write waits on the copy). */
  private int copyPiece() {
    return Math.max(blockSize, 1 << 20);
  }

  /** Captures region {@code i} into staging memory, publishing it to the writer as soon as its copy starts. */
  private void captureStaged(int i, RegionSource r, Arena arena, StagedCapture staged, List<MemorySegment> taken)
      throws IOException {
    MemorySegment seg = r.capture(arena, new RegionSource.Stager() {
      @Override
      public MemorySegment copy(MemorySegment view) {
        long size = view.byteSize();
        MemorySegment copy = allocate(size);
        if (staged.published(i)) { // not the way regions capture (one copy each): no early start for this one
          MemorySegment.copy(view, 0, copy, 0, size);
          return copy;
        }
        staged.publishInProgress(i, r.name(), r.kind(), r.length() >= 0 ? r.length() : size, copy);
        long piece = copyPiece();
        for (long off = 0; off < size; off += piece) {
          long n = Math.min(piece, size - off);
          MemorySegment.copy(view, off, copy, off, n);
          if (off + n < size) staged.copied(i, off + n); // the last piece is reported once the region is checked, below
        }
        return copy;
      }

      @Override
      public MemorySegment allocate(long size) {
        MemorySegment s = staging.take(size);
        synchronized (taken) {
          taken.add(s);
        }
        return s.asSlice(0, size);
      }
    });
    if (!staged.published(i)) {
      staged.publish(i,
          new LevelStore.Captured(r.name(), r.kind(), r.length() >= 0 ? r.length() : seg.byteSize(), seg));
    } else if (staged.data(i) != seg) {
      throw new IllegalStateException("region '" + r.name() + "' captured other bytes than the staged copy it started");
    } else {
      staged.copied(i, Long.MAX_VALUE);
    }
  }

  private void release(long n) {
    synchronized (stagingLock) {
      staged -= n;
      stagingLock.notifyAll();
    }
  }

  private static long bytes(List<LevelStore.Captured> cap) {
    long bytes = 0;
    for (LevelStore.Captured c : cap) bytes += c.data().byteSize();
    return bytes;
  }

  private static long estimate(RegionSource r) {
    if (r.length() >= 0) return r.length() * r.kind().elementSize;
    if (r instanceof Regions.FileRegion fr) {
      try {
        return Files.size(fr.path());
      } catch (IOException e) {
        return 0;
      }
    }
    return 0; // objects: known only after save(); they are small by design
  }

  private static List<LevelStore.Captured> capture(List<RegionSource> srcs, Arena arena, RegionSource.Stager stager)
      throws IOException {
    List<LevelStore.Captured> out = new ArrayList<>(srcs.size());
    for (RegionSource r : srcs) {
      var seg = r.capture(arena, stager);
      long len = r.length() >= 0 ? r.length() : seg.byteSize();
      out.add(new LevelStore.Captured(r.name(), r.kind(), len, seg));
    }
    return out;
  }

  /** Writes the version to every target level (then that level's retention); throws when no level took it. */
  private Version writeLevels(LevelStore.Header h, List<LevelStore.Captured> cap, List<LevelStore> targets) {
    List<String> ok = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    long bytes = 0;
    for (LevelStore l : targets) {
      try {
        LevelStore.Written w = l.write(h, cap, blockSize);
        ok.add(l.name());
        bytes = w.manifest().logicalBytes();
        stats.levelWritten(l.name(), w.nanos());
        try {
          l.prune(l.spec().keep(), h.version());
        } catch (IOException e) {
          log.warn("level {}: retention after version {} failed: {}", l.name(), h.version(), e.getMessage());
        }
      } catch (IOException | RuntimeException e) {
        String msg = "level '" + l.name() + "' (" + l.storage().describe() + "): " + e;
        failed.add(msg);
        log.error("checkpoint {} of '{}' not written to {}", h.version(), run, msg);
      }
    }
    if (ok.isEmpty()) {
      throw new CairnException("checkpoint " + h.version() + " of '" + run
          + "' failed on every level; older committed versions are intact:\n  "
          + String.join("\n  ", failed));
    }
    attempts.clear();
    return new Version(h.version(), Instant.ofEpochMilli(h.created()), h.label(), h.step(), h.meta(), bytes, ok);
  }

  /** Waits for the checkpoints in flight (the next checkpoint of a level may be based on one of them); returns those not committed. */
  List<java.lang.Long> drain(long timeoutMillis) {
    return flusher == null ? List.of() : flusher.drain(timeoutMillis);
  }

  /** Waits for the checkpoints in flight and frees the staging memory. */
  @Override
  public void close() {
    if (flusher != null) flusher.close();
    staging.close();
  }
}
