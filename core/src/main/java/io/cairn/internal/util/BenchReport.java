package io.cairn.internal.util;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the benchmark harnesses ({@code cairn bench}: the engine's figures, {@code --only objects}, {@code --only s3},
 * {@code cairn device bench}) share: the run's environment (when, CPUs, Java, load average), medians, rows comparing a
 * value with a baseline of the same run (ratio, target, met), and writing the results as {@code <name>.json} and
 * {@code <name>.txt}. The charts are {@link Svg}'s.
 */
public final class BenchReport {
  private BenchReport() {}

  /** The head of a results file: {@code tool}, {@code when}, {@code cpus}, {@code java}, {@code loadAverage}, in that order. */
  public static Map<String, Object> header(String tool) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("tool", tool);
    m.put("when", Instant.now().toString());
    m.put("cpus", Runtime.getRuntime().availableProcessors());
    m.put("java", System.getProperty("java.version"));
    m.put("loadAverage", loadAverage());
    return m;
  }

  /** The 1-, 5- and 15-minute load averages ({@code /proc/loadavg}), or the JVM's 1-minute figure elsewhere. */
  public static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return String.format(Locale.ROOT, "%.2f",
          java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
  }

  /** The median (the mean of the middle two for an even count); NaN when empty. */
  public static double median(Collection<? extends Number> values) {
    double[] a = values.stream().mapToDouble(Number::doubleValue).sorted().toArray();
    if (a.length == 0) return Double.NaN;
    return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  }

  /**
   * Whether {@code ratio} meets {@code target} ({@code ">= x"} or {@code "<= x"}); null without a target.
   *
   * @throws IllegalArgumentException when the target is neither form
   */
  public static Boolean met(String target, double ratio) {
    if (target == null) return null;
    String t = target.trim();
    if (!t.startsWith(">=") && !t.startsWith("<="))
      throw new IllegalArgumentException("a target is '>= x' or '<= x', got '" + target + "'");
    double lim = Double.parseDouble(t.substring(2).trim());
    return t.startsWith(">=") ? ratio >= lim : ratio <= lim;
  }

  /** The bound of a target ({@code ">= 0.95"}: 0.95). */
  public static double targetValue(String target) {
    return Double.parseDouble(target.trim().substring(2).trim());
  }

  /**
   * One row comparing a value with its baseline measured in the same run: {@code name}, {@code value}, {@code baseline},
   * {@code unit}, {@code ratio}, {@code ratioMeaning}, {@code target} and {@code met} (null without a target), then
   * {@code extra}.
   */
  public static Map<String, Object> ratioRow(String name, double value, double baseline, String unit, double ratio,
      String meaning,
      String target, Map<String, Object> extra) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("value", value);
    m.put("baseline", baseline);
    m.put("unit", unit);
    m.put("ratio", ratio);
    m.put("ratioMeaning", meaning);
    m.put("target", target);
    m.put("met", met(target, ratio));
    m.putAll(extra);
    return m;
  }

  /**
   * A text table: the header and each row in columns as wide as their widest cell, the first column left-aligned, the
   * others right-aligned, two spaces between columns; each line indented by {@code indent}.
   */
  public static String table(String indent, List<String> header, List<List<String>> rows) {
    List<List<String>> all = new ArrayList<>();
    all.add(header);
    all.addAll(rows);
    int cols = 0;
    for (List<String> r : all) cols = Math.max(cols, r.size());
    int[] w = new int[cols];
    for (List<String> r : all) for (int i = 0; i < r.size(); i++) w[i] = Math.max(w[i], r.get(i).length());
    StringBuilder sb = new StringBuilder();
    for (List<String> r : all) {
      StringBuilder line = new StringBuilder(indent);
      for (int i = 0; i < r.size(); i++) {
        if (i > 0) line.append("  ");
        String c = r.get(i);
        String pad = " ".repeat(w[i] - c.length());
        line.append(i == 0 ? c + pad : pad + c);
      }
      sb.append(line.toString().stripTrailing()).append('\n');
    }
    return sb.toString();
  }

  /** Writes {@code <dir>/<name>.json} (the results, ended by a newline) and {@code <dir>/<name>.txt} (the table); returns both. */
  public static List<Path> write(Path dir, String name, Map<String, Object> json, String text) throws IOException {
    Files.createDirectories(dir);
    Path j = dir.resolve(name + ".json"), t = dir.resolve(name + ".txt");
    Files.writeString(j, Json.write(json) + "\n");
    Files.writeString(t, text);
    return List.of(j, t);
  }
}
