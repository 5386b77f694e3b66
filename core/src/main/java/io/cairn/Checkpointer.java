package io.cairn;

import io.cairn.internal.Settings;
import io.cairn.internal.engine.Engine;
import io.cairn.internal.engine.RegionSource;
import io.cairn.internal.engine.Regions;
import io.cairn.internal.format.Kind;
import io.cairn.internal.format.RegionEntry;
import io.cairn.spi.LevelInfo;
import io.cairn.spi.Storage;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Protects a program's state, checkpoints it to the configured levels and restores it.
 * Not thread-safe: call it from the thread that owns the protected state. Close it to release the
 * checkpoint directories (and, in async mode, to wait for background checkpoints).
 */
public final class Checkpointer implements AutoCloseable {
  /**
   * Exit code convention for "checkpointed after a preemption signal, please requeue me" (75,
   * EX_TEMPFAIL). A batch script can requeue the job when the program exits with it.
   */
  public static final int EXIT_REQUEUE = 75;

  private final Engine engine;

  private Checkpointer(Engine engine) { this.engine = engine; }

  // ------------------------------------------------------------------ protect

  public Checkpointer protect(String name, boolean[] a) { return array(name, a); }
  public Checkpointer protect(String name, byte[] a) { return array(name, a); }
  public Checkpointer protect(String name, char[] a) { return array(name, a); }
  public Checkpointer protect(String name, short[] a) { return array(name, a); }
  public Checkpointer protect(String name, int[] a) { return array(name, a); }
  public Checkpointer protect(String name, long[] a) { return array(name, a); }
  public Checkpointer protect(String name, float[] a) { return array(name, a); }
  public Checkpointer protect(String name, double[] a) { return array(name, a); }

  private Checkpointer array(String name, Object a) {
    engine.protect(Regions.array(Objects.requireNonNull(name, "name"), Objects.requireNonNull(a, "array")));
    return this;
  }

  /** Protects a heap or direct buffer, all of it (0..capacity), whatever its position and limit. */
  public Checkpointer protect(String name, ByteBuffer buffer) {
    engine.protect(Regions.buffer(Objects.requireNonNull(name, "name"), Objects.requireNonNull(buffer, "buffer")));
    return this;
  }

  /**
   * Protects device memory (an OpenCL buffer, CUDA memory: see the {@code cairn-device} module). It is
   * copied to host memory at each checkpoint, at a consistent point the memory guarantees, and written
   * back at restore; it is stored, and checked at restore, like an array of its element type and length.
   */
  public Checkpointer protect(String name, io.cairn.spi.DeviceMemory memory) {
    engine.protect(Regions.device(Objects.requireNonNull(name, "name"), Objects.requireNonNull(memory, "memory")));
    return this;
  }

  /** Protects an object that saves and loads its own state. */
  public Checkpointer protect(String name, Checkpointable object) {
    Objects.requireNonNull(object, "object");
    engine.protect(new ObjectRegion(Objects.requireNonNull(name, "name"), object));
    return this;
  }

  /**
   * Protects the object graph reachable from {@code root}: any classes (no {@code Serializable}),
   * cycles and shared references kept, collections, records, enums and arrays inside. Needs the
   * {@code cairn-objects} module on the class path. A restore fills the <em>same</em> root object again
   * (its fields are set to the restored values; a root {@code Map}, {@code Collection} or object array
   * gets the restored entries or elements), so references to the root stay valid; the objects below the
   * root are new ones. Restores never instantiate classes outside those reachable from the root's
   * declared field types and its current objects (plus {@code alsoAllowed}). See docs/objects.md.
   * A primitive array, {@code ByteBuffer}, {@link Checkpointable} or device memory given here is
   * protected as by its own overload.
   */
  public Checkpointer protect(String name, Object root, Class<?>... alsoAllowed) {
    Objects.requireNonNull(name, "name");
    switch (Objects.requireNonNull(root, "root")) {
      case ByteBuffer b -> protect(name, b);
      case Checkpointable c -> protect(name, c);
      case io.cairn.spi.DeviceMemory d -> protect(name, d);
      default -> {
        if (root.getClass().isArray() && root.getClass().getComponentType().isPrimitive()) return array(name, root);
        try {
          engine.protect(io.cairn.internal.engine.GraphRegion.of(name, root, List.of(alsoAllowed)));
        } catch (IllegalArgumentException e) {
          throw new CairnException(e.getMessage(), e);
        }
      }
    }
    return this;
  }

