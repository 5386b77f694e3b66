package io.cairn.dashboard;

import static io.cairn.dashboard.Html.esc;

import io.cairn.cluster.internal.Coordinator;
import io.cairn.cluster.internal.GlobalManifest;
import io.cairn.internal.util.Svg;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A parallel job's directory, as the launcher and the coordinator leave it: the global manifest
 * ({@code global/manifest}), the record of recoveries ({@code recoveries}), {@code coordinator.state},
 * {@code processes} (nodes, incarnations, restarts), {@code finished}, {@code aborted}, {@code halt},
 * {@code fallbacks}. Read only.
 */
final class Job {
  private final Path dir;

  Job(Path dir) { this.dir = dir; }

  /** Whether {@code dir} looks like a job directory. */
  static boolean is(Path dir) {
    return Files.exists(GlobalManifest.file(dir)) || Files.exists(dir.resolve("coordinator.state"))
        || Files.exists(dir.resolve(Coordinator.RECOVERIES))
        || Files.exists(dir.resolve("processes"));
  }

  /** One line of {@code recoveries}. */
  record Event(long millis, String kind, long epoch, String rest) {}

  List<Event> events() {
    List<Event> out = new ArrayList<>();
    for (String line : tail(dir.resolve(Coordinator.RECOVERIES), 256 * 1024)) {
      String[] t = line.split(" ", 4);
      if (t.length < 3) continue;
      try {
        out.add(new Event(Long.parseLong(t[0]), t[1], Long.parseLong(t[2]), t.length > 3 ? t[3] : ""));
      } catch (NumberFormatException e) {
        // a line being appended, or not ours: skipped
      }
    }
    return out;
  }

