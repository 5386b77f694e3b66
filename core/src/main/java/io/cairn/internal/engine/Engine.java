package io.cairn.internal.engine;

import io.cairn.CairnException;
import io.cairn.Version;
import io.cairn.internal.Settings;
import io.cairn.internal.format.RegionEntry;
import io.cairn.spi.Storage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The checkpoint engine behind {@code Checkpointer}: wires its parts together and guards their use
 * (open, read-only). Each job has its own class:
 * <ul>
 *   <li>{@link LevelSet}: the levels, opened and locked;
 *   <li>{@link ProtectedState}: what is protected and routed;
 *   <li>{@link CheckpointWriter}: sync and async checkpoints with staging, through {@link AsyncFlusher} in async mode;
 *   <li>{@link Restorer}: restore with fallback across levels and versions;
 *   <li>{@link Catalog}: committed versions, pin, unpin, delete;
 *   <li>{@link StatsKeeper} ({@code stats.json}, {@link RunStats}) and {@link RestoreAttempts} (failures after a restore).
 * </ul>
 */
public final class Engine implements AutoCloseable {
  private final String run;
  private final boolean readOnly;
  private final boolean checkpoints;
  private final IntervalPolicy policy;
  private final Settings.Mode mode;
  private final LevelSet levels;
  private final ProtectedState state;
  private final StatsKeeper stats;
  private final RestoreAttempts attempts;
  private final Catalog catalog;
  private final CheckpointWriter writer; // null when read-only
  private final Restorer restorer;
  private long signalsSeen;
  private volatile boolean closed;

  public Engine(Settings settings, Path base, LongSupplier nanos,
      Function<Settings.LevelSpec, Storage> storageFactory) {
    this(settings, base, nanos, storageFactory, false);
  }

  /**
   * @param readOnly open for restoring only: no lock (several readers, e.g. parallel replays, may share
   *     the directories), nothing is created or written, and {@link #checkpoint} is refused
   */
  public Engine(Settings settings, Path base, LongSupplier nanos, Function<Settings.LevelSpec, Storage> storageFactory,
      boolean readOnly) {
    this(settings, base, nanos, storageFactory, readOnly ? Access.READ : Access.RUN);
  }

  /** How an engine opens its levels. */
  public enum Access {
    /** A run: every level opened (created when missing) and locked; checkpoints allowed. */
    RUN,
    /** Maintenance of existing checkpoints (pin, prune, delete): existing levels only, locked; no checkpoints. */
    MAINTAIN,
    /** Restoring or inspecting only: existing levels only, not locked, nothing written. */
    READ
  }

  public Engine(Settings settings, Path base, LongSupplier nanos, Function<Settings.LevelSpec, Storage> storageFactory,
      Access access) {
    this.readOnly = access == Access.READ;
    this.checkpoints = access == Access.RUN;
    this.run = settings.get("name");
    this.mode = settings.mode();
    this.policy = new IntervalPolicy(settings, nanos);
    Path filesDir = settings.get("files.dir") != null
        ? Path.of(settings.get("files.dir"))
        : base.resolve("files").resolve(run);
    this.state = new ProtectedState(filesDir, settings.fileModes());
    this.levels = new LevelSet(settings, base, run, storageFactory, access != Access.RUN, readOnly,
        new LevelStore.ChunkPool());
    this.stats = new StatsKeeper(run, mode.name().toLowerCase(java.util.Locale.ROOT), levels::runStorage, policy);
    this.attempts = new RestoreAttempts(run, settings.integer("restore.max-attempts"), levels::runStorage);
    this.catalog = new Catalog(run, levels.all());
    this.restorer = new Restorer(run, levels.all(), catalog, state, attempts);
    RunStats previous = stats.previous(); // a restarted run starts with the checkpoint cost its previous incarnation measured
    if (previous != null && access == Access.RUN) stats.continueFrom(previous);
    if (previous != null && previous.lastCostSeconds() > 0 && Double.isFinite(previous.lastCostSeconds()))
      policy.seedCost(previous.lastCostSeconds());
    if (settings.bool("signals") && access == Access.RUN) Signals.install();
    this.signalsSeen = Signals.count();
    this.writer = new CheckpointWriter(settings, run, levels, policy, stats, attempts);
  }

  /** The storage a level gets when no factory gives one: process memory, or a directory named after the run. */
  public static Storage defaultStorage(Settings.LevelSpec spec, String run) {
    return LevelSet.defaultStorage(spec, run);
  }

  public List<LevelStore> levels() { return levels.all(); }
  public Path filesDir() { return state.filesDir(); }
  public IntervalPolicy policy() { return policy; }
  public Settings.Mode mode() { return mode; }

  // ---------------------------------------------------------------- protect and route

  public void protect(RegionSource r) {
    checkOpen();
    state.protect(r);
  }

  public void unprotect(String name) { state.unprotect(name); }

  /** Where the program writes (before a checkpoint) or reads (after a restore) the routed file {@code name}. */
  public Path route(String name) {
    checkOpen();
    return state.route(name);
  }

  // ---------------------------------------------------------------- checkpoint

  public boolean due() {
    checkOpen();
    reportBackgroundFailure();
    boolean d = policy.due();
    return d || preemptionRequested();
  }

  public boolean preemptionRequested() { return Signals.count() > signalsSeen; }