  /**
   * Protects the fields marked {@link Checkpointed} of {@code holder} (and what they reach), as one
   * region named after the holder's class ({@code getName()}); a restore sets those fields of the same
   * object again. Use {@link #register(String, Object)} for two holders of one class.
   */
  public Checkpointer register(Object holder) { return register(holder.getClass().getName(), holder); }

  /** {@link #register(Object)} under a region name of your choice. */
  public Checkpointer register(String name, Object holder) {
    boolean marked = false;
    for (Class<?> c = holder.getClass(); c != null && c != Object.class; c = c.getSuperclass())
      for (var f : c.getDeclaredFields()) marked |= f.isAnnotationPresent(Checkpointed.class);
    if (!marked)
      throw new CairnException("register(" + holder.getClass().getName() + "): no field is marked @Checkpointed");
    return protect(name, holder);
  }

  /** Stops protecting a region (it is no longer in later checkpoints). */
  public Checkpointer unprotect(String name) {
    engine.unprotect(name);
    return this;
  }

  /**
   * A file the program writes itself: returns the path to write it to. At each checkpoint the file, if
   * it exists, is taken into the checkpoint; after a restore, the file is back at this path. Cairn
   * owns the directory; the name is a plain file name.
   */
  public Path routeFile(String name) { return engine.route(name); }

  // ------------------------------------------------------------------ checkpoint

  /** True when a checkpoint is due by the interval policy, or a preemption signal arrived. */
  public boolean due() {
    return engine.due();
  }

  /** True once SIGTERM or SIGUSR1 arrived since the last checkpoint: checkpoint and exit with {@link #EXIT_REQUEUE}. */
  public boolean preemptionRequested() {
    return engine.preemptionRequested();
  }

  /**
   * The last preemption signal this JVM received ({@code "SIGTERM"} or {@code "SIGUSR1"}), empty when none did.
   * Lets a program tell "stop now" (SIGTERM: preemption, requeue, cancel) from "checkpoint soon" (SIGUSR1, e.g.
   * {@code scancel --signal=USR1} or a time-limit warning; see the slurm module's {@code SlurmJob.shouldStop}).
   */
  public java.util.Optional<String> lastSignal() {
    return java.util.Optional.ofNullable(io.cairn.internal.engine.Signals.lastSignal());
  }

  /** Takes a checkpoint now. */
  public Checkpoint checkpoint() { return checkpoint(Metadata.create()); }

  /**
   * Takes a checkpoint with metadata. In synchronous mode it returns once committed (throws when no level
   * could take it); in asynchronous mode once the state is captured.
   */
  public Checkpoint checkpoint(Metadata meta) {
    Engine.Pending p = engine.checkpoint(meta.label(), meta.step(), meta.values());
    return new Checkpoint(p.version(), p.committed(), p.skipped());
  }

  // ------------------------------------------------------------------ restore

  /** Restores the newest valid version (falling back to older ones); empty on a fresh start. */
  public Optional<Version> restoreLatest() {
    return engine.restoreLatest();
  }

  /** Restores the given version from whichever level holds a valid copy. */
  public Version restore(long version) {
    if (version < 1) throw new IllegalArgumentException("version must be >= 1");
    return engine.restore(version).orElseThrow();
  }

  /**
   * Restores only the named regions of {@code version} (protected regions, or files routed with
   * {@link #routeFile}); the others keep their current values and need not be protected — e.g. the
   * weights of a training checkpoint, for evaluation. Only the named regions' data is read. The
   * named regions must be in the version and match what is protected (type, length).
   */
  public Version restore(long version, Collection<String> regions) {
    if (version < 1) throw new IllegalArgumentException("version must be >= 1");
    return engine.restore(version, Set.copyOf(regions)).orElseThrow();
  }

