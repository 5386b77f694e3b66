package io.cairn.sched;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The measured costs a Cairn checkpoint directory keeps in {@code <dir>/<name>/stats.json} (written by the core
 * engine after each checkpoint: {@code meanCostSeconds}, {@code lastRestoreSeconds}, {@code levelWriteSeconds}).
 * Read here without depending on the core: only the documented numeric fields are taken.
 *
 * @param restoreSeconds the last measured restore time, or NaN if the run never restored
 */
public record CheckpointStats(Path file, String name, long checkpoints, double meanCostSeconds, double lastCostSeconds,
                              double restoreSeconds, Map<String, Double> levelWriteSeconds) {

  /** Finds and reads {@code stats.json}: {@code path} may be the file, a run directory, or a checkpoint directory with one run. */
  public static CheckpointStats read(Path path) throws IOException {
    Path file = locate(path);
    String json = Files.readString(file);
    if (!json.contains("\"format\":1")) throw new IOException(file + ": not a stats.json of format 1");
    double mean = number(json, "meanCostSeconds", file), last = number(json, "lastCostSeconds", file);
    double restore = number(json, "lastRestoreSeconds", file);
    Map<String, Double> levels = new TreeMap<>();
    Matcher lv = Pattern.compile("\"levelWriteSeconds\":\\{([^}]*)\\}").matcher(json);
    if (lv.find()) {
      Matcher e = Pattern.compile("\"([^\"]+)\":([0-9.eE+-]+)").matcher(lv.group(1));
      while (e.find()) levels.put(e.group(1), Double.parseDouble(e.group(2)));
    }
    Matcher nm = Pattern.compile("\"name\":\"([^\"]*)\"").matcher(json);
    Matcher ck = Pattern.compile("\"checkpoints\":(\\d+)").matcher(json);
    return new CheckpointStats(file, nm.find() ? nm.group(1) : "", ck.find() ? Long.parseLong(ck.group(1)) : 0, mean, last,
        restore >= 0 ? restore : Double.NaN, levels);
  }

  private static Path locate(Path path) throws IOException {
    if (Files.isRegularFile(path)) return path;
    if (!Files.isDirectory(path)) throw new IOException(path + ": no such file or directory");
    if (Files.isRegularFile(path.resolve("stats.json"))) return path.resolve("stats.json");
    List<Path> found = new ArrayList<>();
    try (Stream<Path> s = Files.list(path)) {
      for (Path p : s.toList()) if (Files.isRegularFile(p.resolve("stats.json"))) found.add(p.resolve("stats.json"));
    }
    if (found.isEmpty()) throw new IOException(path + ": no stats.json here or in <dir>/<name>/ (has a Cairn run checkpointed into it?)");
    if (found.size() > 1) throw new IOException(path + ": several runs have statistics (" + found + "); name one: --from " + path + "/<name>");
    return found.get(0);
  }

  private static double number(String json, String key, Path file) throws IOException {
    Matcher m = Pattern.compile("\"" + key + "\":([0-9.eE+-]+)").matcher(json);
    if (!m.find()) throw new IOException(file + ": no '" + key + "' field");
    return Double.parseDouble(m.group(1));
  }
}
