package io.cairn.dl.djl;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Dataset;
import ai.djl.training.listener.TrainingListenerAdapter;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.util.Pair;
import io.cairn.CairnException;
import io.cairn.Checkpointable;
import io.cairn.Checkpointer;
import io.cairn.Metadata;
import io.cairn.StateMismatchException;
import io.cairn.StateReader;
import io.cairn.StateWriter;
import io.cairn.Version;
import io.cairn.dl.data.DataLoader;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A DJL {@code TrainingListener} that checkpoints a DJL training run through Cairn, every k optimizer
 * steps down to every step, and resumes it bit-identically.
 *
 * <p><b>Saved</b>: every parameter of the block <em>by name</em> (DJL's parameter ids are random per run);
 * the moments, update counts and update number of {@code Adam} or {@code AdamW} (by reflection, see
 * {@link AdamState}); the optimizer steps taken; the data position when the data comes from Cairn's keyed
 * {@link DataLoader} ({@link #dataset} or {@link #data}); user objects ({@link #extra}); and a fingerprint
 * of the training configuration (model, optimizer and learning-rate schedule by reflection, data and its
 * seed, intra-op thread count, engine, user keys), checked at restore: another configuration is refused
 * with a {@link ConfigurationMismatchException} naming each difference.
 *
 * <p><b>Two-phase</b>: a checkpoint copies the arrays straight from the NDArrays' memory into one of three
 * pooled off-heap staging buffers (phase 1, on the training thread: a memory copy) and commits it through
 * the checkpointer on a background thread (phase 2) while training goes on. It never waits for storage:
 * when commits are slower than the interval, a captured checkpoint whose commit has not started is
 * superseded by the next one (<b>coalescing</b>), so the committer always commits the newest state
 * captured; every committed version is the complete state of one step. With {@link #dataset} (or a call
 * of {@link #afterStep()} after {@code trainer.step()} in a hand-written loop) the copy itself runs in the
 * background too, during the next batch's forward and backward pass, which read the weights but do not
 * change them; the training thread then only waits for the copy if it is not finished when the batch
 * reaches {@code onTrainingBatch}.
 *
 * <p><b>Preemption</b>: at SIGTERM (with the checkpointer's {@code signals} on) the next batch checkpoints,
 * waits for the commit and throws {@link PreemptedException} out of the training loop; SIGUSR1 checkpoints
 * at the next batch and training goes on.
 *
 * <pre>{@code
 * DjlCheckpoints ck = new DjlCheckpoints(checkpointer, block, adam, 1).configuration("epochs", epochs);
 * Dataset train = ck.dataset(loader);                    // Cairn's keyed loader: the position is saved
 * config.addTrainingListeners(ck);
 * try (Trainer trainer = model.newTrainer(config)) {
 *   trainer.initialize(shape);
 *   ck.restoreLatest();                                  // fresh start: nothing
 *   EasyTrain.fit(trainer, ck.remainingEpochs(epochs), train, null);
 * }
 * }</pre>
 *
 * <p>Not thread-safe: use it from the training thread. Close it (or the trainer) to wait for the last commit.
 */
public final class DjlCheckpoints extends TrainingListenerAdapter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DjlCheckpoints.class);
  static final int FORMAT = 2;
  static final String CONFIG = "djl.config", ARRAYS = "djl.arrays", STATE = "djl.state";

  private final Checkpointer ck;
  private final Block block;
  private final Optimizer optimizer;
  private final AdamState reflect;
  private final boolean optimizerState;
  private final int every;
  private final Map<String, String> userConfig = new TreeMap<>();
  private final Map<String, Checkpointable> extras = new LinkedHashMap<>();
  private final Map<String, String> trainerConfig = new TreeMap<>();
  private DataLoader loader;
  private boolean stopOnPreemption = true;
  private Optional<String> signalSeen;

  private long steps;
  private long restoredAt = -1;
  private long lastCaptured = -1;
  private Layout layout;
  private String config;

  // staging: three pooled buffers; a snapshot is free, being copied, pending (captured, its commit not started)
  // or being committed. At most one is pending (a newer capture supersedes it) and one committing, so a
  // capture always finds a free buffer: the training thread never waits for storage.
  static final int BUFFERS = 3;
  private final BlockingQueue<Snapshot> free = new ArrayBlockingQueue<>(BUFFERS);
  private ExecutorService copier;
  private final Object lock = new Object();
  private volatile Pending pending; // guarded by lock for writes; read without it to decide a skip
  private Thread committer;
  private boolean closing; // guarded by lock
  private long coalesced;
  private java.util.function.LongConsumer beforeCommit; // test hook: runs on the committer before each commit
  private ByteBuffer[] cachedViews;
  private NDArray[] cachedArrays;
  private boolean skipNext;
  private Snapshot overlap; // a background copy of the state after `overlap.step` steps
  private CopyJob overlapCopy;
  private long overlapStartNanos, overlapCpuNanos;
  private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory
      .getThreadMXBean();
  private final List<Long> stallCpuNanos = new ArrayList<>();
  private CompletableFuture<Version> lastCommit = CompletableFuture.completedFuture(null);
  private volatile Throwable failure;
  private volatile Snapshot committing;
  private byte[] savedConfig, savedState;
  private final List<Long> stalls = new ArrayList<>();
  private final List<Long> copyNanos = java.util.Collections.synchronizedList(new ArrayList<>());
  private final List<Long> commitNanos = java.util.Collections.synchronizedList(new ArrayList<>());
  private final List<Long> bufferWaitNanos = new ArrayList<>();
  private boolean blocking;
  private boolean skipWhenBusy;
  private long skipped;

  /**
   * @param ck        the checkpointer (regions {@code djl.config}, {@code djl.arrays}, {@code djl.state}); a
   *                  synchronous one is best: the adapter commits in the background itself
   * @param block     the model's block (initialised before a checkpoint or a restore)
   * @param optimizer the {@code Adam} or {@code AdamW} given to the training config
   * @param every     checkpoint every this many optimizer steps (1: every step; 0: only when {@link #checkpoint()} is called)
   */
  public DjlCheckpoints(Checkpointer ck, Block block, Optimizer optimizer, int every) {
    this(ck, block, optimizer, every, true);
  }

  /** With {@code optimizerState == false} the optimizer's state is left out (only to show that it is needed). */
  DjlCheckpoints(Checkpointer ck, Block block, Optimizer optimizer, int every, boolean optimizerState) {
    if (every < 0)
      throw new IllegalArgumentException("every must be >= 0 (0: only explicit checkpoints), not " + every);
    this.ck = Objects.requireNonNull(ck, "checkpointer");
    this.block = Objects.requireNonNull(block, "block");
    this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
    this.reflect = new AdamState(optimizer.getClass());
    this.optimizerState = optimizerState;
    this.every = every;
    this.signalSeen = ck.lastSignal();
    ck.protect(CONFIG, new Checkpointable() {
      @Override
      public void save(StateWriter out) { out.writeString(config); }
      @Override
      public void load(StateReader in) throws IOException {
        savedConfig = in.readString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
      }
    });
    ck.protect(STATE, new Checkpointable() {
      @Override
      public void save(StateWriter out) { out.writeBytes(committing.state); }
      @Override
      public void load(StateReader in) throws IOException { savedState = in.readBytes(); }
    });
  }

  /**
   * Saves the position of Cairn's keyed {@link DataLoader} with every checkpoint and restores it, so the
   * resumed run trains on the same batches; its description and seed become part of the configuration.
   * Use {@link #dataset} to train with {@code EasyTrain.fit}.
   */
  public DjlCheckpoints data(DataLoader loader) {
    this.loader = Objects.requireNonNull(loader, "loader");
    return this;
  }

  /**
   * A DJL {@link Dataset} over Cairn's keyed {@link DataLoader} for {@code EasyTrain.fit}: each pass yields
   * the rest of the loader's current epoch (after a resume: from the restored position), and the loader's
   * position is saved with every checkpoint ({@link #data}). Batches hold the inputs as a
   * {@code (batch, inputSize)} float array and the labels as a {@code (batch)} float array.
   */
  public Dataset dataset(DataLoader loader) {
    data(loader);
    return new CairnDataset(loader, this);
  }

  /**
   * Adds a user object (saved with each checkpoint, as it is at the capture: on the training thread between
   * steps, or inside {@code onTrainingBatch} before the step for the periodic ones).
   */
  public DjlCheckpoints extra(String name, Checkpointable object) {
    extras.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(object, "object"));
    return this;
  }

  /**
   * Adds a key to the configuration fingerprint (e.g. the number of epochs, a data seed of the program's own,
   * an augmentation setting): a resume with another value is refused.
   */
  public DjlCheckpoints configuration(String key, Object value) {
    userConfig.put(Objects.requireNonNull(key, "key"), String.valueOf(value));
    return this;
  }

  /**
   * Whether SIGTERM makes the next batch checkpoint and throw {@link PreemptedException} (default true). Off,
   * the program checks {@code checkpointer.preemptionRequested()} itself.
   */
  public DjlCheckpoints stopOnPreemption(boolean stop) {
    this.stopOnPreemption = stop;
    return this;
  }

  /**
   * When commits are slower than steps, a periodic checkpoint never waits for storage: it supersedes the one
   * still waiting for its commit (coalescing, the default), so the newest captured state is committed next.
   * With {@code true}, a periodic checkpoint is instead skipped while an older one is still waiting (its copy
   * would only be superseded): that saves the copies' memory bandwidth and CPU, and the committed versions are
   * up to one commit time older. Preemption checkpoints and {@link #checkpoint()} are never skipped.
   */
  public DjlCheckpoints skipWhenBusy(boolean skip) {
    this.skipWhenBusy = skip;
    return this;
  }

  /**
   * Periodic checkpoints not taken: an older one was still waiting for its commit ({@link #skipWhenBusy}), or all
   * three staging buffers were busy (one committing, one pending, one still held by a preempted copier), when the
   * pending one, the newest captured, stands for it.
   */
  public long skipped() { return skipped; }

  /**
   * Periodic checkpoints superseded before their commit started by a newer one (commits slower than the
   * interval): each committed version is still the complete state of one step.
   */
  public long coalesced() { return coalesced; }

  /** Optimizer steps taken (restored by {@link #restoreLatest()}). */
  public long stepsDone() { return steps; }

  /** Epochs left of {@code total} for {@code EasyTrain.fit}, from the data loader's epoch (all of them without one). */
  public int remainingEpochs(int total) {
    return loader == null ? total : (int) Math.max(0, total - loader.epoch());
  }

  @Override
  public void onTrainingBegin(Trainer trainer) {
    trainerConfig.put("loss", trainer.getLoss().getClass().getName() + " " + trainer.getLoss().getName());
    trainerConfig.put("devices", Arrays.toString(trainer.getDevices()));
  }

  @Override
  public void onTrainingBatch(Trainer trainer, BatchData batchData) {
    batch();
  }

  @Override
  public void onTrainingEnd(Trainer trainer) { awaitIdle(); }

  /**
   * What {@code onTrainingBatch} does (for loops that do not notify listeners): called after the backward
   * pass and before {@code trainer.step()}; the state is that of {@link #stepsDone()} steps.
   */
  void batch() {
    long t0 = System.nanoTime();
    long pos = steps;
    Optional<String> sig = ck.lastSignal();
    boolean requested = ck.preemptionRequested() || (sig.isPresent() && !sig.equals(signalSeen));
    signalSeen = sig;
    boolean stop = requested && stopOnPreemption && "SIGTERM".equals(sig.orElse(null));
    boolean due = requested || due(pos);
    long cpu0 = due ? cpuNanos() : 0;
    if (due && skipWhenBusy && !requested && overlap == null && (skipNext || pending != null)) {
      due = false; // an older checkpoint still waits for its commit: this step is not checkpointed, the next one tries again
      skipped++;
    }
    skipNext = false;
    CompletableFuture<Version> commit = null;
    long overlapNanos = 0;
    if (overlap != null) {
      Snapshot s = overlap;
      overlapNanos = joinOverlap();
      if (due && s.step == pos) commit = submit(s);
      else
        release(s);
    }
    if (due && commit == null) {
      // all three buffers busy (one committing, one pending, one still held by a preempted copier): the pending snapshot,
      // the newest captured, stands for this step; never for a requested or blocking checkpoint, which waits for a buffer
      Snapshot c = capture(pos, loader == null ? null : loader.beforeLastBatch(), requested || blocking);
      if (c != null) commit = submit(c);
      else
        skipped++;
    }
    if (commit != null && blocking) await(commit);
    if (due) {
      stalls.add(System.nanoTime() - t0 + overlapNanos);
      stallCpuNanos.add(cpuNanos() - cpu0 + overlapCpuNanos);
    }
    if (stop) {
      Version v = await(commit);
      throw new PreemptedException(sig.orElse(null), pos, v.number());
    }
    steps++;
  }

  private boolean due(long pos) {
    return every > 0 && pos > 0 && pos % every == 0 && pos != restoredAt && pos != lastCaptured;
  }

  /**
   * For hand-written loops: call after {@code trainer.step()} (the {@link #dataset} does it itself). When the
   * next batch will checkpoint, its copy starts now, in the background, overlapping that batch's forward and
   * backward pass. Optional: without it the copy runs in {@code onTrainingBatch}.
   */
  public void afterStep() {
    if (overlap != null || !due(steps)) return;
    long t0 = System.nanoTime(), cpu0 = cpuNanos();
    if (skipWhenBusy && pending != null) {
      skipNext = true; // batch() skips this checkpoint (an older one still waits for its commit)
      return;
    }
    Layout l = layout();
    config();
    Snapshot s = free.poll();
    if (s == null) return; // no free buffer (not expected: see BUFFERS): the checkpoint copies in onTrainingBatch
    try {
      ByteBuffer[] views = views(l);
      s.step = steps;
      s.state = state(steps, loader);
      ExecutorService c = copier();
      CopyJob job = new CopyJob(l, views, s);
      overlap = s;
      overlapCopy = job;
      s.job = job;
      c.execute(() -> {
        long c0 = System.nanoTime();
        job.run();
        copyNanos.add(System.nanoTime() - c0);
        if (job.arrive()) free.add(s); // released while this thread still copied: the buffer is returned here
      });
    } catch (RuntimeException e) {
      s.job = null;
      free.add(s);
      throw e;
    }
    overlapStartNanos = System.nanoTime() - t0;
    overlapCpuNanos = cpuNanos() - cpu0;
  }

  /** Waits for the overlapped copy; returns the training thread's time spent in afterStep for it. */
  private long joinOverlap() {
    try {
      overlapCopy.run(); // copies the chunks the copier has not taken yet (it may not even have been scheduled)
      overlapCopy.finishRest(); // and copies again the ones it is still copying: the same bytes, no wait for a preempted copier
    } catch (RuntimeException e) {
      release(overlap);
      overlap = null;
      throw new CairnException("copying the DJL state for a checkpoint failed: " + e, e);
    } finally {
      overlapCopy = null;
    }
    overlap = null;
    return overlapStartNanos;
  }

  /**
   * The copy of a snapshot in chunks of at most 256 KiB that the copier thread and the training thread take
   * in turn: when the training thread needs the snapshot it copies what is left itself, so a copier that the
   * scheduler has not run yet (a busy machine) costs at most the copy, never a scheduling delay.
   */
  private static final class CopyJob {
    static final long CHUNK = 256 * 1024;
    private final long[] src, dst, len;
    private final int[] view;
    private final ByteBuffer[] views;
    private final MemorySegment target;
    private final java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger arrivals = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicIntegerArray finished;
    private volatile Throwable error;

    CopyJob(Layout l, ByteBuffer[] views, Snapshot s) {
      this.views = views;
      this.target = s.segment;
      ChunkPlan p = l.chunks();
      src = p.src;
      dst = p.dst;
      len = p.len;
      view = p.view;
      finished = new java.util.concurrent.atomic.AtomicIntegerArray(len.length);
    }

    /** Copies chunks until none is left to take. */
    void run() {
      for (int k; (k = next.getAndIncrement()) < len.length;) {
        try {
          chunk(k);
          finished.set(k, 1);
        } catch (Throwable t) {
          error = t;
        } finally {
          done.incrementAndGet();
        }
      }
    }

    private void chunk(int k) {
      ByteBuffer v = views[view[k]];
      if (v == null) target.asSlice(dst[k], len[k]).fill((byte) 0);
      else
        MemorySegment.copy(MemorySegment.ofBuffer(v), src[k], target, dst[k], len[k]);
    }

    /**
     * After {@link #run()} on the training thread: copies the chunks the copier took but has not finished.
     * The source does not change before the next step, so both threads write the same bytes.
     */
    void finishRest() {
      for (int k = 0; k < len.length; k++) {
        if (finished.get(k) == 0) {
          chunk(k);
          finished.set(k, 1);
        }
      }
      Throwable e = error;
      if (e != null) throw new IllegalStateException("staging copy failed: " + e, e);
    }

    /**
     * The copier's task and the release of the snapshot each arrive once, in either order; the second one returns
     * the buffer to the pool (so a release never waits for a preempted copier).
     */
    boolean arrive() { return arrivals.incrementAndGet() == 2; }

  }

  /**
   * Checkpoints now, between steps (the state of {@link #stepsDone()} completed steps and the data loader's
   * current position: e.g. a final save when training stops), and waits until it is committed.
   */
  public Version checkpoint() {
    CompletableFuture<Version> f;
    if (overlap != null) {
      Snapshot s = overlap;
      joinOverlap();
      f = s.step == steps ? submit(s) : null;
      if (f == null) release(s);
    } else {
      f = null;
    }
    if (f == null) f = submit(capture(steps, loader, true));
    return await(f);
  }

  private Version await(CompletableFuture<Version> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CairnException("interrupted while waiting for a DJL checkpoint to commit", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      throw c instanceof RuntimeException r ? r : new CairnException("DJL checkpoint failed: " + c, c);
    }
  }

  /**
   * Copies the state into a free staging buffer. With none free: null when a snapshot is pending and {@code wait} is
   * false (the pending one, the newest captured, stands); else waits for one.
   */
  private Snapshot capture(long pos, Checkpointable dataPosition, boolean wait) {
    Layout l = layout();
    config();
    Snapshot s;
    try {
      long w0 = System.nanoTime();
      s = free.poll();
      if (s == null && !wait && pending != null) return null;
      if (s == null) s = free.take();
      bufferWaitNanos.add(System.nanoTime() - w0);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CairnException("interrupted while waiting for staging memory for a DJL checkpoint", e);
    }
    try {
      s.step = pos;
      s.state = state(pos, dataPosition);
      long c0 = System.nanoTime();
      copy(l, views(l), s);
      copyNanos.add(System.nanoTime() - c0);
      return s;
    } catch (RuntimeException e) {
      release(s);
      throw e;
    }
  }

  /** Returns a staging buffer to the pool, now or (when a copier still writes into it) when the copier lets go of it. */
  private void release(Snapshot s) {
    CopyJob j = s.job;
    s.job = null;
    if (j != null && !j.arrive()) return; // the copier's task returns it
    free.add(s);
  }

  /** A captured snapshot waiting for the committer, and the future of its commit. */
  private record Pending(Snapshot s, CompletableFuture<Version> done) {}

  /**
   * Hands a captured snapshot to the committer; its buffer is free again once committed. A snapshot still
   * waiting (its commit not started) is superseded: its buffer is freed at once and its future completes with
   * the newer snapshot's version.
   */
  private CompletableFuture<Version> submit(Snapshot s) {
    Throwable f = failure;
    if (f != null) {
      failure = null;
      release(s);
      throw new CairnException(
          "a background DJL checkpoint failed: " + f.getMessage() + " (older committed versions are intact)", f);
    }
    lastCaptured = s.step;
    CompletableFuture<Version> done = new CompletableFuture<>();
    Pending old;
    synchronized (lock) {
      old = pending;
      pending = new Pending(s, done);
      if (committer == null) {
        committer = new Thread(this::commitLoop, "cairn-djl-commit");
        committer.setDaemon(true);
        committer.start();
      }
      lock.notifyAll();
    }
    if (old != null) {
      coalesced++;
      done.whenComplete((v, e) -> {
        if (e != null) old.done().completeExceptionally(e);
        else
          old.done().complete(v);
      });
      release(old.s());
    }
    lastCommit = done;
    return done;
  }

  /** The committer thread: commits the pending snapshot, the newest one captured, until closed. */
  private void commitLoop() {
    while (true) {
      Pending p;
      synchronized (lock) {
        while (pending == null && !closing) {
          try {
            lock.wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        p = pending;
        if (p == null) return;
        pending = null;
      }
      Snapshot s = p.s();
      try {
        if (beforeCommit != null) beforeCommit.accept(s.step);
        committing = s;
        ck.unprotect(ARRAYS);
        ck.protect(ARRAYS, s.arrays);
        long c0 = System.nanoTime();
        Version v = ck.checkpoint(Metadata.create().step(s.step).label("djl")).await();
        commitNanos.add(System.nanoTime() - c0);
        p.done().complete(v);
      } catch (Throwable e) {
        log.error("DJL checkpoint of step {} failed: {}", s.step, e.getMessage());
        failure = e;
        p.done().completeExceptionally(e);
      } finally {
        committing = null;
        release(s);
      }
    }
  }

  /** Test hook: runs on the committer thread before each commit, with the snapshot's step. */
  void beforeCommit(java.util.function.LongConsumer hook) {
    this.beforeCommit = hook;
  }

  /** Waits for the background copy and commits in flight. */
  public void awaitIdle() {
    if (overlap != null) {
      Snapshot s = overlap;
      joinOverlap();
      release(s);
    }
    try {
      lastCommit.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      // reported by the next checkpoint (failure) or logged above
    }
  }

  /** Waits for the last commit and stops the background threads; the checkpointer stays open. */
  @Override
  public void close() {
    awaitIdle();
    if (copier != null) copier.shutdown();
    synchronized (lock) {
      closing = true;
      lock.notifyAll();
    }
  }

  /**
   * Restores the newest checkpoint into the (initialised) block, the optimizer, the data loader and the
   * extras; empty on a fresh start. Refuses another training configuration with a
   * {@link ConfigurationMismatchException} (nothing is changed, the checkpoint stays valid).
   */
  public Optional<Version> restoreLatest() {
    awaitIdle();
    Layout l = layout();
    Snapshot s = free.poll();
    if (s == null) throw new IllegalStateException("no staging buffer free for the restore");
    try {
      ck.unprotect(ARRAYS);
      ck.protect(ARRAYS, s.arrays);
      savedConfig = null;
      savedState = null;
      Optional<Version> v;
      try {
        v = ck.restoreLatest();
      } catch (StateMismatchException e) {
        // regions of other sizes (another model): name the configuration's differences when it can be read
        Optional<Version> cv;
        try {
          cv = ck.restoreLatest(Set.of(CONFIG));
        } catch (RuntimeException e2) {
          throw e;
        }
        if (cv.isPresent()) checkConfiguration(cv.get().number(), e);
        throw e;
      }
      if (v.isEmpty()) return v;
      checkConfiguration(v.get().number(), null);
      apply(l, s, v.get());
      return v;
    } finally {
      free.add(s);
    }
  }

  private void checkConfiguration(long version, Throwable cause) {
    String saved = savedConfig == null ? "" : new String(savedConfig, java.nio.charset.StandardCharsets.UTF_8);
    List<String> d = Fingerprint.differences(Fingerprint.decode(saved), Fingerprint.decode(config()));
    if (!d.isEmpty()) {
      ConfigurationMismatchException e = new ConfigurationMismatchException(version, d);
      if (cause != null) e.addSuppressed(cause);
      throw e;
    }
  }

  private void apply(Layout l, Snapshot s, Version v) {
    try {
      StateReader r = new StateReader(STATE, savedState);
      int format = r.readInt();
      if (format != FORMAT)
        throw new CairnException(
            "djl.state of version " + v.number() + " has format " + format + ", this adapter reads " + FORMAT);
      long step = r.readLong();
      int num = r.readInt();
      Map<String, Map<Device, NDArray>> means = reflect.means(optimizer), vars = reflect.variances(optimizer);
      Map<String, Integer> counts = reflect.updateCounts(optimizer);
      if (optimizerState) {
        means.clear();
        vars.clear();
        counts.clear();
      }
      for (Entry e : l.entries) {
        int count = r.readInt();
        boolean hasMean = r.readBoolean(), hasVar = r.readBoolean();
        NDArray w = e.p.getArray();
        w.set(slice(s.arrays, e.offset, e.bytes).asFloatBuffer());
        if (!optimizerState) continue;
        if (count >= 0) counts.put(e.p.getId(), count);
        if (hasMean) means.put(e.p.getId(), moment(w, slice(s.arrays, l.paramBytes + e.offset, e.bytes)));
        if (hasVar) vars.put(e.p.getId(), moment(w, slice(s.arrays, 2 * l.paramBytes + e.offset, e.bytes)));
      }
      if (optimizerState) reflect.setNumUpdate(optimizer, num);
      if (r.readBoolean()) loader.load(new StateReader("djl.state/data", r.readBytes()));
      int n = r.readInt();
      for (int i = 0; i < n; i++) {
        String name = r.readString();
        byte[] b = r.readBytes();
        Checkpointable x = extras.get(name);
        StateReader xr = new StateReader("djl.state/extra." + name, b);
        x.load(xr);
        if (xr.remaining() != 0)
          throw new IOException("extra '" + name + "': load() left " + xr.remaining() + " bytes unread");
      }
      steps = step;
      restoredAt = step;
      lastCaptured = step;
    } catch (IOException e) {
      throw new CairnException("cannot apply DJL checkpoint version " + v.number() + ": " + e.getMessage(), e);
    }
  }

  private static Map<Device, NDArray> moment(NDArray like, ByteBuffer data) {
    NDArray a = like.zerosLike();
    a.set(data.asFloatBuffer());
    a.detach(); // owned by the optimizer, as DJL's own withDefaultState does
    Map<Device, NDArray> m = new ConcurrentHashMap<>();
    m.put(like.getDevice(), a);
    return m;
  }

  private static ByteBuffer slice(ByteBuffer b, long off, long len) {
    return b.slice((int) off, (int) len).order(ByteOrder.nativeOrder());
  }

  // ------------------------------------------------------------------ capture

  /** The small state, serialised on the training thread (the arrays are copied separately). */
  private byte[] state(long pos, Checkpointable dataPosition) {
    Layout l = layout();
    StateWriter w = new StateWriter();
    w.writeInt(FORMAT).writeLong(pos);
    Map<String, Map<Device, NDArray>> means = reflect.means(optimizer), vars = reflect.variances(optimizer);
    Map<String, Integer> counts = reflect.updateCounts(optimizer);
    w.writeInt(optimizerState ? reflect.numUpdate(optimizer) : 0);
    for (Entry e : l.entries) {
      String id = e.p.getId();
      w.writeInt(optimizerState ? counts.getOrDefault(id, -1) : -1);
      w.writeBoolean(optimizerState && present(means.get(id)));
      w.writeBoolean(optimizerState && present(vars.get(id)));
    }
    try {
      w.writeBoolean(loader != null);
      if (loader != null) {
        StateWriter d = new StateWriter();
        dataPosition.save(d);
        w.writeBytes(d.toByteArray());
      }
      w.writeInt(extras.size());
      for (var x : extras.entrySet()) {
        StateWriter d = new StateWriter();
        x.getValue().save(d);
        w.writeString(x.getKey()).writeBytes(d.toByteArray());
      }
    } catch (IOException e) {
      throw new CairnException("cannot save the data position or an extra for a DJL checkpoint: " + e.getMessage(), e);
    }
    return w.toByteArray();
  }

  private static boolean present(Map<Device, NDArray> m) {
    if (m == null || m.isEmpty()) return false;
    if (m.size() != 1)
      throw new IllegalStateException(
          "DJL optimizer state on " + m.size() + " devices: the adapter supports one device");
    return true;
  }

  /** The NDArrays' memory, read on the training thread: params, then first moments, then second moments (null: none yet). */
  private ByteBuffer[] views(Layout l) {
    int n = l.entries.size();
    NDArray[] arrays = new NDArray[3 * n];
    Map<String, Map<Device, NDArray>> means = reflect.means(optimizer), vars = reflect.variances(optimizer);
    for (int i = 0; i < n; i++) {
      Entry e = l.entries.get(i);
      arrays[i] = e.p.getArray();
      if (!optimizerState) continue;
      Map<Device, NDArray> m = means.get(e.p.getId()), va = vars.get(e.p.getId());
      if (present(m)) arrays[n + i] = m.values().iterator().next();
      if (present(va)) arrays[2 * n + i] = va.values().iterator().next();
    }
    // the same NDArray objects as last time (DJL's PyTorch optimizers update in place): reuse the views of their
    // memory instead of asking the engine again (a JNI call per array and step)
    if (cachedArrays != null && sameObjects(arrays, cachedArrays)) return cachedViews;
    ByteBuffer[] v = new ByteBuffer[3 * n];
    for (int i = 0; i < 3 * n; i++) if (arrays[i] != null) v[i] = view(l.entries.get(i % n), arrays[i]);
    cachedArrays = arrays;
    cachedViews = v;
    return v;
  }

  private static boolean sameObjects(Object[] a, Object[] b) {
    for (int i = 0; i < a.length; i++) if (a[i] != b[i]) return false;
    return true;
  }

  private static ByteBuffer view(Entry e, NDArray a) {
    ByteBuffer b = a.toByteBuffer(true); // PyTorch on CPU: the tensor's own memory, no copy
    if (b.remaining() != e.bytes)
      throw new IllegalStateException(
          "DJL array of '" + e.name + "' has " + b.remaining() + " bytes, expected " + e.bytes + " (shape changed?)");
    return b;
  }

  /** Phase 1: memory copies into the staging buffer (on the training thread or the copier). */
  private static void copy(Layout l, ByteBuffer[] views, Snapshot s) {
    MemorySegment dst = s.segment;
    int n = l.entries.size();
    for (int i = 0; i < views.length; i++) {
      Entry e = l.entries.get(i % n);
      long off = (i / n) * l.paramBytes + e.offset;
      if (views[i] == null) dst.asSlice(off, e.bytes).fill((byte) 0);
      else
        MemorySegment.copy(MemorySegment.ofBuffer(views[i]), 0, dst, off, e.bytes);
    }
  }

  // ------------------------------------------------------------------ layout and configuration

  private record Entry(String name, Parameter p, Shape shape, long bytes, long offset) {}

  private record Layout(List<Entry> entries, long paramBytes, ChunkPlan chunks) {}

  /** The staging copy cut in chunks (computed once per layout): source view, offset in it, offset in the staging, length. */
  private record ChunkPlan(int[] view, long[] src, long[] dst, long[] len) {
    static ChunkPlan of(List<Entry> entries, long paramBytes) {
      int n = entries.size();
      List<long[]> cs = new ArrayList<>();
      for (int i = 0; i < 3 * n; i++) {
        Entry e = entries.get(i % n);
        long base = (i / n) * paramBytes + e.offset;
        for (long o = 0; o < e.bytes; o += CopyJob.CHUNK)
          cs.add(new long[]{i, o, base + o, Math.min(CopyJob.CHUNK, e.bytes - o)});
      }
      int[] view = new int[cs.size()];
      long[] src = new long[cs.size()], dst = new long[cs.size()], len = new long[cs.size()];
      for (int k = 0; k < cs.size(); k++) {
        view[k] = (int) cs.get(k)[0];
        src[k] = cs.get(k)[1];
        dst[k] = cs.get(k)[2];
        len[k] = cs.get(k)[3];
      }
      return new ChunkPlan(view, src, dst, len);
    }
  }

  /** Staging for one checkpoint. */
  private static final class Snapshot {
    final ByteBuffer arrays;
    final MemorySegment segment;
    volatile CopyJob job; // the overlapped copy that filled it, until the copier is done with it
    long step;
    byte[] state;

    Snapshot(long bytes) {
      arrays = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
      segment = MemorySegment.ofBuffer(arrays);
    }
  }

  private Layout layout() {
    if (layout != null) return layout;
    List<Entry> es = new ArrayList<>();
    long off = 0;
    for (Pair<String, Parameter> p : block.getParameters()) {
      Parameter par = p.getValue();
      if (!par.isInitialized())
        throw new IllegalStateException(
            "DJL parameter '" + p.getKey() + "' has no array yet: call trainer.initialize(shape) before "
                + "restoreLatest() or the first checkpoint");
      NDArray a = par.getArray();
      if (a.getDataType() != DataType.FLOAT32)
        throw new IllegalStateException("DJL parameter '" + p.getKey() + "' is " + a.getDataType()
            + ": the adapter checkpoints float32 parameters");
      if (!a.getDevice().equals(Device.cpu()))
        log.warn(
            "parameter '{}' is on {}: each checkpoint copies it to the host; GPU kernels are generally not bit-reproducible",
            p.getKey(), a.getDevice());
      long bytes = a.size() * 4;
      es.add(new Entry(p.getKey(), par, a.getShape(), bytes, off));
      off += bytes;
    }
    if (3 * off > Integer.MAX_VALUE - 8)
      throw new IllegalStateException(
          "the model has " + off / 4 + " parameters: the adapter stages at most 2 GiB (parameters and two moments)");
    layout = new Layout(List.copyOf(es), off, ChunkPlan.of(es, off));
    for (int i = 0; i < BUFFERS; i++) free.add(new Snapshot(3 * off));
    return layout;
  }

  /** The configuration fingerprint (after the layout). */
  String config() {
    if (config != null) return config;
    Layout l = layout();
    Map<String, String> c = new TreeMap<>();
    c.put("format", Integer.toString(FORMAT));
    StringBuilder ps = new StringBuilder();
    for (Entry e : l.entries) ps.append(ps.isEmpty() ? "" : ", ").append(e.name).append(e.shape);
    c.put("model.parameters", ps.toString());
    Fingerprint.describe(optimizer, "optimizer", c, reflect::isState, 0);
    c.put("optimizer.state", optimizerState ? "saved" : "NOT saved");
    c.put("data.position", loader == null ? "not saved" : "Cairn DataLoader");
    if (loader != null) {
      c.put("data", loader.describe());
      c.put("data.seed", Long.toString(loader.seed()));
    }
    c.put("extras", String.join(",", extras.keySet()));
    c.putAll(trainerConfig);
    Engine engine = Engine.getInstance();
    c.put("engine", engine.getEngineName() + " " + engine.getVersion());
    c.put("engine.intra-op threads", threads("getNumThreads", "ai.djl.pytorch.num_threads"));
    c.put("engine.inter-op threads", threads("getNumInteropThreads", "ai.djl.pytorch.num_interop_threads"));
    for (var e : userConfig.entrySet()) c.put("user." + e.getKey(), e.getValue());
    config = Fingerprint.encode(c);
    if (loader == null)
      log.warn(
          "no data position is saved (use DjlCheckpoints.dataset/data with Cairn's DataLoader): a resume will not continue the data order");
    return config;
  }

  /** The engine's thread count: PyTorch's own when it is loaded, else the settings that fix it. */
  private static String threads(String method, String property) {
    try {
      Object n = Class.forName("ai.djl.pytorch.jni.JniUtils").getMethod(method).invoke(null);
      return n.toString();
    } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
      String p = System.getProperty(property);
      if (p != null) return p;
      String omp = System.getenv("OMP_NUM_THREADS");
      return omp != null
          ? "OMP_NUM_THREADS=" + omp
          : "default (" + Runtime.getRuntime().availableProcessors() + " cores)";
    }
  }

  /** Training-thread time of each checkpoint so far, in nanoseconds (for the benchmark). */
  List<Long> stalls() {
    return stalls;
  }

  /** The training thread's CPU time of each checkpoint (as {@link #stalls()}, without time it was not running), nanoseconds. */
  List<Long> stallCpuNanos() {
    return stallCpuNanos;
  }

  private static long cpuNanos() { return THREADS.getCurrentThreadCpuTime(); }

  /** Time of each staging copy (training thread or copier), nanoseconds. */
  List<Long> copyNanos() { return copyNanos; }

  /** Time the training thread waited for a free staging buffer, per copy it made itself, nanoseconds. */
  List<Long> bufferWaitNanos() {
    return bufferWaitNanos;
  }

  /** Time of each commit on the background thread, nanoseconds. */
  List<Long> commitNanos() { return commitNanos; }

  /** For the benchmark's contrast: each checkpoint waits for its commit. */
  DjlCheckpoints blocking(boolean b) {
    blocking = b;
    return this;
  }

  /** The arrays of the state (parameters, then moments) as the NDArrays' memory, for the benchmark's plain-copy baseline. */
  ByteBuffer[] stateViews() {
    return views(layout());
  }

  /** Bytes of staging per checkpoint (parameters and both moments). */
  long stateBytes() {
    return 3 * layout().paramBytes;
  }

  private synchronized ExecutorService copier() {
    if (copier == null) copier = Executors.newSingleThreadExecutor(daemon("cairn-djl-copy"));
    return copier;
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