  /** Like {@link #restore(long, Collection)} for the newest version that verifies (falling back to older ones); empty on a fresh start. */
  public Optional<Version> restoreLatest(Collection<String> regions) {
    return engine.restore(-1, Set.copyOf(regions));
  }

  /** What a version holds: one entry per region, in checkpoint order (e.g. to allocate arrays before a partial restore). */
  public List<Region> regions(long version) {
    return engine.regions(version).stream().map(Checkpointer::region).toList();
  }

  private static Region region(RegionEntry r) {
    return new Region(r.name(), switch (r.kind()) {
      case BUFFER -> "buffer";
      case OBJECT -> "object";
      case FILE -> "file";
      default -> r.kind().describe();
    }, r.kind() == Kind.BUFFER || r.kind() == Kind.OBJECT || r.kind() == Kind.FILE ? r.byteLength() : r.length());
  }

  /**
   * A region of a committed version.
   *
   * @param name   the name it was protected (or routed) under
   * @param kind   {@code float[]}, {@code double[]}, ... for arrays, {@code buffer}, {@code object} or {@code file}
   * @param length elements of an array, bytes of a buffer, object or file
   */
  public record Region(String name, String kind, long length) {}

  /** Committed versions, oldest first. */
  public List<Version> versions() { return engine.versions(); }

  /**
   * Pins a committed version: retention keeps it in every level that holds it, besides the newest
   * {@code keep} (e.g. a milestone, the best model so far). The mark is stored with the version and
   * survives restarts. Returns the levels holding it; throws when none does.
   */
  public List<String> pin(long version) { return engine.pin(version); }

  /** Removes the pin of a version (the next retention pass may remove it); returns the levels where it was pinned. */
  public List<String> unpin(long version) {
    return engine.unpin(version);
  }

  /** Pinned versions, over all levels. */
  public java.util.SortedSet<Long> pinned() {
    return java.util.Collections.unmodifiableSortedSet(engine.pinned());
  }

  /**
   * Removes a committed version from every level now, pinned or not: its manifest goes first (it is no
   * longer restorable), its data when no remaining incremental version references it. Returns the
   * levels it was removed from; throws when no level holds it.
   */
  public List<String> delete(long version) { return engine.delete(version); }

  // ------------------------------------------------------------------ maintenance (cairn pin, prune, verify, inspect)

  /**
   * Applies retention now in every level: keeps the newest {@code keep} committed versions (when
   * {@code keep} is 0: each level's configured {@code keep}) besides the pinned ones, and removes the
   * data no kept version references (an incremental version keeps the older chunks it uses). Background
   * checkpoints are drained first. Returns what each level removed and kept.
   */
  public List<Pruned> prune(int keep) {
    if (keep < 0)
      throw new IllegalArgumentException("keep must be >= 1 (or 0 for each level's configured keep), got " + keep);
    return engine.prune(keep).stream().map(p -> new Pruned(p.level(), List.copyOf(p.removed()), p.kept())).toList();
  }

  /** What {@link #prune} did in one level: the versions it removed, and how many committed versions are left. */
  public record Pruned(String level, List<Long> removed, int kept) {}

  /**
   * Re-reads every committed copy of every version (each version in each level holding it) and checks
   * every chunk against its checksums. Works on a read-only checkpointer, e.g. beside a running program.
   */
  public List<CopyCheck> verify() {
    return engine.verify().stream()
        .map(c -> new CopyCheck(c.level(), c.result().version(), switch (c.result().check()) {
          case OK -> CopyCheck.Status.VALID;
          case DAMAGED -> CopyCheck.Status.DAMAGED;
          case REMOVED -> CopyCheck.Status.REMOVED;
          case UNCHECKED -> CopyCheck.Status.UNCHECKED;
        }, c.result().bytes(), c.result().error())).toList();
  }

