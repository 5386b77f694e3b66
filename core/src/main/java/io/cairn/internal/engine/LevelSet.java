package io.cairn.internal.engine;

import io.cairn.CairnException;
import io.cairn.CheckpointLockedException;
import io.cairn.internal.Settings;
import io.cairn.internal.store.LevelDirs;
import io.cairn.internal.store.MemoryStorage;
import io.cairn.internal.store.Providers;
import io.cairn.spi.Storage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configured levels of one run, opened and (unless read-only) locked: one {@link LevelStore} per
 * level, fastest first. Knows the next version number and where the run's own files (statistics,
 * restore-attempt counters) live.
 */
final class LevelSet implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LevelSet.class);

  private final List<LevelStore> levels = new ArrayList<>();
  private final List<AutoCloseable> locks = new ArrayList<>();
  private final long firstFreeVersion;

  /**
   * @param existingOnly levels without a directory are left out and nothing is created (read-only and
   *     maintenance openings)
   * @param readOnly no lock (several readers may share the directories)
   */
  LevelSet(Settings settings, Path base, String run, Function<Settings.LevelSpec, Storage> storageFactory,
      boolean existingOnly,
      boolean readOnly, LevelStore.ChunkPool chunkPool) {
    try {
      for (Settings.LevelSpec spec : settings.levels(base)) {
        Storage st = storageFactory != null ? storageFactory.apply(spec) : null;
        if (st == null) st = Providers.open(spec, settings.levelOptions(spec.name()), run, existingOnly); // kinds of other modules (s3)
        if (st == null) st = existingOnly ? existingStorage(spec, run) : defaultStorage(spec, run);
        if (st == null) continue; // existing levels only, and this one has no directory: nothing there
        LevelStore ls = new LevelStore(spec, st, settings.integer("incremental.full-every"), chunkPool);
        if (readOnly) {
          levels.add(ls);
          continue;
        }
        try {
          locks.add(st.lock(".lock",
              "pid " + ProcessHandle.current().pid() + " on " + hostName() + ", opened " + Instant.now()));
        } catch (CheckpointLockedException e) {
          throw new CheckpointLockedException("level '" + spec.name() + "' (" + st.describe() + "): " + e.getMessage(),
              e.directory(),
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
      this.firstFreeVersion = max + 1;
    } catch (IOException e) {
      close();
      throw new CairnException("cannot open checkpoint levels: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  static String hostName() {
    String h = System.getenv("HOSTNAME");
    if (h == null) {
      try {
        h = java.net.InetAddress.getLocalHost().getHostName();
      } catch (IOException e) {
        h = "localhost";
      }
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

  /** The storage a level gets when no factory gives one: process memory, or a directory named after the run. */
  static Storage defaultStorage(Settings.LevelSpec spec, String run) {
    if (spec.kind().equals("process")) return new MemoryStorage(spec.name() + "/" + run);
    try {
      return LevelDirs.open(spec, run);
    } catch (IOException e) {
      throw new CairnException("level '" + spec.name() + "': cannot open the checkpoint directory: " + e.getMessage(),
          e);
    }
  }

  List<LevelStore> all() { return levels; }

  /** One more than the highest version directory found at opening (committed or torn). */
  long firstFreeVersion() {
    return firstFreeVersion;
  }

  /** The first level that survives the process (for attempt counters and statistics); null when none does. */
  Storage runStorage() {
    for (LevelStore l : levels) if (!l.spec().kind().equals("process")) return l.storage();
    return null;
  }

  /** Releases the locks. */
  @Override
  public void close() {
    for (AutoCloseable c : locks) {
      try {
        c.close();
      } catch (Exception e) {
        log.debug("unlock failed: {}", e.getMessage());
      }
    }
    locks.clear();
  }
}
