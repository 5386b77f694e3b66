package io.cairn.internal.engine;

import io.cairn.CairnException;
import io.cairn.StateMismatchException;
import io.cairn.Version;
import io.cairn.internal.format.Manifest;
import io.cairn.internal.format.RegionEntry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restores with fallback: the newest committed version first (or the one asked for), from the fastest
 * level holding it, then the next copy, then (for "latest") older versions, until one verifies. A
 * version the program failed after too often ({@link RestoreAttempts}) is skipped; a checkpoint that
 * does not match what is protected is refused at once ({@link StateMismatchException}), not fallen back from.
 */
final class Restorer {
  private static final Logger log = LoggerFactory.getLogger(Restorer.class);

  private final String run;
  private final List<LevelStore> levels;
  private final Catalog catalog;
  private final ProtectedState state;
  private final RestoreAttempts attempts;

  Restorer(String run, List<LevelStore> levels, Catalog catalog, ProtectedState state, RestoreAttempts attempts) {
    this.run = run;
    this.levels = levels;
    this.catalog = catalog;
    this.state = state;
    this.attempts = attempts;
  }

  /** What a restore gave: the version and the seconds it took. */
  record Restored(Version version, double seconds) {}

  /**
   * Restores version {@code wanted} (the newest that verifies when -1); with {@code only} non-null, just
   * those regions. Empty when nothing is committed (a fresh start).
   *
   * @param watch count a failure of this thread before the next commit against the restored version
   */
  Optional<Restored> restore(long wanted, Set<String> only, boolean watch) {
    if (only != null && only.isEmpty()) throw new IllegalArgumentException("no region named for a partial restore");
    long t0 = System.nanoTime();
    TreeMap<Long, List<LevelStore>> cat = catalog.catalog();
    if (wanted > 0 && !cat.containsKey(wanted)) {
      throw new CairnException(
          "version " + wanted + " of '" + run + "' is not committed in any level (committed: " + cat.keySet() + ")");
    }
    List<String> problems = new ArrayList<>();
    List<Long> skippedForFailures = new ArrayList<>();
    int maxAttempts = attempts.maxAttempts();
    for (var e : cat.entrySet()) {
      long v = e.getKey();
      if (wanted > 0 && v != wanted) continue;
      int failures = attempts.failures(v);
      if (wanted < 0 && failures >= maxAttempts) {
        String why = "version " + v + " skipped: the program failed " + failures
            + " times after restoring it, each time before a new"
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
        state.checkMatches(m, only); // a refusal: thrown at once, counted nowhere (not the checkpoint's fault)
        try {
          Map<String, RegionSource.Sink> sinks = new LinkedHashMap<>();
          List<RegionEntry> wantedRegions = only == null
              ? m.regions()
              : m.regions().stream().filter(r -> only.contains(r.name())).toList();
          for (RegionEntry r : wantedRegions) sinks.put(r.name(), state.sink(r));
          for (RegionEntry r : wantedRegions) state.checkRoomFor(r);
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
          String why = "version " + v + " in level '" + l.name() + "': not enough memory to restore it ("
              + ex.getMessage()
              + "; " + m.logicalBytes() + " bytes of state, block size " + m.blockSize()
              + "): raise -Xmx / -XX:MaxDirectMemorySize";
          problems.add(why);
          log.warn("{}; trying the next copy", why);
          continue;
        }
        if (!problems.isEmpty()) log.warn("restored version {} from level '{}' after: {}", v, l.name(), problems);
        else
          log.info("restored version {} of '{}' from level '{}'", v, run, l.name());
        for (LevelStore other : levels) other.resetBase();
        if (watch && only == null) attempts.watch(v);
        List<String> names = e.getValue().stream().map(LevelStore::name).toList();
        return Optional.of(new Restored(Catalog.version(m, names), (System.nanoTime() - t0) / 1e9));
      }
      if (wanted > 0) break;
    }
    if (cat.isEmpty()) return Optional.empty();
    if (!skippedForFailures.isEmpty()) {
      long newest = skippedForFailures.getFirst();
      String where = attempts.describe(newest);
      problems.add("to restore version " + newest + " anyway: call restore(" + newest
          + ") for that version, or raise restore.max-attempts"
          + " (CAIRN_RESTORE_MAX_ATTEMPTS) above " + attempts.failures(newest) + ", or delete "
          + (where == null ? "attempts/" + LevelStore.dir(newest) : where));
    }
    throw new CairnException(
        "no valid checkpoint of '" + run + "' could be restored" + (wanted > 0 ? " at version " + wanted : "")
            + ":\n  " + String.join("\n  ", problems));
  }
}