  private void checkOpen() {
    if (closed) throw new IllegalStateException("checkpointer '" + run + "' is closed");
  }

  private void reportBackgroundFailure() {
    AsyncFlusher f = writer.flusher();
    CairnException e = f == null ? null : f.failures("");
    if (e != null) throw e;
  }

  /** A checkpoint in progress or done. */
  public record Pending(long version, java.util.concurrent.CompletableFuture<Version> committed, boolean skipped) {}

  public Pending checkpoint(String label, long step, Map<String, String> meta) {
    checkOpen();
    if (readOnly)
      throw new IllegalStateException(
          "checkpointer '" + run + "' was opened read-only (for restoring); it cannot checkpoint");
    if (!checkpoints)
      throw new IllegalStateException("checkpointer '" + run + "' was opened for maintenance; it cannot checkpoint");
    reportBackgroundFailure();
    boolean all = preemptionRequested();
    if (all) signalsSeen = Signals.count();
    CheckpointWriter.Pending p = writer.checkpoint(state.sources(), all, label, step, meta);
    return new Pending(p.version(), p.committed(), p.skipped());
  }

  /** The last write time of each level, in seconds (see {@link RunStats#levelWriteSeconds()}). */
  public Map<String, Double> levelWriteSeconds() {
    return stats.snapshot().levelWriteSeconds();
  }

  // ---------------------------------------------------------------- versions

  /** Committed versions over all levels, newest first, with the levels holding each. */
  public TreeMap<Long, List<LevelStore>> catalog() {
    return catalog.catalog();
  }

  public List<Version> versions() { return catalog.versions(); }

  private void checkWritable(String what) {
    checkOpen();
    if (readOnly)
      throw new IllegalStateException(
          "checkpointer '" + run + "' was opened read-only; it cannot " + what + " versions");
  }

  /** Pins a committed version in every level holding it: retention keeps it besides the newest {@code keep}. */
  public List<String> pin(long version) {
    checkWritable("pin");
    return catalog.pin(version);
  }

  /** Unpins a version; the next retention pass may remove it. */
  public List<String> unpin(long version) {
    checkWritable("unpin");
    return catalog.unpin(version);
  }

  /**
   * Removes a committed version from every level now. Background checkpoints are drained first (an
   * incremental version being written may reference the one removed), and the next checkpoint of
   * every level is full (its incremental base may be the one removed).
   */
  public List<String> delete(long version) {
    List<Long> left = writer.drain(Long.MAX_VALUE / 4);
    if (!left.isEmpty())
      throw new CairnException(
          "cannot delete version " + version + " of '" + run + "': checkpoints " + left + " are still being written");
    checkWritable("delete");
    return catalog.delete(version);
  }

  /** Pinned versions over all levels. */
  public TreeSet<Long> pinned() {
    checkOpen();
    return catalog.pinned();
  }

  /** The regions of a committed version, from the first level whose manifest reads. */
  public List<RegionEntry> regions(long version) {
    checkOpen();
    return catalog.regions(version);
  }

  /** Applies retention now in every level ({@code keep} > 0: instead of each level's configured keep); background checkpoints are drained first. */
  public List<Catalog.Pruned> prune(int keep) {
    List<Long> left = writer.drain(Long.MAX_VALUE / 4);
    if (!left.isEmpty())
      throw new CairnException("cannot prune '" + run + "': checkpoints " + left + " are still being written");
    checkWritable("prune");
    return catalog.prune(keep);
  }

  /** Re-reads every committed copy (each version in each level) and checks every chunk. */
  public List<Catalog.Checked> verify() {
    checkOpen();
    return catalog.verify();
  }

  /** Version {@code version} as level {@code level} stores it (the first level holding it when null); empty when none does. */
  public Optional<Catalog.Stored> inspect(long version, String level) {
    checkOpen();
    return catalog.inspect(version, level);
  }

  // ---------------------------------------------------------------- restore

  /** Restores the newest version that verifies; empty when there is none (a fresh start). */
  public Optional<Version> restoreLatest() {
    return restore(-1);
  }

  /** Restores version {@code wanted} (or the newest when -1), falling back across levels and (for -1) to older versions. */
  public Optional<Version> restore(long wanted) {
    return restore(wanted, null);
  }

  /**
   * Like {@link #restore(long)}; with {@code only} non-null, restores just those regions (each must be
   * protected and in the version; the others are neither read nor required to be protected).
   */
  public Optional<Version> restore(long wanted, Set<String> only) {
    checkOpen();
    Optional<Restorer.Restored> r = restorer.restore(wanted, only, checkpoints);
    if (r.isEmpty()) return Optional.empty();
    stats.restored(r.get().seconds());
    policy.restarted();
    return Optional.of(r.get().version());
  }

  // ---------------------------------------------------------------- shutdown

  /** Waits for background checkpoints (all of them, or until the timeout); returns those not committed. */
  public List<Long> drain(long timeoutMillis) {
    return writer.drain(timeoutMillis);
  }

  @Override
  public void close() {
    if (closed) return;
    writer.close();
    AsyncFlusher f = writer.flusher();
    CairnException pendingFailure = f == null ? null : f.failures(" before close");
    closed = true;
    levels.close();
    if (pendingFailure != null) throw pendingFailure;
  }
}
