package io.cairn.sched.trace;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads failure logs: the LANL release LA-UR-05-7318 layout (one record per node interrupt, header line with
 * {@code System}, {@code nodenumz}, {@code Prob Started}, {@code Prob Fixed} and blame columns; times
 * {@code M/d/yyyy H:mm}), or a generic CSV {@code node,start,end[,category]} with times in seconds or ISO-8601.
 * Malformed records are reported with their line number and skipped.
 */
public final class FailureLogs {
  private FailureLogs() {}

  /** Read failures with the problems found. */
  public record Log(List<FailureEvent> events, List<String> problems) {}

  private static final DateTimeFormatter LANL = DateTimeFormatter.ofPattern("M/d/yyyy H:mm", Locale.ROOT);
  private static final String[] BLAME = {"Facilities", "Hardware", "Human Error", "Network", "Undetermined",
      "Software"};

  /** Reads a LANL or generic failure log (plain, .gz or .xz), detecting the layout from its header. */
  public static Log read(Path file) throws IOException {
    try (BufferedReader r = TraceFiles.open(file)) {
      return read(r, file.toString());
    }
  }

  public static Log read(BufferedReader r, String name) throws IOException {
    String first = r.readLine();
    if (first == null) return new Log(List.of(), List.of(name + ": empty file"));
    List<String> head = TraceFiles.splitCsv(first);
    Map<String, Integer> col = new HashMap<>();
    for (int i = 0; i < head.size(); i++) col.put(head.get(i).strip().toLowerCase(Locale.ROOT), i);
    if (col.containsKey("prob started")) return lanl(r, name, col);
    return generic(r, name, first, col);
  }

  private static Log lanl(BufferedReader r, String name, Map<String, Integer> col) throws IOException {
    int sys = need(col, "system", name), node = need(col, "nodenumz", name), st = need(col, "prob started", name),
        en = need(col, "prob fixed", name);
    int[] blame = new int[BLAME.length];
    for (int i = 0; i < BLAME.length; i++) blame[i] = col.getOrDefault(BLAME[i].toLowerCase(Locale.ROOT), -1);
    List<FailureEvent> out = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    String line;
    int lineNo = 1;
    while ((line = r.readLine()) != null) {
      lineNo++;
      if (line.isBlank()) continue;
      List<String> f = TraceFiles.splitCsv(line);
      try {
        if (f.size() <= Math.max(Math.max(sys, node), Math.max(st, en)))
          throw new IllegalArgumentException("only " + f.size() + " fields");
        double s = LocalDateTime.parse(f.get(st).strip(), LANL).toEpochSecond(ZoneOffset.UTC);
        double e = LocalDateTime.parse(f.get(en).strip(), LANL).toEpochSecond(ZoneOffset.UTC);
        if (f.get(node).isBlank())
          throw new IllegalArgumentException("no node number (nodenumz is empty), record left out");
        String cat = "";
        for (int i = 0; i < BLAME.length; i++) {
          if (blame[i] >= 0 && blame[i] < f.size() && !f.get(blame[i]).isBlank()) {
            cat = BLAME[i] + ":" + f.get(blame[i]).strip();
            break;
          }
        }
        out.add(new FailureEvent(f.get(sys).strip(), Integer.parseInt(f.get(node).strip()), s, Math.max(s, e), cat));
      } catch (DateTimeParseException | IllegalArgumentException e) {
        problems.add(name + ":" + lineNo + ": " + e.getMessage());
      }
    }
    return new Log(out, problems);
  }

  private static Log generic(BufferedReader r, String name, String first, Map<String, Integer> col) throws IOException {
    boolean header = col.containsKey("node") && col.containsKey("start") && col.containsKey("end");
    int node = header ? col.get("node") : 0, st = header ? col.get("start") : 1, en = header ? col.get("end") : 2;
    int cat = header ? col.getOrDefault("category", -1) : 3;
    List<FailureEvent> out = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    int lineNo = 1;
    String line = header ? r.readLine() : first;
    if (header) lineNo = 2;
    while (line != null) {
      if (!line.isBlank() && !line.startsWith("#")) {
        List<String> f = TraceFiles.splitCsv(line);
        try {
          if (f.size() < 3)
            throw new IllegalArgumentException("expected node,start,end[,category], found " + f.size() + " fields");
          double s = time(f.get(st)), e = time(f.get(en));
          out.add(new FailureEvent("", Integer.parseInt(f.get(node).strip()), s, e,
              cat >= 0 && cat < f.size() ? f.get(cat).strip() : ""));
        } catch (IllegalArgumentException | DateTimeParseException e) {
          problems.add(name + ":" + lineNo + ": " + e.getMessage());
        }
      }
      line = r.readLine();
      lineNo++;
    }
    return new Log(out, problems);
  }

  private static double time(String s) {
    String t = s.strip();
    try {
      return Double.parseDouble(t);
    } catch (NumberFormatException e) {
      if (t.endsWith("Z") || t.matches(".*[+-]\\d\\d:\\d\\d$"))
        return java.time.OffsetDateTime.parse(t).toEpochSecond();
      return LocalDateTime.parse(t).toEpochSecond(ZoneOffset.UTC);
    }
  }

  private static int need(Map<String, Integer> col, String c, String name) {
    Integer i = col.get(c);
    if (i == null) throw new IllegalArgumentException(name + ": LANL layout without a '" + c + "' column");
    return i;
  }

  /** Events of one system (as its log names it). */
  public static List<FailureEvent> system(List<FailureEvent> events, String system) {
    return events.stream().filter(e -> e.system().equals(system))
        .sorted(java.util.Comparator.comparingDouble(FailureEvent::start)).toList();
  }

  /**
   * Times between consecutive failures, seconds: per node (repair end to next failure start, the node's up time)
   * when {@code perNode}, else between consecutive failures of the whole system. Zero gaps (same minute, often the
   * same event logged twice) are left out.
   */
  public static double[] interArrivalTimes(List<FailureEvent> events, boolean perNode) {
    List<FailureEvent> sorted = new ArrayList<>(events);
    sorted.sort(java.util.Comparator.comparingDouble(FailureEvent::start));
    List<Double> gaps = new ArrayList<>();
    if (perNode) {
      Map<String, Double> lastEnd = new HashMap<>();
      for (FailureEvent e : sorted) {
        String key = e.system() + "/" + e.node();
        Double prev = lastEnd.get(key);
        if (prev != null && e.start() - prev > 0) gaps.add(e.start() - prev);
        lastEnd.put(key, Math.max(e.end(), prev == null ? e.end() : prev));
      }
    } else {
      for (int i = 1; i < sorted.size(); i++) {
        double g = sorted.get(i).start() - sorted.get(i - 1).start();
        if (g > 0) gaps.add(g);
      }
    }
    return gaps.stream().mapToDouble(Double::doubleValue).toArray();
  }
}
