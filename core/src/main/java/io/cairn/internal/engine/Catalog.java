package io.cairn.internal.engine;

import io.cairn.CairnException;
import io.cairn.Version;
import io.cairn.internal.format.Manifest;
import io.cairn.internal.format.RegionEntry;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The committed versions of a run over all its levels, and the operations on them: list, describe,
 * pin, unpin, delete. (Writing is {@link CheckpointWriter}'s, reading back {@link Restorer}'s.)
 */
public final class Catalog {
  private static final Logger log = LoggerFactory.getLogger(Catalog.class);

  private final String run;
  private final List<LevelStore> levels;

  Catalog(String run, List<LevelStore> levels) {
    this.run = run;
    this.levels = levels;
  }

  /** Committed versions over all levels, newest first, with the levels holding each. */
  TreeMap<Long, List<LevelStore>> catalog() {
    TreeMap<Long, List<LevelStore>> out = new TreeMap<>(Comparator.reverseOrder());
    for (LevelStore l : levels) {
      try {
        for (long v : l.committed()) out.computeIfAbsent(v, k -> new ArrayList<>()).add(l);
      } catch (IOException e) {
        log.warn("level {} ({}) cannot be listed: {}", l.name(), l.storage().describe(), e.getMessage());
      }
    }
    return out;
  }

  /** Committed versions whose manifest reads somewhere, oldest first. */
  List<Version> versions() {
    List<Version> out = new ArrayList<>();
    for (var e : catalog().entrySet()) {
      Manifest m = null;
      List<String> names = new ArrayList<>();
      for (LevelStore l : e.getValue()) {
        names.add(l.name());
        if (m == null) {
          try {
            m = l.readManifest(e.getKey());
          } catch (IOException ignored) {
            /* listed as damaged below */ }
        }
      }
      if (m == null) continue;
      out.add(version(m, names));
    }
    return out.reversed();
  }

  static Version version(Manifest m, List<String> levels) {
    return new Version(m.version(), Instant.ofEpochMilli(m.createdMillis()), m.label(), m.step(), m.metadata(),
        m.logicalBytes(), levels);
  }

  private interface LevelAction { boolean apply(LevelStore l) throws IOException; }

  /** Applies {@code action} to {@code version} in every level; returns the levels where it applied. */
  private List<String> onLevels(long version, String what, LevelAction action) {
    List<String> done = new ArrayList<>();
    for (LevelStore l : levels) {
      try {
        if (action.apply(l)) done.add(l.name());
      } catch (IOException e) {
        throw new CairnException(
            "cannot " + what + " version " + version + " of '" + run + "' in level '" + l.name() + "' ("
                + l.storage().describe() + "): " + e.getMessage(),
            e);
      }
    }
    return done;
  }

  /** Pins a committed version in every level holding it: retention keeps it besides the newest {@code keep}. */
  List<String> pin(long version) {
    List<String> done = onLevels(version, "pin", l -> l.pin(version));
    if (done.isEmpty())
      throw new CairnException("version " + version + " of '" + run + "' is not committed in any level (committed: "
          + catalog().descendingKeySet() + ")");
    return done;
  }

  /** Unpins a version; the next retention pass may remove it. */
  List<String> unpin(long version) {
    return onLevels(version, "unpin", l -> l.unpin(version));
  }

  /** Removes a committed version from every level now; the next checkpoint of every level is full (its base may be gone). */
  List<String> delete(long version) {
    List<String> done = onLevels(version, "delete", l -> l.delete(version));
    if (done.isEmpty())
      throw new CairnException("version " + version + " of '" + run + "' is not committed in any level");
    for (LevelStore l : levels) l.resetBase();
    return done;
  }

  /** Pinned versions over all levels. */
  TreeSet<Long> pinned() {
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
  List<RegionEntry> regions(long version) {
    List<LevelStore> holders = catalog().get(version);
    if (holders == null)
      throw new CairnException("version " + version + " of '" + run + "' is not committed in any level");
    List<String> problems = new ArrayList<>();
    for (LevelStore l : holders) {
      try {
        return l.readManifest(version).regions();
      } catch (IOException e) {
        problems.add("level '" + l.name() + "': " + e.getMessage());
      }
    }
    throw new CairnException(
        "version " + version + " of '" + run + "': no readable manifest: " + String.join("; ", problems));
  }

  /** What retention did in one level. */
  public record Pruned(String level, List<Long> removed, int kept) {}

  /** Keeps the newest {@code keep} (> 0; else each level's configured keep) committed versions and the pinned ones in every level. */
  List<Pruned> prune(int keep) {
    List<Pruned> out = new ArrayList<>();
    for (LevelStore l : levels) {
      try {
        TreeSet<Long> dirs = l.allVersionDirs();
        long upTo = dirs.isEmpty() ? 0 : dirs.last();
        List<Long> removed = l.prune(keep > 0 ? keep : l.spec().keep(), upTo);
        out.add(new Pruned(l.name(), removed, l.committed().size()));
      } catch (IOException e) {
        throw new CairnException(
            "cannot prune '" + run + "' in level '" + l.name() + "' (" + l.storage().describe() + "): "
                + e.getMessage(),
            e);
      }
    }
    return out;
  }

  /** One copy of a version, checked. */
  public record Checked(String level, LevelStore.Verified result) {}

  /** Re-reads every committed copy, level by level, oldest version first. */
  List<Checked> verify() {
    List<Checked> out = new ArrayList<>();
    LevelStore.Scratch scratch = new LevelStore.Scratch();
    for (LevelStore l : levels) {
      TreeSet<Long> committed;
      try {
        committed = l.committed();
      } catch (IOException e) {
        throw new CairnException(
            "level '" + l.name() + "' (" + l.storage().describe() + ") cannot be listed: " + e.getMessage(), e);
      }
      for (long v : committed) out.add(new Checked(l.name(), l.verify(v, scratch)));
    }
    return out;
  }

  /** A version as one level stores it. */
  public record Stored(LevelStore level, Manifest manifest) {}

  /** Version {@code version} in level {@code level} (the first holding it when null); empty when none does. */
  Optional<Stored> inspect(long version, String level) {
    for (LevelStore l : levels) {
      if (level != null && !l.name().equals(level)) continue;
      try {
        if (!l.committed().contains(version)) continue;
        return Optional.of(new Stored(l, l.readManifest(version)));
      } catch (IOException e) {
        throw new CairnException(
            "version " + version + " of '" + run + "' in level '" + l.name() + "' (" + l.storage().describe()
                + "): " + e.getMessage(),
            e);
      }
    }
    return Optional.empty();
  }
}