  /**
   * One copy of a version, as {@link #verify()} found it.
   *
   * @param bytes state bytes read and verified (when valid)
   * @param error what is wrong and where (when not valid), else null
   */
  public record CopyCheck(String level, long version, Status status, long bytes, String error) {
    /** What a check found. */
    public enum Status {
      /** Every chunk read and matched its checksums. */
      VALID,
      /** Something is wrong with the data. */
      DAMAGED,
      /** Uncommitted (retention, prune, delete) while it was read: not damaged, not a copy any more. */
      REMOVED,
      /** The reader could not get the memory to check it: not damaged, not checked. */
      UNCHECKED
    }
  }

  /**
   * A committed version as one level stores it, down to its chunks: what {@code cairn inspect} shows.
   *
   * @param level the level to look in; null: the first (fastest) level holding the version
   * @return empty when no level (or not that level) holds the version
   */
  public Optional<StoredVersion> inspect(long version, String level) {
    return engine.inspect(version, level).map(s -> {
      var m = s.manifest();
      List<StoredRegion> regions = m.regions().stream()
          .map(r -> new StoredRegion(region(r), r.byteLength(), r.blocks().stream()
              .map(b -> new StoredChunk(b.pack(), b.offset(), b.storedLen(), b.rawLen(), b.describeTransforms(),
                  b.storedCrc(), b.rawHash()))
              .toList()))
          .toList();
      Version v = new Version(m.version(), java.time.Instant.ofEpochMilli(m.createdMillis()), m.label(), m.step(),
          m.metadata(),
          m.logicalBytes(), List.of(s.level().name()));
      return new StoredVersion(s.level().name(),
          s.level().storage().describe() + "/" + io.cairn.internal.engine.LevelStore.dir(version),
          v, m.run(), m.writer(), m.parent() > 0 ? m.parent() : 0, m.blockSize(), regions);
    });
  }

  /**
   * A version as one level stores it.
   *
   * @param location      where (the version's directory)
   * @param writer        the process that wrote it ({@code pid@host})
   * @param incrementalOf the version it is an incremental checkpoint of, 0 when full
   */
  public record StoredVersion(String level, String location, Version version, String run, String writer,
      long incrementalOf,
      int blockSize, List<StoredRegion> regions) {}

  /** A region of a stored version: its description, its size in bytes and its chunks in order. */
  public record StoredRegion(Region region, long bytes, List<StoredChunk> chunks) {}

  /**
   * One chunk of a region.
   *
   * @param version     the version whose pack holds it (an older one for a chunk an incremental version reuses)
   * @param offset      its offset in that pack
   * @param codec       {@code none}, {@code lz4}, {@code zstd}, ...
   * @param crc32c      checksum of the stored bytes
   * @param xxh64       hash of the raw bytes
   */
  public record StoredChunk(long version, long offset, int storedBytes, int rawBytes, String codec, int crc32c,
      long xxh64) {}

  /**
   * How long the last write to each level took, in seconds, by level name (a level not written yet is
   * missing): what {@code stats.json} records. In async mode a level's time is there once its background
   * write is done, e.g. after {@code checkpoint().await()} or in a {@link Checkpoint#committed()} callback.
   */
  public Map<String, Double> levelWriteSeconds() { return engine.levelWriteSeconds(); }

  /** The checkpoint cost measured so far (seconds the program was blocked per checkpoint; NaN before the first). */
  public double measuredCost() {
    return engine.policy().measuredCost();
  }

  /** The current checkpoint interval in seconds, as the policy computes it (NaN for step-based policies). */
  public double intervalSeconds() {
    return engine.policy().intervalSeconds();
  }

  /** Waits for background checkpoints and releases the directories. */
  @Override
  public void close() { engine.close(); }

  // ------------------------------------------------------------------ builder

  /** Builds a {@link Checkpointer}; see {@code docs/config.md} for every key. */
  public static final class Builder {
    private final Settings settings = new Settings();
    private Path base = Path.of("cairn-data");
    private Map<String, String> env = System.getenv();
    private LongSupplier nanos = System::nanoTime;
    private Function<LevelInfo, Storage> storages;

    Builder() {}

