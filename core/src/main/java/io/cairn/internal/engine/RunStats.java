package io.cairn.internal.engine;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The run statistics a checkpoint directory keeps in {@code <level>/<name>/stats.json} (format 1): what
 * the engine measured, read back by a restarted run (its first checkpoint cost) and by {@code cairn
 * advise} (the sched module). One writer ({@link #toJson}) and one reader ({@link #parse}).
 *
 * @param lastRestoreSeconds -1 when the run never restored
 * @param levelWriteSeconds  the last write time of each level, by level name
 * @param history            the last {@link #HISTORY} checkpoints and restores, oldest first, over the run's
 *                           incarnations (for plots: {@code cairn serve})
 * @param intervalMode       the interval policy ({@code interval} key: none, steps, seconds, young, daly); "" when not recorded
 * @param interval           the policy's state when the file was written: {@code seconds} (the current interval,
 *                           absent for step-based policies), {@code cost} (the smoothed blocking cost it uses),
 *                           {@code mtbf}, {@code steps}; empty when not recorded
 */
public record RunStats(String name, String mode, long checkpoints, double lastCostSeconds, double meanCostSeconds,
    long lastBytes,
    double lastRestoreSeconds, Map<String, Double> levelWriteSeconds, List<Sample> history, String intervalMode,
    Map<String, Double> interval) {
  /** The file name in the run's directory. */
  public static final String FILE = "stats.json";
  /** How many checkpoints and restores {@link #history} keeps. */
  public static final int HISTORY = 100;

  /**
   * One checkpoint ({@code restore} false: the time it blocked the program, and its bytes of state) or restore
   * ({@code restore} true: its time, bytes 0), at {@code millis} since the epoch.
   */
  public record Sample(long millis, boolean restore, double seconds, long bytes) {}

  public RunStats {
    levelWriteSeconds = Collections.unmodifiableMap(new TreeMap<>(levelWriteSeconds));
    history = List.copyOf(history);
    interval = Collections.unmodifiableMap(new TreeMap<>(interval));
  }

  /** Statistics without history and interval (as written before they were recorded). */
  public RunStats(String name, String mode, long checkpoints, double lastCostSeconds, double meanCostSeconds,
      long lastBytes,
      double lastRestoreSeconds, Map<String, Double> levelWriteSeconds) {
    this(name, mode, checkpoints, lastCostSeconds, meanCostSeconds, lastBytes, lastRestoreSeconds, levelWriteSeconds,
        List.of(), "",
        Map.of());
  }

  /** The file's text: one line of JSON. */
  public String toJson() {
    StringBuilder lv = new StringBuilder();
    levelWriteSeconds.forEach((k, v) -> lv.append(lv.isEmpty() ? "" : ",").append(string(k)).append(':')
        .append(String.format(Locale.ROOT, "%.6f", v)));
    StringBuilder hist = new StringBuilder();
    for (Sample x : history)
      hist.append(hist.isEmpty() ? "" : ",").append(
          String.format(Locale.ROOT, "[%d,%d,%.6f,%d]", x.millis(), x.restore() ? 1 : 0, x.seconds(), x.bytes()));
    StringBuilder iv = new StringBuilder();
    interval.forEach((k, v) -> {
      if (Double.isFinite(v))
        iv.append(iv.isEmpty() ? "" : ",").append(string(k)).append(':').append(String.format(Locale.ROOT, "%.6f", v));
    });
    return String.format(Locale.ROOT,
        "{\"format\":1,\"name\":%s,\"mode\":%s,\"checkpoints\":%d,\"lastCostSeconds\":%.6f,\"meanCostSeconds\":%.6f,"
            + "\"lastBytes\":%d,\"lastRestoreSeconds\":%.6f,\"levelWriteSeconds\":{%s},\"intervalMode\":%s,\"interval\":{%s},"
            + "\"history\":[%s]}%n",
        string(name), string(mode), checkpoints, lastCostSeconds, meanCostSeconds, lastBytes, lastRestoreSeconds, lv,
        string(intervalMode), iv,
        hist);
  }

  /**
   * Reads the file's text. Fields other than {@code format}, {@code meanCostSeconds} and
   * {@code lastCostSeconds} may be missing (0, -1 for the restore time); unknown fields are skipped.
   *
   * @param where names the file in error messages
   * @throws IOException when the text is not a format-1 statistics object
   */
  public static RunStats parse(String json, String where) throws IOException {
    Map<String, Object> m;
    try {
      Parser p = new Parser(json);
      m = p.object();
      p.skipSpace();
      if (p.i != json.length()) throw p.error("text after the object");
    } catch (IllegalArgumentException e) {
      throw new IOException(where + ": not a statistics file: " + e.getMessage());
    }
    if (!(m.get("format") instanceof Double f) || f != 1)
      throw new IOException(where + ": not a stats.json of format 1");
    Map<String, Double> levels = new TreeMap<>();
    if (m.get("levelWriteSeconds") instanceof Map<?, ?> lv)
      for (var e : lv.entrySet()) if (e.getValue() instanceof Double d) levels.put((String) e.getKey(), d);
    Map<String, Double> interval = new TreeMap<>();
    if (m.get("interval") instanceof Map<?, ?> iv)
      for (var e : iv.entrySet()) if (e.getValue() instanceof Double d) interval.put((String) e.getKey(), d);
    List<Sample> history = new ArrayList<>();
    if (m.get("history") instanceof List<?> h) {
      for (Object o : h) {
        if (o instanceof List<?> x && x.size() == 4 && x.get(0) instanceof Double t && x.get(1) instanceof Double r
            && x.get(2) instanceof Double sec
            && x.get(3) instanceof Double b)
          history.add(new Sample(t.longValue(), r != 0, sec, b.longValue()));
      }
    }
    return new RunStats(m.get("name") instanceof String s ? s : "", m.get("mode") instanceof String s ? s : "",
        (long) number(m, "checkpoints", 0, null), number(m, "lastCostSeconds", Double.NaN, where),
        number(m, "meanCostSeconds", Double.NaN, where), (long) number(m, "lastBytes", 0, null),
        number(m, "lastRestoreSeconds", -1, null), levels, history, m.get("intervalMode") instanceof String s ? s : "",
        interval);
  }

  private static double number(Map<String, Object> m, String key, double dflt, String requiredIn) throws IOException {
    Object v = m.get(key);
    if (v instanceof Double d) return d;
    if (requiredIn != null) throw new IOException(requiredIn + ": no '" + key + "' field");
    return dflt;
  }

  private static String string(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      else
        b.append(c);
    }
    return b.append('"').toString();
  }

  /** Just enough JSON for this file: objects, arrays, strings, numbers, true/false/null. */
  private static final class Parser {
    final String s;
    int i;

    Parser(String s) { this.s = s; }

    IllegalArgumentException error(String what) { return new IllegalArgumentException(what + " at character " + i); }

    void skipSpace() { while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++; }

    void expect(char c) {
      skipSpace();
      if (i >= s.length() || s.charAt(i) != c) throw error("'" + c + "' expected");
      i++;
    }

    Map<String, Object> object() {
      expect('{');
      Map<String, Object> m = new LinkedHashMap<>();
      skipSpace();
      if (i < s.length() && s.charAt(i) == '}') { i++; return m; }
      while (true) {
        skipSpace();
        String k = string();
        expect(':');
        m.put(k, value());
        skipSpace();
        if (i < s.length() && s.charAt(i) == ',') { i++; continue; }
        expect('}');
        return m;
      }
    }

    List<Object> array() {
      expect('[');
      List<Object> l = new ArrayList<>();
      skipSpace();
      if (i < s.length() && s.charAt(i) == ']') { i++; return l; }
      while (true) {
        l.add(value());
        skipSpace();
        if (i < s.length() && s.charAt(i) == ',') { i++; continue; }
        expect(']');
        return l;
      }
    }

    Object value() {
      skipSpace();
      if (i >= s.length()) throw error("value expected");
      char c = s.charAt(i);
      if (c == '{') return object();
      if (c == '[') return array();
      if (c == '"') return string();
      for (String w : new String[]{"true", "false", "null"}) {
        if (s.startsWith(w, i)) {
          i += w.length();
          return w.equals("null") ? null : Boolean.valueOf(w);
        }
      }
      int start = i;
      while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
      try {
        return Double.parseDouble(s.substring(start, i));
      } catch (NumberFormatException e) {
        i = start;
        throw error("number expected");
      }
    }

    String string() {
      if (i >= s.length() || s.charAt(i) != '"') throw error("string expected");
      StringBuilder b = new StringBuilder();
      i++;
      while (i < s.length()) {
        char c = s.charAt(i++);
        if (c == '"') return b.toString();
        if (c != '\\') { b.append(c); continue; }
        if (i >= s.length()) break;
        char e = s.charAt(i++);
        switch (e) {
          case 'u' -> {
            if (i + 4 > s.length()) throw error("bad escape");
            b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
            i += 4;
          }
          case 'n' -> b.append('\n');
          case 't' -> b.append('\t');
          case 'r' -> b.append('\r');
          case 'b' -> b.append('\b');
          case 'f' -> b.append('\f');
          default -> b.append(e);
        }
      }
      throw error("unterminated string");
    }
  }
}
