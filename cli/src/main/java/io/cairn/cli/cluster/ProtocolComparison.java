package io.cairn.cli.cluster;

import io.cairn.Cairn;
import io.cairn.Checkpointer;
import io.cairn.Version;
import io.cairn.cluster.Launcher;
import io.cairn.cluster.Protocol;
import io.cairn.cluster.examples.Bank;
import io.cairn.cluster.examples.Heat;
import io.cairn.internal.util.Svg;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code cairn cluster bench --protocols blocking,chandy-lamport,independent,...}: the protocols side by side, in one run,
 * on the bank workload and the heat (halo exchange) example. Per workload a baseline without checkpoints, then per
 * protocol a failure-free run (its time against the baseline's; bytes logged per byte sent from the ranks' version
 * metadata {@code cairn.logged-bytes} / {@code cairn.sent-bytes}, "-" when a protocol writes none) and a run with one
 * kill -9 of a rank half way: the ranks that restored (the coordinator's {@code <job>/recoveries}), the steps executed
 * again (the examples' {@code --progress} counters, minus the job's steps) and the time from the kill until every rank
 * runs again. Run times are the coordinator's, from the first GO to the end (JVM starts excluded).
 */
final class ProtocolComparison {
  private ProtocolComparison() {}

  record Settings(int ranks, int steps, int every, int delayMs, int rows, Path job) {}

  /** One workload under one protocol ("none": the baseline without checkpoints). */
  record Row(String workload, String protocol, double runSeconds, double overhead, double loggedPerSent,
      int ranksRestored, long stepsLost,
      double recoverySeconds, String result) {}

  static int run(List<String> names, List<String> workloads, Settings s, String svg, boolean json) throws Exception {
    List<Protocol> protocols = new ArrayList<>();
    for (String n : names) protocols.add(Protocol.parse(n)); // unknown names: IllegalArgumentException, reported by the caller
    for (String w : workloads)
      if (!w.equals("heat") && !w.equals("bank"))
        throw new IllegalArgumentException("unknown workload '" + w + "': use heat, bank or both");
    if (s.ranks() < 2)
      throw new IllegalArgumentException("the protocols differ only with at least 2 ranks, got " + s.ranks());
    if (s.every() < 1 || s.steps() < 2 * s.every())
      throw new IllegalArgumentException("need --every >= 1 and --steps >= 2 x --every (a checkpoint before the kill)");
    List<Row> rows = new ArrayList<>();
    for (String w : workloads) {
      Run base = job(w, null, s, false);
      rows.add(new Row(w, "none", base.seconds, 1.0, Double.NaN, -1, -1, Double.NaN, base.result));
      progress(json, rows.getLast());
      for (Protocol p : protocols) {
        Run ff = job(w, p, s, false);
        Run k = job(w, p, s, true);
        rows.add(new Row(w, p.id(), ff.seconds, ff.seconds / base.seconds, ff.loggedPerSent, k.restored, k.stepsLost,
            k.recoverySeconds,
            ff.result.equals(k.result) ? k.result : ff.result + "/" + k.result));
        progress(json, rows.getLast());
      }
    }
    Demo.clean(s.job());
    if (!svg.equals("none")) Files.writeString(Path.of(svg), chart(rows, s));
    if (json) {
      List<Map<String, Object>> l = new ArrayList<>();
      for (Row r : rows) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("workload", r.workload());
        m.put("protocol", r.protocol());
        m.put("runSeconds", r.runSeconds());
        m.put("overhead", r.overhead());
        m.put("loggedPerSent", Double.isNaN(r.loggedPerSent()) ? null : r.loggedPerSent());
        m.put("ranksRestored", r.ranksRestored() < 0 ? null : r.ranksRestored());
        m.put("stepsLost", r.stepsLost() < 0 ? null : r.stepsLost());
        m.put("recoverySeconds", Double.isNaN(r.recoverySeconds()) ? null : r.recoverySeconds());
        m.put("result", r.result());
        l.add(m);
      }
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("ranks", s.ranks());
      out.put("steps", s.steps());
      out.put("every", s.every());
      out.put("delayMs", s.delayMs());
      out.put("results", l);
      System.out.println(Out.json(out));
    } else {
      System.out.printf(Locale.ROOT,
          "%d ranks, %d steps, checkpoint every %d steps, %d ms of work per step; one kill -9 of rank %d half way%n",
          s.ranks(), s.steps(), s.every(), s.delayMs(), victim(s));
      System.out.printf(Locale.ROOT, "%-8s %-15s %8s %9s %12s %15s %11s %11s  %s%n", "workload", "protocol", "run s",
          "overhead", "logged/sent",
          "ranks restored", "steps lost", "recovery s", "result");
      for (Row r : rows) {
        System.out.printf(Locale.ROOT, "%-8s %-15s %8.2f %8.2fx %12s %15s %11s %11s  %s%n", r.workload(), r.protocol(),
            r.runSeconds(), r.overhead(),
            Double.isNaN(r.loggedPerSent()) ? "-" : String.format(Locale.ROOT, "%.3f", r.loggedPerSent()),
            r.ranksRestored() < 0 ? "-" : r.ranksRestored() + " of " + s.ranks(),
            r.stepsLost() < 0 ? "-" : Long.toString(r.stepsLost()),
            Double.isNaN(r.recoverySeconds()) ? "-" : String.format(Locale.ROOT, "%.2f", r.recoverySeconds()),
            r.result());
      }
      if (!svg.equals("none")) System.out.println("chart: " + svg);
    }
    for (Row r : rows) if (!r.result().equals("bit-identical") && !r.result().equals("conserved")) return 1;
    return 0;
  }

  private static void progress(boolean json, Row r) {
    if (json) return;
    System.err.printf(Locale.ROOT, "  %s, %s: %.2f s%s%n", r.workload(), r.protocol(), r.runSeconds(),
        r.ranksRestored() < 0
            ? ""
            : String.format(Locale.ROOT, "; after a kill %d ranks restored, %d steps lost, recovered in %.2f s (%s)",
                r.ranksRestored(), r.stepsLost(), r.recoverySeconds(), r.result()));
  }

  private static int victim(Settings s) { return s.ranks() / 2; }

  private record Run(double seconds, double loggedPerSent, int restored, long stepsLost, double recoverySeconds,
      String result) {}

  /** One job: {@code protocol} null is the baseline (no checkpoint at all). */
  private static Run job(String workload, Protocol protocol, Settings s, boolean kill) throws Exception {
    Path dir = s.job();
    Demo.clean(dir);
    int every = protocol == null ? 0 : s.every();
    List<String> cmd = workload.equals("heat")
        ? List.of(Heat.class.getName(), "--rows", "" + s.rows(), "--cols", "" + s.rows(), "--steps", "" + s.steps(),
            "--every", "" + every,
            "--delay-ms", "" + s.delayMs(), "--progress", "1")
        : List.of(Bank.class.getName(), "--steps", "" + s.steps(), "--every", "" + every, "--delay-ms",
            "" + s.delayMs(), "--progress", "1");
    long killedAt = 0;
    try (Launcher.Job j = Launcher.builder().ranks(s.ranks()).nodes(Math.max(1, s.ranks() / 2)).jobDir(dir)
        .protocol(protocol == null ? Protocol.INDEPENDENT : protocol).jvmOption("-Xmx96m")
        .failTimeout(Duration.ofSeconds(30)).command(cmd).start()) {
      if (kill) {
        long deadline = System.currentTimeMillis() + 300_000;
        while (!j.isDone() && minProgress(dir, s.ranks()) < s.steps() / 2 && System.currentTimeMillis() < deadline)
          Thread.sleep(10);
        killedAt = System.currentTimeMillis();
        if (!j.kill(victim(s)))
          throw new IllegalStateException(workload + " under " + protocol.id()
              + ": the job ended before the kill of rank " + victim(s) + " (make --steps larger)");
      }
      int code = j.await(Duration.ofMinutes(10));
      if (code != 0)
        throw new IllegalStateException(
            workload + " job (" + (protocol == null ? "no checkpoints" : protocol.id()) + (kill ? ", with a kill" : "")
                + ") failed with exit code " + code + "; logs in " + dir.resolve("logs"));
    }
    List<String[]> events = new ArrayList<>();
    for (String l : Files.readAllLines(dir.resolve("recoveries"))) events.add(l.split(" "));
    long running = -1;
    long finished = -1;
    long recovered = -1;
    Set<Integer> restored = new HashSet<>();
    for (String[] e : events) {
      long t = Long.parseLong(e[0]);
      if (e[1].equals("running") && running < 0) running = t;
      if (e[1].equals("finished")) finished = t;
      if (kill && t >= killedAt && e[1].equals("restored")) restored.add(Integer.parseInt(e[3]));
      if (kill && t >= killedAt && e[1].equals("running")) recovered = t; // the last GO after the kill: every rank runs again
    }
    if (running < 0 || finished < 0)
      throw new IllegalStateException(dir.resolve("recoveries") + " lacks the start or the end of the job");
    long executed = 0;
    for (int r = 0; r < s.ranks(); r++) executed += progressOf(dir, r);
    String result;
    if (workload.equals("heat")) {
      result = Arrays.equals(Files.readAllBytes(dir.resolve("heat-result.bin")),
          Heat.reference(s.rows(), s.rows(), s.steps())) ? "bit-identical" : "DIFFERENT";
    } else {
      result = Files.readString(dir.resolve("bank-result.txt")).trim().equals(Long.toString(s.ranks() * Bank.START))
          ? "conserved"
          : "NOT CONSERVED";
    }
    return new Run((finished - running) / 1000.0, protocol == null ? Double.NaN : loggedPerSent(dir, s.ranks()),
        restored.size(),
        executed - (long) s.ranks() * s.steps(), kill && recovered > 0 ? (recovered - killedAt) / 1000.0 : Double.NaN,
        result);
  }

  private static long minProgress(Path dir, int ranks) throws IOException {
    long min = Long.MAX_VALUE;
    for (int r = 0; r < ranks; r++) min = Math.min(min, progressOf(dir, r));
    return min;
  }

  /** A rank's count of executed steps ({@code <job>/progress/r<rank>}: 8 bytes, big-endian; 0 when absent). */
  private static long progressOf(Path dir, int rank) throws IOException {
    Path f = dir.resolve("progress").resolve("r" + rank);
    if (!Files.exists(f)) return 0;
    byte[] b = Files.readAllBytes(f);
    return b.length < 8 ? 0 : ByteBuffer.wrap(b).getLong();
  }

  /**
   * Bytes logged per byte sent, over all ranks: the newest version of each rank's part ({@code persistent} level) with the
   * metadata keys {@code cairn.logged-bytes} and {@code cairn.sent-bytes}; NaN when a rank has none (the protocol logs nothing).
   */
  static double loggedPerSent(Path dir, int ranks) {
    long logged = 0;
    long sent = 0;
    for (int r = 0; r < ranks; r++) {
      try (Checkpointer c = Cairn.builder().name("r" + r + "of" + ranks).directory(dir.toAbsolutePath())
          .set("levels", "persistent")
          .set("level.persistent.path", dir.toAbsolutePath().resolve("persistent").toString()).set("signals", "false")
          .readOnly(true).open()) {
        List<Version> vs = c.versions();
        if (vs.isEmpty()) return Double.NaN;
        Map<String, String> m = vs.getLast().metadata();
        if (!m.containsKey("cairn.logged-bytes") || !m.containsKey("cairn.sent-bytes")) return Double.NaN;
        logged += Long.parseLong(m.get("cairn.logged-bytes"));
        sent += Long.parseLong(m.get("cairn.sent-bytes"));
      } catch (RuntimeException e) {
        return Double.NaN;
      }
    }
    return sent == 0 ? Double.NaN : (double) logged / sent;
  }

  /** Four bar charts stacked in one SVG: overhead, ranks restored, steps lost, recovery time. */
  static String chart(List<Row> rows, Settings s) {
    List<Row> measured = rows.stream().filter(r -> !r.protocol().equals("none")).toList();
    List<String> labels = measured.stream().map(r -> r.workload() + ":" + r.protocol()).toList();
    String[] titles = {"Failure-free run time vs no checkpoints (" + s.ranks() + " ranks)",
        "Ranks restored after one kill -9",
        "Steps executed again after one kill -9 (all ranks)", "Recovery time: kill to every rank running again"};
    String[] units = {"x no checkpoints", "ranks", "steps", "seconds"};
    List<String> charts = new ArrayList<>();
    for (int k = 0; k < 4; k++) {
      double[] v = new double[measured.size()];
      for (int i = 0; i < v.length; i++) {
        Row r = measured.get(i);
        v[i] = switch (k) {
          case 0 -> r.overhead();
          case 1 -> r.ranksRestored();
          case 2 -> r.stepsLost();
          default -> r.recoverySeconds();
        };
      }
      charts.add(Svg.barChart(titles[k], units[k], labels, v));
    }
    return Svg.stack(charts);
  }
}