    /** The run's name: one checkpoint directory per name in each level. */
    public Builder name(String name) {
      return set("name", name);
    }

    /** Base directory of the default local and persistent levels (default {@code ./cairn-data}). */
    public Builder directory(Path base) {
      this.base = Objects.requireNonNull(base);
      return this;
    }

    /** Reads a configuration file (properties format, documented in docs/config.md). */
    public Builder config(Path file) {
      settings.load(file);
      return this;
    }

    /** Sets one configuration key (e.g. {@code "level.local.keep", "5"}); unknown keys are rejected. */
    public Builder set(String key, String value) {
      settings.set(key, value, "builder");
      return this;
    }

    /** Levels, fastest first (e.g. {@code "memory,local,persistent"}). */
    public Builder levels(String... names) {
      return set("levels", String.join(",", names));
    }

    /** Checkpoints return after capture and are written in the background. */
    public Builder async(boolean async) {
      return set("mode", async ? "async" : "sync");
    }

    /** Environment used for {@code CAIRN_*} overrides (default: the process environment). */
    public Builder environment(Map<String, String> env) {
      this.env = Map.copyOf(env);
      return this;
    }

    Builder clock(LongSupplier nanos) {
      this.nanos = nanos;
      return this;
    }

    /**
     * Gives levels a storage of the caller's (tests inject failing stores; other modules add remote ones).
     * The factory is called once per configured level; where it returns null, the level keeps its
     * default storage (for a directory level, a directory named after the run below {@link LevelInfo#path()}).
     */
    public Builder storage(Function<LevelInfo, Storage> factory) {
      this.storages = factory;
      return this;
    }

    private boolean readOnly;

    /**
     * Opens for restoring only: the directories are not locked (several readers may share them, e.g.
     * parallel replays, or a read-only file system), nothing is written, {@code checkpoint()} is refused.
     */
    public Builder readOnly(boolean readOnly) {
      this.readOnly = readOnly;
      return this;
    }

    private boolean maintenance;

    /**
     * Opens for maintenance of existing checkpoints ({@link #pin}, {@link #delete}, {@link #prune}, as
     * {@code cairn pin} and {@code cairn prune} do): only the levels whose directory exists are opened
     * (nothing is created), they are locked like a run's (refused while a program holds them), and
     * {@code checkpoint()} is refused. {@link #readOnly} wins when both are set.
     */
    public Builder maintenance(boolean maintenance) {
      this.maintenance = maintenance;
      return this;
    }

    public Checkpointer open() {
      settings.applyEnvironment(env);
      return new Checkpointer(new Engine(settings, base, nanos,
          storages == null
              ? null
              : spec -> storages.apply(new LevelInfo(spec.name(), spec.kind(), spec.path(), spec.keep(), spec.every())),
          readOnly ? Engine.Access.READ : maintenance ? Engine.Access.MAINTAIN : Engine.Access.RUN));
    }
  }

  /** A {@link Checkpointable} as a region: saved into bytes at capture. */
  private record ObjectRegion(String name, Checkpointable object) implements RegionSource {
    @Override
    public Kind kind() { return Kind.OBJECT; }
    @Override
    public long length() { return -1; }

    @Override
    public MemorySegment capture(Arena arena, Stager stager) throws IOException {
      StateWriter w = new StateWriter(); // a private copy already: no staging needed
      object.save(w);
      return MemorySegment.ofArray(w.toByteArray());
    }

    @Override
    public Sink sink(RegionEntry entry) {
      if (entry.byteLength() > Integer.MAX_VALUE - 16)
        throw new CairnException("object '" + name + "' is too large to load");
      byte[] data = new byte[(int) entry.byteLength()];
      return new Sink() {
        @Override
        public void accept(long offset, ByteBuffer b) { b.get(data, (int) offset, b.remaining()); }
        @Override
        public void finish() throws IOException {
          StateReader r = new StateReader(name, data);
          object.load(r);
          if (r.remaining() != 0)
            throw new IOException(
                "object '" + name + "': load() left " + r.remaining() + " of " + data.length + " saved bytes unread");
        }
      };
    }
  }
}
