package io.cairn.internal.engine;

import io.cairn.CairnException;
import io.cairn.CheckpointLockedException;
import io.cairn.StateMismatchException;
import io.cairn.Version;
import io.cairn.internal.Settings;
import io.cairn.internal.format.Kind;
import io.cairn.internal.format.Manifest;
import io.cairn.internal.format.RegionEntry;
import io.cairn.internal.store.LevelDirs;
import io.cairn.internal.store.MemoryStorage;
import io.cairn.internal.store.Providers;
import io.cairn.spi.Storage;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checkpoint engine behind {@code Checkpointer}: capture, then for each due level write
 * (incremental diff, compression, checksums, pack, manifest last), then retention. Synchronous and
 * asynchronous checkpoints run the same stages; only who waits differs.
 */
public final class Engine implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Engine.class);

  private final Settings settings;
  private final String run;
  private final Path filesDir;
  private final List<LevelStore> levels;
  private final List<AutoCloseable> locks = new ArrayList<>();
  private final LinkedHashMap<String, RegionSource> regions = new LinkedHashMap<>();
  private final Map<String, Path> routed = new LinkedHashMap<>();
  private final IntervalPolicy policy;
  private final int blockSize;
  private final String writer;
  private final Settings.Mode mode;
  private final long stagingLimit;
  private final Settings.WhenFull whenFull;
  private final int maxAttempts;
  private final ExecutorService flusher;
  private final Object stagingLock = new Object();
  private long staged;
  private final TreeMap<Long, CompletableFuture<Version>> inFlight = new TreeMap<>();
  /** Background checkpoints that failed and were not yet reported to the program (each is also on its future and logged). */
  private final List<Failed> unreported = new ArrayList<>();

  private record Failed(long version, Throwable error) { }
  private long nextVersion;
  private long ordinal;
  private long signalsSeen;
  private volatile boolean closed;
  private final Thread shutdownHook;
  private final Stats stats = new Stats();
  private final boolean readOnly;
  private final LevelStore.ChunkPool chunkPool = new LevelStore.ChunkPool();
  private final StagingPool staging;

  /** Statistics kept for {@code stats.json} and {@code cairn advise}. */
  static final class Stats {
    long checkpoints;
    double lastCost, sumCost, lastRestore = -1;
    long lastBytes;
    final Map<String, Double> levelSeconds = new TreeMap<>();
  }

  public Engine(Settings settings, Path base, LongSupplier nanos, Function<Settings.LevelSpec, Storage> storageFactory) {
    this(settings, base, nanos, storageFactory, false);
  }

  /**
   * @param readOnly open for restoring only: no lock (several readers, e.g. parallel replays, may share
   *     the directories), nothing is created or written, and {@link #checkpoint} is refused
   */
  public Engine(Settings settings, Path base, LongSupplier nanos, Function<Settings.LevelSpec, Storage> storageFactory,
      boolean readOnly) {
    this.readOnly = readOnly;
    this.settings = settings;
    this.run = settings.get("name");
    this.filesDir = settings.get("files.dir") != null ? Path.of(settings.get("files.dir")) : base.resolve("files").resolve(run);
    this.blockSize = (int) settings.bytes("block-size");
    this.mode = settings.mode();
    this.stagingLimit = settings.bytes("async.staging-limit");
    this.whenFull = settings.whenFull();
    this.maxAttempts = settings.integer("restore.max-attempts");
    this.policy = new IntervalPolicy(settings, nanos);
    this.writer = ProcessHandle.current().pid() + "@" + hostName();
    this.levels = new ArrayList<>();
    try {
      for (Settings.LevelSpec spec : settings.levels(base)) {
        Storage st = storageFactory != null ? storageFactory.apply(spec) : null;
        if (st == null) st = Providers.open(spec, settings.levelOptions(spec.name()), run, readOnly); // kinds of other modules (s3)
        if (st == null) st = readOnly ? existingStorage(spec, run) : defaultStorage(spec, run);
        if (st == null) continue; // read-only, and this level has no directory: nothing to read there
        LevelStore ls = new LevelStore(spec, st, settings.integer("incremental.full-every"), chunkPool);
        if (readOnly) {
          levels.add(ls);
          continue;
        }
        try {
          locks.add(st.lock(".lock", "pid " + ProcessHandle.current().pid() + " on " + hostName() + ", opened " + Instant.now()));
        } catch (CheckpointLockedException e) {
          throw new CheckpointLockedException("level '" + spec.name() + "' (" + st.describe() + "): " + e.getMessage(), e.directory(),
              e.holder().orElse(null), e);
        } catch (IOException e) {
          throw new CairnException("level '" + spec.name() + "' (" + st.describe() + "): " + e.getMessage(), e);
        }
        levels.add(ls);
      }
      long max = 0;
      for (LevelStore l : levels) {
        TreeSet<Long> all;
        try {
          all = l.allVersionDirs();
        } catch (IOException e) {
          if (Providers.get(l.spec().kind()) == null) throw e;
          // a remote level (object store) that cannot be reached now: the other levels still work; its
          // writes fail (and are reported) until it is back, and it never overwrites what it holds
          log.error("level '{}' ({}) cannot be listed; checkpoints go to the other levels until it can: {}", l.name(),
              l.storage().describe(), e.getMessage());
          continue;
        }
        if (!all.isEmpty()) max = Math.max(max, all.last());
      }
      this.nextVersion = max + 1;
    } catch (IOException e) {
      closeLocks();
      throw new CairnException("cannot open checkpoint levels: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeLocks();
      throw e;
    }
    this.flusher = mode == Settings.Mode.ASYNC
        ? Executors.newSingleThreadExecutor(Thread.ofPlatform().name("cairn-flush-" + run).daemon(true).factory()) : null;
    seedCostFromStats();
    if (settings.bool("signals") && !readOnly) Signals.install();
    this.signalsSeen = Signals.count();
    this.staging = new StagingPool(stagingLimit);
    this.shutdownHook = mode == Settings.Mode.ASYNC ? new Thread(this::drainAtExit, "cairn-drain-" + run) : null;
    if (shutdownHook != null) Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  static String hostName() {
    String h = System.getenv("HOSTNAME");
    if (h == null) {
      try { h = java.net.InetAddress.getLocalHost().getHostName(); } catch (IOException e) { h = "localhost"; }
    }
    return h;
  }

  /** The level's storage if its directory exists (read-only opening), else null. */
  static Storage existingStorage(Settings.LevelSpec spec, String run) {
    if (spec.kind().equals("process")) return null;
    try {
      return LevelDirs.existing(spec, run);
    } catch (IOException e) {
      throw new CairnException("level '" + spec.name() + "': " + e.getMessage(), e);
    }
  }

  public static Storage defaultStorage(Settings.LevelSpec spec, String run) {
    if (spec.kind().equals("process")) return new MemoryStorage(spec.name() + "/" + run);
    try {
      return LevelDirs.open(spec, run);
    } catch (IOException e) {
      throw new CairnException("level '" + spec.name() + "': cannot open the checkpoint directory: " + e.getMessage(), e);
    }
  }

  public List<LevelStore> levels() { return levels; }
  public Path filesDir() { return filesDir; }
  public IntervalPolicy policy() { return policy; }
  public Settings.Mode mode() { return mode; }

  public void protect(RegionSource r) {
    checkOpen();
    if (regions.containsKey(r.name()) || routed.containsKey(r.name()))
      throw new IllegalArgumentException("a region named '" + r.name() + "' is already protected");
    if (r.name().isEmpty() || r.name().length() > 1024) throw new IllegalArgumentException("region name must be 1..1024 characters");
    regions.put(r.name(), r);
  }

  public void unprotect(String name) { regions.remove(name); }

  /** Where the program writes (before a checkpoint) or reads (after a restore) the routed file {@code name}. */
  public Path route(String name) {
    checkOpen();
    if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,254}"))
      throw new IllegalArgumentException("file name '" + name + "': use letters, digits, '.', '_' or '-' (no directories)");
    if (regions.containsKey(name)) throw new IllegalArgumentException("'" + name + "' is already a protected region");
    Path p = filesDir.resolve(name);
    routed.put(name, p);
    try {
      settings.fileModes().createDirectories(filesDir); // private like the levels (key permissions)
    } catch (IOException e) {
      throw new CairnException("cannot create the routed-files directory " + filesDir + ": " + e.getMessage(), e);
    }
    return p;
  }

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
    CairnException e = backgroundFailures("");
    if (e != null) throw e;
  }

  /** Every background failure not yet reported, in one exception (the others suppressed in it); null when none. */
  private CairnException backgroundFailures(String when) {
    List<Failed> all;
    synchronized (unreported) {
      if (unreported.isEmpty()) return null;
      all = new ArrayList<>(unreported);
      unreported.clear();
    }
    CairnException e;
    if (all.size() == 1) {
      Failed f = all.getFirst();
      e = new CairnException("a background checkpoint failed" + when + " (version " + f.version() + "): " + f.error().getMessage()
          + " (older committed versions are intact)", f.error());
    } else {
      StringBuilder sb = new StringBuilder(all.size() + " background checkpoints failed" + when + " (older committed versions are intact):");
      for (Failed f : all) sb.append("\n  checkpoint ").append(f.version()).append(": ").append(f.error().getMessage());
      e = new CairnException(sb.toString(), all.getFirst().error());
      for (Failed f : all.subList(1, all.size())) e.addSuppressed(f.error());
    }
    return e;
  }

  /** A checkpoint in progress or done. */
  public record Pending(long version, CompletableFuture<Version> committed, boolean skipped) { }

  public Pending checkpoint(String label, long step, Map<String, String> meta) {
    checkOpen();
    if (readOnly) throw new IllegalStateException("checkpointer '" + run + "' was opened read-only (for restoring); it cannot checkpoint");
    reportBackgroundFailure();
    long t0 = System.nanoTime();
    long v = nextVersion++;
    ordinal++;
    boolean all = preemptionRequested();
    if (all) signalsSeen = Signals.count();
    List<LevelStore> targets = new ArrayList<>();
    for (LevelStore l : levels) if (all || (ordinal - 1) % l.spec().every() == 0) targets.add(l);
    LevelStore.Header h = new LevelStore.Header(run, v, System.currentTimeMillis(), writer, label, step, meta);
    List<RegionSource> srcs = new ArrayList<>(regions.values());
    for (var e : routed.entrySet()) {
      if (Files.isRegularFile(e.getValue())) srcs.add(new Regions.FileRegion(e.getKey(), e.getValue()));
    }
    if (mode == Settings.Mode.SYNC) {
      try (Arena arena = Arena.ofShared()) { // shared: the pack writer thread reads mapped files in place
        List<LevelStore.Captured> cap = capture(srcs, arena, null);
        Version ver = writeLevels(h, cap, targets);
        double secs = (System.nanoTime() - t0) / 1e9;
        policy.checkpointed(secs);
        recordStats(secs, cap);
        return new Pending(v, CompletableFuture.completedFuture(ver), false);
      } catch (IOException e) {
        throw new CairnException("checkpoint " + v + " of '" + run + "': cannot capture state: " + e.getMessage(), e);
      } catch (OutOfMemoryError e) {
        throw new CairnException("checkpoint " + v + " of '" + run + "': not enough memory to capture the state (" + e.getMessage()
            + "); older committed versions are intact", e);
      }
    }
    long need = 0;
    for (RegionSource r : srcs) need += estimate(r);
    synchronized (stagingLock) {
      if (need > stagingLimit) {
        throw new CairnException("checkpoint " + v + " needs " + need + " bytes of staging memory but async.staging-limit is "
            + stagingLimit + "; raise the limit or use mode=sync");
      }
      while (staged + need > stagingLimit) {
        if (whenFull == Settings.WhenFull.SKIP) {
          log.warn("checkpoint {} of '{}' skipped: staging memory full ({} of {} bytes in flight); async.when-full=skip",
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
    Arena arena = Arena.ofShared();
    List<MemorySegment> taken = new ArrayList<>();
    List<LevelStore.Captured> cap;
    try {
      cap = capture(srcs, arena, new RegionSource.Stager() {
        @Override public MemorySegment copy(MemorySegment view) {
          MemorySegment copy = allocate(view.byteSize());
          MemorySegment.copy(view, 0, copy, 0, view.byteSize());
          return copy;
        }
        @Override public MemorySegment allocate(long size) {
          MemorySegment s = staging.take(size);
          taken.add(s);
          return s.asSlice(0, size);
        }
      });
    } catch (IOException | RuntimeException | OutOfMemoryError e) {
      arena.close();
      staging.give(taken);
      release(need);
      throw new CairnException("checkpoint " + v + " of '" + run + "': cannot capture state: " + e.getMessage()
          + (e instanceof OutOfMemoryError ? " (not enough memory for the staging copy: lower async.staging-limit or use mode=sync)" : ""), e);
    }
    arena.close(); // mappings of routed files are not needed once copied
    double secs = (System.nanoTime() - t0) / 1e9;
    policy.checkpointed(secs);
    CompletableFuture<Version> f = new CompletableFuture<>();
    synchronized (inFlight) { inFlight.put(v, f); }
    long reserved = need;
    flusher.execute(() -> {
      Version ver = null;
      Throwable err = null;
      try {
        ver = writeLevels(h, cap, targets);
        recordStats(secs, cap);
      } catch (Throwable e) {
        err = e;
        synchronized (unreported) { unreported.add(new Failed(v, e)); }
        log.error("background checkpoint {} of '{}' failed: {}", v, run, e.getMessage());
      } finally {
        staging.give(taken);
        release(reserved);
        synchronized (inFlight) { inFlight.remove(v); }
      }
      // staging memory is released before anyone waiting on the future wakes up
      if (err == null) f.complete(ver); else f.completeExceptionally(err);
    });
    return new Pending(v, f, false);
  }

  private void release(long n) {
    synchronized (stagingLock) {
      staged -= n;
      stagingLock.notifyAll();
    }
  }

  private static long estimate(RegionSource r) {
    if (r.length() >= 0) return r.length() * r.kind().elementSize;
    if (r instanceof Regions.FileRegion fr) {
      try { return Files.size(fr.path()); } catch (IOException e) { return 0; }
    }
    return 0; // objects: known only after save(); they are small by design
  }

  private static List<LevelStore.Captured> capture(List<RegionSource> srcs, Arena arena, RegionSource.Stager stager) throws IOException {
    List<LevelStore.Captured> out = new ArrayList<>(srcs.size());
    for (RegionSource r : srcs) {
      var seg = r.capture(arena, stager);
      long len = r.length() >= 0 ? r.length() : seg.byteSize();
      out.add(new LevelStore.Captured(r.name(), r.kind(), len, seg));
    }
    return out;
  }

  private Version writeLevels(LevelStore.Header h, List<LevelStore.Captured> cap, List<LevelStore> targets) {
    List<String> ok = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    long bytes = 0;
    for (LevelStore l : targets) {
      try {
        LevelStore.Written w = l.write(h, cap, blockSize);
        ok.add(l.name());
        bytes = w.manifest().logicalBytes();
        synchronized (stats) { stats.levelSeconds.put(l.name(), w.nanos() / 1e9); }
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
      throw new CairnException("checkpoint " + h.version() + " of '" + run + "' failed on every level; older committed versions are intact:\n  "
          + String.join("\n  ", failed));
    }
    clearAttempts();
    Storage statsSt = statsStorage();
    if (statsSt != null) RestoreFailures.committed(statsSt.describe(), this);
    return new Version(h.version(), Instant.ofEpochMilli(h.created()), h.label(), h.step(), h.meta(), bytes, ok);
  }

  private void recordStats(double secs, List<LevelStore.Captured> cap) {
    long bytes = 0;
    for (LevelStore.Captured c : cap) bytes += c.data().byteSize();
    String json;
    synchronized (stats) {
      stats.checkpoints++;
      stats.lastCost = secs;
      stats.sumCost += secs;
      stats.lastBytes = bytes;
      json = statsJson();
    }
    Storage st = statsStorage();
    if (st == null) return;
    try {
      try (Storage.Output o = st.create("stats.json.tmp")) {
        o.write(ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8)));
        o.sync(); // before the rename: a crash never leaves an empty or partial stats.json in place
      }
      st.rename("stats.json.tmp", "stats.json");
    } catch (IOException e) {
      log.debug("cannot write stats.json: {}", e.getMessage());
    }
  }

  private String statsJson() {
    StringBuilder lv = new StringBuilder();
    stats.levelSeconds.forEach((k, v) -> lv.append(lv.isEmpty() ? "" : ",").append('"').append(k).append("\":")
        .append(String.format(Locale.ROOT, "%.6f", v)));
    return String.format(Locale.ROOT,
        "{\"format\":1,\"name\":\"%s\",\"mode\":\"%s\",\"checkpoints\":%d,\"lastCostSeconds\":%.6f,\"meanCostSeconds\":%.6f,"
            + "\"lastBytes\":%d,\"lastRestoreSeconds\":%.6f,\"levelWriteSeconds\":{%s}}%n",
        run, mode.name().toLowerCase(Locale.ROOT), stats.checkpoints, stats.lastCost,
        stats.checkpoints == 0 ? 0 : stats.sumCost / stats.checkpoints, stats.lastBytes, stats.lastRestore, lv);
  }

  /** A restarted run starts with the checkpoint cost its previous incarnation measured (from stats.json). */
  private void seedCostFromStats() {
    Storage st = statsStorage();
    if (st == null) return;
    try {
      if (!st.exists("stats.json")) return;
      try (Storage.Input in = st.open("stats.json")) {
        ByteBuffer b = ByteBuffer.allocate((int) Math.min(1 << 16, in.size()));
        in.readFully(0, b);
        var m = java.util.regex.Pattern.compile("\"lastCostSeconds\":([0-9.eE+-]+)").matcher(new String(b.array(), StandardCharsets.UTF_8));
        if (m.find()) {
          double c = Double.parseDouble(m.group(1));
          if (c > 0 && Double.isFinite(c)) policy.seedCost(c);
        }
      }
    } catch (IOException | RuntimeException e) {
      log.debug("no usable stats.json: {}", e.getMessage());
    }
  }

  /** The first level that survives the process (for attempt counters and statistics). */
  private Storage statsStorage() {
    for (LevelStore l : levels) if (!l.spec().kind().equals("process")) return l.storage();
    return null;
  }

  // ---------------------------------------------------------------- restore

  /** Committed versions over all levels, newest first, with the levels holding each. */
  public TreeMap<Long, List<LevelStore>> catalog() {
    TreeMap<Long, List<LevelStore>> out = new TreeMap<>(java.util.Comparator.reverseOrder());
    for (LevelStore l : levels) {
      try {
        for (long v : l.committed()) out.computeIfAbsent(v, k -> new ArrayList<>()).add(l);
      } catch (IOException e) {
        log.warn("level {} ({}) cannot be listed: {}", l.name(), l.storage().describe(), e.getMessage());
      }
    }
    return out;
  }

  public List<Version> versions() {
    List<Version> out = new ArrayList<>();
    for (var e : catalog().entrySet()) {
      Manifest m = null;
      List<String> names = new ArrayList<>();
      for (LevelStore l : e.getValue()) {
        names.add(l.name());
        if (m == null) {
          try { m = l.readManifest(e.getKey()); } catch (IOException ignored) { /* listed as damaged below */ }
        }
      }
      if (m == null) continue;
      out.add(new Version(m.version(), Instant.ofEpochMilli(m.createdMillis()), m.label(), m.step(), m.metadata(),
          m.logicalBytes(), names));
    }
    return out.reversed();
  }

  private interface LevelAction { boolean apply(LevelStore l) throws IOException; }

  /** Applies {@code action} to {@code version} in every level; returns the levels where it applied. */
  private List<String> onLevels(long version, String what, LevelAction action) {
    checkOpen();
    if (readOnly) throw new IllegalStateException("checkpointer '" + run + "' was opened read-only; it cannot " + what + " versions");
    List<String> done = new ArrayList<>();
    for (LevelStore l : levels) {
      try {
        if (action.apply(l)) done.add(l.name());
      } catch (IOException e) {
        throw new CairnException("cannot " + what + " version " + version + " of '" + run + "' in level '" + l.name() + "' ("
            + l.storage().describe() + "): " + e.getMessage(), e);
      }
    }
    return done;
  }

  /** Pins a committed version in every level holding it: retention keeps it besides the newest {@code keep}. */
  public List<String> pin(long version) {
    List<String> done = onLevels(version, "pin", l -> l.pin(version));
    if (done.isEmpty()) throw new CairnException("version " + version + " of '" + run + "' is not committed in any level (committed: "
        + catalog().descendingKeySet() + ")");
    return done;
  }

  /** Unpins a version; the next retention pass may remove it. */
  public List<String> unpin(long version) { return onLevels(version, "unpin", l -> l.unpin(version)); }

  /**
   * Removes a committed version from every level now. Background checkpoints are drained first (an
   * incremental version being written may reference the one removed), and the next checkpoint of
   * every level is full (its incremental base may be the one removed).
   */
  public List<String> delete(long version) {
    List<Long> left = drain(Long.MAX_VALUE / 4);
    if (!left.isEmpty()) throw new CairnException("cannot delete version " + version + " of '" + run + "': checkpoints " + left + " are still being written");
    List<String> done = onLevels(version, "delete", l -> l.delete(version));
    if (done.isEmpty()) throw new CairnException("version " + version + " of '" + run + "' is not committed in any level");
    for (LevelStore l : levels) l.resetBase();
    return done;
  }

  /** Pinned versions over all levels. */
  public TreeSet<Long> pinned() {
    checkOpen();
    TreeSet<Long> out = new TreeSet<>();
    for (LevelStore l : levels) {
      try {
        out.addAll(l.pinned());
      } catch (IOException e) {
        log.warn("level {} ({}) cannot be listed: {}", l.name(), l.storage().describe(), e.getMessage());
      }
    }
    return out;
  }

  /** The regions of a committed version, from the first level whose manifest reads. */
  public List<io.cairn.Checkpointer.Region> regions(long version) {
    checkOpen();
    List<LevelStore> holders = catalog().get(version);
    if (holders == null) throw new CairnException("version " + version + " of '" + run + "' is not committed in any level");
    List<String> problems = new ArrayList<>();
    for (LevelStore l : holders) {
      try {
        Manifest m = l.readManifest(version);
        return m.regions().stream().map(r -> new io.cairn.Checkpointer.Region(r.name(), switch (r.kind()) {
          case BUFFER -> "buffer";
          case OBJECT -> "object";
          case FILE -> "file";
          default -> r.kind().describe();
        }, r.kind() == Kind.BUFFER || r.kind() == Kind.OBJECT || r.kind() == Kind.FILE ? r.byteLength() : r.length())).toList();
      } catch (IOException e) {
        problems.add("level '" + l.name() + "': " + e.getMessage());
      }
    }
    throw new CairnException("version " + version + " of '" + run + "': no readable manifest: " + String.join("; ", problems));
  }

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
    if (only != null && only.isEmpty()) throw new IllegalArgumentException("no region named for a partial restore");
    long t0 = System.nanoTime();
    TreeMap<Long, List<LevelStore>> cat = catalog();
    if (wanted > 0 && !cat.containsKey(wanted)) {
      throw new CairnException("version " + wanted + " of '" + run + "' is not committed in any level (committed: " + cat.keySet() + ")");
    }
    List<String> problems = new ArrayList<>();
    List<Long> skippedForFailures = new ArrayList<>();
    for (var e : cat.entrySet()) {
      long v = e.getKey();
      if (wanted > 0 && v != wanted) continue;
      int failures = failures(v);
      if (wanted < 0 && failures >= maxAttempts) {
        String why = "version " + v + " skipped: the program failed " + failures + " times after restoring it, each time before a new"
            + " checkpoint (restore.max-attempts=" + maxAttempts + ")";
        log.warn(why);
        problems.add(why);
        skippedForFailures.add(v);
        continue;
      }
      for (LevelStore l : e.getValue()) {
        Manifest m;
        try {
          m = l.readManifest(v);
        } catch (IOException ex) {
          problems.add("version " + v + " in level '" + l.name() + "': " + ex.getMessage());
          log.warn("version {} in level {} is damaged ({}); trying the next copy", v, l.name(), ex.getMessage());
          continue;
        }
        checkMatches(m, only); // a refusal: thrown at once, counted nowhere (not the checkpoint's fault)
        try {
          Map<String, RegionSource.Sink> sinks = new LinkedHashMap<>();
          List<RegionEntry> wantedRegions = only == null ? m.regions() : m.regions().stream().filter(r -> only.contains(r.name())).toList();
          for (RegionEntry r : wantedRegions) {
            RegionSource src = r.kind() == Kind.FILE ? new Regions.FileRegion(r.name(), filesDir.resolve(safeFileName(r.name())))
                : regions.get(r.name());
            if (r.kind() == Kind.FILE) routed.put(r.name(), filesDir.resolve(r.name()));
            sinks.put(r.name(), src.sink(r));
          }
          for (RegionEntry r : wantedRegions) if (r.kind() == Kind.FILE) checkRoomFor(r);
          l.read(m, wantedRegions, sinks, new LevelStore.Scratch());
        } catch (StateMismatchException ex) {
          // a Checkpointable refused what it read (another configuration): a refusal, not damage; older
          // versions are not tried (they would be refused too, or silently resume further back)
          if (ex.getClass() == StateMismatchException.class && ex.getMessage().contains("checkpoint version -1:"))
            throw new StateMismatchException(v, ex.differences());
          throw ex;
        } catch (IOException | RuntimeException ex) {
          problems.add("version " + v + " in level '" + l.name() + "': " + ex.getMessage());
          log.warn("version {} in level {} failed to restore ({}); trying the next copy", v, l.name(), ex.getMessage());
          continue;
        } catch (OutOfMemoryError ex) {
          // the environment's fault, not the checkpoint's: fall back, count nothing
          String why = "version " + v + " in level '" + l.name() + "': not enough memory to restore it (" + ex.getMessage()
              + "; " + m.logicalBytes() + " bytes of state, block size " + m.blockSize() + "): raise -Xmx / -XX:MaxDirectMemorySize";
          problems.add(why);
          log.warn("{}; trying the next copy", why);
          continue;
        }
        if (!problems.isEmpty()) log.warn("restored version {} from level '{}' after: {}", v, l.name(), problems);
        else log.info("restored version {} of '{}' from level '{}'", v, run, l.name());
        for (LevelStore other : levels) other.resetBase();
        if (!readOnly && only == null && statsStorage() != null) RestoreFailures.watch(statsStorage().describe(), this, v);
        synchronized (stats) { stats.lastRestore = (System.nanoTime() - t0) / 1e9; }
        policy.restarted();
        List<String> names = e.getValue().stream().map(LevelStore::name).toList();
        return Optional.of(new Version(v, Instant.ofEpochMilli(m.createdMillis()), m.label(), m.step(), m.metadata(),
            m.logicalBytes(), names));
      }
      if (wanted > 0) break;
    }
    if (cat.isEmpty()) return Optional.empty();
    if (!skippedForFailures.isEmpty()) {
      long newest = skippedForFailures.getFirst();
      Storage st = statsStorage();
      problems.add("to restore version " + newest + " anyway: call restore(" + newest + ") for that version, or raise restore.max-attempts"
          + " (CAIRN_RESTORE_MAX_ATTEMPTS) above " + failures(newest) + ", or delete "
          + (st == null ? "" : st.describe() + "/") + "attempts/" + LevelStore.dir(newest));
    }
    throw new CairnException("no valid checkpoint of '" + run + "' could be restored" + (wanted > 0 ? " at version " + wanted : "")
        + ":\n  " + String.join("\n  ", problems));
  }

  /** A file region must fit on the disk of the routed-files directory (a crafted size must not fill it). */
  private void checkRoomFor(RegionEntry r) throws IOException {
    Path p = filesDir;
    while (p != null && !Files.exists(p)) p = p.getParent();
    if (p == null) return;
    long free = Files.getFileStore(p).getUsableSpace();
    if (r.byteLength() > free)
      throw new IOException("file '" + r.name() + "' is " + r.byteLength() + " bytes but only " + free + " bytes are free in " + p);
  }

  private static String safeFileName(String name) {
    if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,254}")) throw new CairnException("routed file name '" + name + "' in checkpoint is invalid");
    return name;
  }

  private void checkMatches(Manifest m, Set<String> only) {
    List<String> diffs = new ArrayList<>();
    Map<String, RegionEntry> saved = new LinkedHashMap<>();
    for (RegionEntry r : m.regions()) if (r.kind() != Kind.FILE) saved.put(r.name(), r);
    if (only != null) {
      for (String n : only) {
        if (regions.containsKey(n)) continue; // compared below
        boolean file = m.regions().stream().anyMatch(r -> r.name().equals(n) && r.kind() == Kind.FILE);
        if (!file) diffs.add("'" + n + "' is asked for but " + (saved.containsKey(n) ? "not protected: protect it to restore it" : "neither protected nor a file of the checkpoint"));
      }
      saved.keySet().retainAll(only);
      saved.keySet().retainAll(regions.keySet());
    }
    for (RegionSource r : regions.values()) {
      if (only != null && !only.contains(r.name())) continue;
      RegionEntry s = saved.remove(r.name());
      if (s == null) {
        diffs.add("'" + r.name() + "' is protected but not in the checkpoint");
      } else if (s.kind() != r.kind()) {
        diffs.add("'" + r.name() + "' is " + r.kind().describe() + " but the checkpoint holds " + s.kind().describe());
      } else if (r.length() >= 0 && s.length() != r.length()) {
        diffs.add("'" + r.name() + "' has length " + r.length() + " but the checkpoint holds " + s.length());
      }
    }
    for (RegionEntry s : saved.values())
      diffs.add("the checkpoint holds '" + s.name() + "' (" + s.kind().describe() + (s.kind() == Kind.OBJECT ? "" : ", length " + s.length())
          + ") which is not protected");
    if (!diffs.isEmpty()) throw new StateMismatchException(m.version(), diffs);
  }

  /** Failures recorded after restoring version {@code v} (see {@link RestoreFailures}); 0 when none or unreadable. */
  private int failures(long v) {
    Storage st = statsStorage();
    if (st == null) return 0;
    String n = "attempts/" + LevelStore.dir(v);
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
    Storage st = statsStorage();
    if (st == null) return;
    int n = failures(v) + 1;
    String name = "attempts/" + LevelStore.dir(v);
    try {
      try (Storage.Output o = st.create(name + ".tmp")) {
        o.write(ByteBuffer.wrap(Integer.toString(n).getBytes(StandardCharsets.US_ASCII)));
        o.sync();
      }
      st.rename(name + ".tmp", name);
      st.syncDir("attempts");
      log.warn("the program failed after restoring version {} of '{}' ({}): failure {} of restore.max-attempts={} recorded in {}/{}",
          v, run, cause, n, maxAttempts, st.describe(), name);
    } catch (IOException | RuntimeException e) {
      String msg = "cairn: CANNOT RECORD that the program failed after restoring version " + v + " of '" + run + "' (" + cause
          + "): writing " + st.describe() + "/" + name + " failed: " + e.getMessage() + ". Protection against a restart loop is OFF"
          + " for this failure: if the failure repeats, every restart restores version " + v + " again.";
      log.error(msg);
      System.err.println(msg);
    }
  }

  private void clearAttempts() {
    Storage st = statsStorage();
    if (st == null) return;
    try {
      for (String n : st.list("attempts")) st.delete("attempts/" + n);
    } catch (IOException e) {
      log.debug("cannot clear restore attempts: {}", e.getMessage());
    }
  }

  // ---------------------------------------------------------------- shutdown

  /** Waits for background checkpoints (all of them, or until the timeout); returns those not committed. */
  public List<Long> drain(long timeoutMillis) {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    List<Long> left = new ArrayList<>();
    List<Map.Entry<Long, CompletableFuture<Version>>> pending;
    synchronized (inFlight) { pending = new ArrayList<>(inFlight.entrySet()); }
    for (var e : pending) {
      try {
        e.getValue().get(Math.max(0, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException ex) {
        left.add(e.getKey());
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        left.add(e.getKey());
      } catch (java.util.concurrent.ExecutionException ex) {
        // reported through backgroundFailure
      }
    }
    return left;
  }

  private void drainAtExit() {
    List<Long> left = drain(30_000);
    if (!left.isEmpty()) log.warn("exiting with checkpoints {} of '{}' not committed (abandoned); committed versions are intact", left, run);
  }

  @Override public void close() {
    if (closed) return;
    Throwable pendingFailure = null;
    if (flusher != null) {
      List<Long> left = drain(Long.MAX_VALUE / 4);
      if (!left.isEmpty()) log.warn("close: checkpoints {} abandoned", left);
      flusher.shutdown();
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException ignored) {
        // already shutting down
      }
    }
    pendingFailure = backgroundFailures(" before close");
    closed = true;
    staging.close();
    closeLocks();
    if (pendingFailure != null) throw (CairnException) pendingFailure;
  }

  private void closeLocks() {
    for (AutoCloseable c : locks) {
      try { c.close(); } catch (Exception e) { log.debug("unlock failed: {}", e.getMessage()); }
    }
    locks.clear();
  }
}
