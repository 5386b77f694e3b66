package io.cairn.cluster;

import io.cairn.CairnException;
import io.cairn.cluster.internal.Dependencies;
import io.cairn.cluster.internal.RecoveryLines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The current recovery line of a job that checkpoints with {@link Protocol#INDEPENDENT}: for each rank, the newest of
 * its checkpoints that, together with the others' on the line, forms a consistent global state with every channel
 * empty (no orphan message, no message in transit), computed from the ranks' dependency records
 * ({@code <job>/deps/r<rank>of<size>}). This is what the coordinator restores after a failure; {@code cairn cluster
 * recovery-line <job dir>} prints it (docs/parallel.md).
 *
 * @param ranks the job's number of ranks
 * @param parts one per rank, in rank order
 * @param rollbacks why ranks were moved back from their newest checkpoint, in the order the computation did it
 */
public record RecoveryLine(int ranks, List<Part> parts, List<String> rollbacks) {
  public RecoveryLine {
    parts = List.copyOf(parts);
    rollbacks = List.copyOf(rollbacks);
  }

  /**
   * One rank on the line.
   *
   * @param rank           the rank
   * @param version        its version on the line (its own run's core version; 0: the initial state)
   * @param step           that checkpoint's step (0 for the initial state)
   * @param newestVersion  its newest recorded checkpoint (0: none)
   * @param newestStep     that one's step
   * @param checkpointsLost how many of its recorded checkpoints are newer than the line (they would be discarded)
   */
  public record Part(int rank, long version, long step, long newestVersion, long newestStep, int checkpointsLost) {
    /** Steps this rank would re-execute from its newest checkpoint (at least; it may have computed beyond it). */
    public long stepsLost() {
      return newestStep - step;
    }
  }

  /** Whether every rank would restart from its initial state (the domino effect, or no checkpoint yet). */
  public boolean initialState() {
    return parts.stream().allMatch(p -> p.version() == 0);
  }

  private static final Pattern RECORD = Pattern.compile("r(\\d+)of(\\d+)");

  /**
   * Computes the line of the job in {@code jobDir} from its dependency records. Throws {@link CairnException} naming the
   * directory or file when it is no job directory, has no dependency records (not an independent job, or no rank
   * checkpointed yet), records of several job sizes, or a damaged record.
   */
  public static RecoveryLine of(Path jobDir) {
    if (!Files.isDirectory(jobDir)) throw new CairnException(jobDir + " is not a directory");
    Path dir = Dependencies.dir(jobDir);
    if (!Files.isDirectory(dir))
      throw new CairnException("no dependency records in " + dir
          + ": not a job of the independent protocol (--protocol independent), or no rank has"
          + " checkpointed yet"
          + (Files.exists(jobDir.resolve("global").resolve("manifest"))
              ? " (it has committed global checkpoints: see 'cairn cluster status')"
              : ""));
    Set<Integer> sizes = new TreeSet<>();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.toList()) {
        Matcher m = RECORD.matcher(p.getFileName().toString());
        if (m.matches()) sizes.add(Integer.parseInt(m.group(2)));
      }
    } catch (IOException | NumberFormatException e) {
      throw new CairnException("cannot list " + dir + ": " + e.getMessage(), e);
    }
    if (sizes.isEmpty())
      throw new CairnException(
          "no dependency records in " + dir + " (files r<rank>of<size>): no rank has checkpointed yet");
    if (sizes.size() > 1)
      throw new CairnException(
          dir + " holds dependency records of jobs of " + sizes + " ranks; the recovery line is for one job size");
    int n = sizes.iterator().next();
    if (n < 1 || n > (1 << 20)) throw new CairnException(dir + ": records for " + n + " ranks");
    List<List<Dependencies.Checkpoint>> records = new ArrayList<>();
    for (int r = 0; r < n; r++) {
      try {
        records.add(Dependencies.read(jobDir, r, n));
      } catch (IllegalStateException e) {
        throw new CairnException(e.getMessage(), e);
      }
    }
    Dependencies.Line line;
    try {
      line = Dependencies.line(records, Set.of());
    } catch (IllegalArgumentException e) {
      throw new CairnException(dir + ": " + e.getMessage(), e);
    }
    List<Part> parts = new ArrayList<>();
    for (int r = 0; r < n; r++) {
      List<Dependencies.Checkpoint> rec = records.get(r);
      Dependencies.Checkpoint on = line.of(r);
      Dependencies.Checkpoint newest = rec.isEmpty() ? null : rec.getLast();
      parts.add(
          new Part(r, on == null ? 0 : on.version(), on == null ? 0 : on.step(), newest == null ? 0 : newest.version(),
              newest == null ? 0 : newest.step(), rec.size() - line.index()[r]));
    }
    List<String> why = new ArrayList<>();
    for (RecoveryLines.Step s : line.steps()) {
      why.add("rank " + s.rank() + " back to " + name(records.get(s.rank()), s.to()) + " (from "
          + name(records.get(s.rank()), s.from()) + "): "
          + (s.orphan()
              ? "it had received a message rank " + s.peer() + " sent after its checkpoint on the line (orphan)"
              : "it had sent rank " + s.peer()
                  + " a message that rank received after its checkpoint on the line (in transit)"));
    }
    return new RecoveryLine(n, parts, why);
  }

  private static String name(List<Dependencies.Checkpoint> rec, int k) {
    return k == 0
        ? "its initial state"
        : "version " + rec.get(k - 1).version() + " (step " + rec.get(k - 1).step() + ")";
  }
}