  /** The last {@code max} bytes of a file, as whole lines (an appended file may be large). */
  private static List<String> tail(Path f, int max) {
    if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) return List.of();
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "r")) {
      long len = raf.length();
      long from = Math.max(0, len - max);
      byte[] b = new byte[(int) (len - from)];
      raf.seek(from);
      raf.readFully(b);
      List<String> lines = new ArrayList<>(List.of(new String(b, StandardCharsets.UTF_8).split("\n")));
      if (from > 0 && !lines.isEmpty()) lines.removeFirst();
      return lines;
    } catch (IOException e) {
      return List.of();
    }
  }

  private String small(String name) {
    Path f = dir.resolve(name);
    if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) return null;
    List<String> l = tail(f, 16 * 1024);
    return String.join("\n", l).trim();
  }

  /** {@code processes}: rank → [node, incarnation]; the restarts line under key -1. */
  private Map<Integer, String[]> processes() {
    Map<Integer, String[]> out = new TreeMap<>();
    for (String line : tail(dir.resolve("processes"), 64 * 1024)) {
      String[] t = line.trim().split("\\s+");
      try {
        if (t.length == 2 && t[0].equals("restarts")) out.put(-1, new String[]{t[1]});
        if (t.length >= 6 && t[0].equals("rank") && t[2].startsWith("node=") && t[3].startsWith("incarnation="))
          out.put(Integer.parseInt(t[1]), new String[]{t[2].substring(5), t[3].substring(12)});
      } catch (NumberFormatException e) {
        // not a line of ours
      }
    }
    return out;
  }

  void page(StringBuilder b, long now) {
    b.append("<h2>Parallel job <small>").append(esc(dir)).append("</small></h2>");
    List<GlobalManifest.Entry> globals;
    String globalError = null;
    try {
      globals = GlobalManifest.read(dir);
    } catch (RuntimeException e) {
      globals = List.of();
      globalError = e.getMessage();
    }
    GlobalManifest.Entry newest = globals.isEmpty() ? null : globals.getLast();
    String state = small("coordinator.state");
    Map<String, String> st = new HashMap<>();
    if (state != null) {
      String[] t = state.split("\\s+");
      for (int i = 0; i + 1 < t.length; i += 2) st.put(t[i], t[i + 1]);
    }
    String finished = small("finished");
    String aborted = small(Coordinator.ABORTED);
    boolean halt = Files.exists(dir.resolve(Coordinator.HALT));
    List<Event> events = events();
    long starts = events.stream().filter(Job::start).count();
    long rollbacks = events.stream().filter(e -> e.kind().equals("rollback")).count() - starts;
    Map<Integer, String[]> procs = processes();
    String status = aborted != null
        ? "<span class='error'>aborted: " + esc(aborted) + "</span>"
        : finished != null
            ? "finished (" + esc(finished) + ")"
            : halt ? "running, halt requested" : "running or stopped";
    Html.facts(b, "status", "<span class='job-status'>" + status + "</span>",
        "ranks", "<span class='ranks'>" + (newest == null ? "?" : Integer.toString(newest.size())) + "</span>",
        "protocol", "<span class='protocol'>" + (newest == null ? "?" : esc(newest.protocol())) + "</span>",
        "newest global version",
        "<span class='newest-global'>" + (newest == null ? "none" : Long.toString(newest.global())) + "</span>"
            + (newest == null ? "" : " (step " + newest.step() + ", " + Html.age(newest.timeMillis(), now) + " ago)"),
        "coordinator epoch", esc(st.getOrDefault("epoch", "?")),
        "starts (every rank joined)", "<span class='starts'>" + starts + "</span>",
        "recoveries (rollbacks after a failure)", "<span class='rollbacks'>" + rollbacks + "</span>",
        "processes restarted", "<span class='restarts'>"
            + (procs.containsKey(-1) ? esc(procs.get(-1)[0]) : "not recorded (no launcher)") + "</span>");
    if (globalError != null) b.append("<p class='error'>").append(esc(globalError)).append("</p>");

    b.append("<h3>Ranks</h3>");
    Map<Integer, Integer> restores = new HashMap<>();
    Map<Integer, String> lastRestore = new HashMap<>();
    for (Event e : events) {
      if (!e.kind().equals("restored")) continue;
      String[] t = e.rest().split(" ");
      try {
        int r = Integer.parseInt(t[0]);
        restores.merge(r, 1, Integer::sum);
        lastRestore.put(r,
            "epoch " + e.epoch() + (t.length > 1 ? ": version " + t[1] : "") + (t.length > 2 ? ", step " + t[2] : ""));
      } catch (NumberFormatException ex) {
        // skipped
      }
    }
    int size = newest != null ? newest.size() : procs.keySet().stream().mapToInt(i -> i + 1).max().orElse(0);
    List<List<String>> rows = new ArrayList<>();
    for (int r = 0; r < size; r++) {
      String[] p = procs.get(r);
      String node = newest != null ? newest.nodes()[r] : p != null ? p[0] : "?";
      rows.add(List.of(Integer.toString(r), esc(node),
          newest != null && newest.domains() != null ? esc(newest.domains()[r]) : "",
          p != null ? esc(p[1]) : "–", newest != null ? "<span class='part'>" + newest.versions()[r] + "</span>" : "–",
          Integer.toString(restores.getOrDefault(r, 0)), esc(lastRestore.getOrDefault(r, ""))));
    }
    Html.table(b, "ranks",
        List.of("rank", "node", "failure domains", "incarnation", "part in newest global", "restores", "last restore"),
        rows);
    if (newest != null && newest.levels() != null)
      b.append("<p>failure-domain levels (largest first): ").append(esc(String.join(", ", newest.levels())))
          .append("</p>");

    b.append("<h3>Global versions</h3>");
    if (globals.isEmpty()) b.append("<p class='empty'>none committed yet</p>");
    else {
      List<List<String>> g = new ArrayList<>();
      for (GlobalManifest.Entry e : globals.reversed()) {
        StringBuilder v = new StringBuilder();
        for (long x : e.versions()) v.append(v.isEmpty() ? "" : ", ").append(x);
        g.add(List.of("<span class='global'>" + e.global() + "</span>", Long.toString(e.step()),
            esc(Html.time(e.timeMillis())),
            Html.age(e.timeMillis(), now), esc(e.protocol()), v.toString(),
            esc(String.join(", ", new java.util.TreeSet<>(List.of(e.nodes()))))));
      }
      Html.table(b, "globals", List.of("global", "step", "committed", "age", "protocol", "rank versions", "nodes"), g);
    }

    recoveryPlot(b, events);
    b.append("<h3>Recent failures and recoveries</h3>");
    if (events.isEmpty()) b.append("<p class='empty'>no recovery recorded</p>");
    else {
      List<List<String>> ev = new ArrayList<>();
      List<Event> recent = events.subList(Math.max(0, events.size() - 40), events.size());
      for (Event e : recent.reversed())
        ev.add(List.of(esc(Html.time(e.millis())), Html.age(e.millis(), now),
            "<span class='event'>" + esc(start(e) ? "start" : e.kind()) + "</span>", Long.toString(e.epoch()),
            esc(e.rest())));
      Html.table(b, "events", List.of("time", "age", "event", "epoch", "details"), ev);
    }
    String fallbacks = small("fallbacks");
    if (fallbacks != null && !fallbacks.isEmpty())
      b.append("<h3>Fallbacks</h3><pre>").append(esc(fallbacks)).append("</pre>");
  }

  /** A rollback that starts the job (every rank joined: a launch or relaunch), not a recovery from a failure. */
  static boolean start(Event e) {
    return e.kind().equals("rollback") && e.rest().contains(" ranks joined");
  }

  /** Time from each rollback to the GO of its epoch (every rank restored), per epoch: starts and recoveries. */
  private static void recoveryPlot(StringBuilder b, List<Event> events) {
    Map<Long, Event> rollback = new LinkedHashMap<>();
    Map<Long, Double> starts = new TreeMap<>();
    Map<Long, Double> recoveries = new TreeMap<>();
    for (Event e : events) {
      if (e.kind().equals("rollback")) rollback.putIfAbsent(e.epoch(), e);
      Event r = rollback.get(e.epoch());
      if (e.kind().equals("running") && r != null)
        (start(r) ? starts : recoveries).putIfAbsent(e.epoch(), (e.millis() - r.millis()) / 1000.0);
    }
    List<Svg.Series> series = new ArrayList<>();
    if (!starts.isEmpty()) series.add(series("start", starts));
    if (!recoveries.isEmpty()) series.add(series("recovery", recoveries));
    if (series.isEmpty()) return;
    b.append("<div class='plot' id='plot-recoveries'>")
        .append(Svg.lineChart("Rollback to all ranks running, per epoch", "epoch", "seconds", series, false, List.of(),
            false, true))
        .append("</div>");
  }

  private static Svg.Series series(String name, Map<Long, Double> m) {
    return new Svg.Series(name, m.keySet().stream().mapToDouble(Long::doubleValue).toArray(),
        m.values().stream().mapToDouble(Double::doubleValue).toArray());
  }
}
