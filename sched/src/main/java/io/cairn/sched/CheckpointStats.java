package io.cairn.sched;

import io.cairn.internal.engine.RunStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The measured costs a Cairn checkpoint directory keeps in {@code <dir>/<name>/stats.json} (written by the core
 * engine after each checkpoint: {@code meanCostSeconds}, {@code lastRestoreSeconds}, {@code levelWriteSeconds}),
 * read with the core's reader ({@code RunStats}, the one its writer pairs with).
 *
 * @param restoreSeconds the last measured restore time, or NaN if the run never restored
 */
public record CheckpointStats(Path file, String name, long checkpoints, double meanCostSeconds, double lastCostSeconds,
    double restoreSeconds, Map<String, Double> levelWriteSeconds) {

  /** Finds and reads {@code stats.json}: {@code path} may be the file, a run directory, or a checkpoint directory with one run. */
  public static CheckpointStats read(Path path) throws IOException {
    Path file = locate(path);
    RunStats s = RunStats.parse(Files.readString(file), file.toString());
    return new CheckpointStats(file, s.name(), s.checkpoints(), s.meanCostSeconds(), s.lastCostSeconds(),
        s.lastRestoreSeconds() >= 0 ? s.lastRestoreSeconds() : Double.NaN, s.levelWriteSeconds());
  }

  private static Path locate(Path path) throws IOException {
    if (Files.isRegularFile(path)) return path;
    if (!Files.isDirectory(path)) throw new IOException(path + ": no such file or directory");
    if (Files.isRegularFile(path.resolve("stats.json"))) return path.resolve("stats.json");
    List<Path> found = new ArrayList<>();
    try (Stream<Path> s = Files.list(path)) {
      for (Path p : s.toList()) if (Files.isRegularFile(p.resolve("stats.json"))) found.add(p.resolve("stats.json"));
    }
    if (found.isEmpty())
      throw new IOException(path + ": no stats.json here or in <dir>/<name>/ (has a Cairn run checkpointed into it?)");
    if (found.size() > 1)
      throw new IOException(
          path + ": several runs have statistics (" + found + "); name one: --from " + path + "/<name>");
    return found.get(0);
  }
}
