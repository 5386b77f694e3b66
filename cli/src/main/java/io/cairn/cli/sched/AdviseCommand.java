package io.cairn.cli.sched;

import io.cairn.internal.util.Svg;
import io.cairn.sched.Advice;
import io.cairn.sched.Durations;
import io.cairn.sched.MultiLevel;
import io.cairn.sched.report.Json;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cairn advise}: recommended checkpoint intervals by model, expected efficiency, sensitivity to a wrong MTBF. */
@Command(name = "advise", mixinStandardHelpOptions = true, description = {
    "Recommends checkpoint intervals (Young, Daly, exact exponential, Weibull, multi-level),",
    "the expected efficiency, and how it degrades when the MTBF is wrong (table + SVG plot).",
    "Durations take units: 90s, 5m, 1.5h, 2d, 1y."})
public final class AdviseCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--cost", description = "time to write one checkpoint, e.g. 5m (or measured: --from)")
  String cost;
  @Option(names = "--restart", description = "time to restart from a checkpoint (default: measured with --from, else 0)")
  String restart;
  @Option(names = "--from", description = "a Cairn checkpoint directory (or its <name>/stats.json): use its measured checkpoint and restore times")
  java.nio.file.Path from;
  @Option(names = "--downtime", defaultValue = "0", description = "failure-free downtime after each failure (default ${DEFAULT-VALUE})")
  String downtime;
  @Option(names = "--mtbf", required = true, description = "mean time between failures seen by the job, e.g. 24h")
  String mtbf;
  @Option(names = "--weibull-shape", description = "also optimise for Weibull failures with this shape (e.g. 0.7) and the same mean")
  Double shape;
  @Option(names = "--level", description = "a checkpoint level name:cost:recovery:mtbf (failures only that level recovers), repeatable, lowest first; e.g. --level local:5s:10s:6h --level pfs:5m:10m:3d")
  List<String> levels = new ArrayList<>();
  @Option(names = "--plot", defaultValue = "advise-sensitivity.svg", description = "where to write the sensitivity plot (SVG; default ${DEFAULT-VALUE}); 'none' to skip")
  String plot;
  @Option(names = "--json", description = "print the numbers as JSON (intervals in seconds)")
  boolean json;
  @Option(names = "--exact-max-patterns", defaultValue = "2000", description = {
      "with levels, the most ratio vectors the exact multi-level",
      "model's optimum may evaluate (about 0.1 ms each); beyond, a bounded search (default ${DEFAULT-VALUE})"})
  long exactMaxPatterns;

  @Override
  public Integer call() throws Exception {
    try {
      return doCall();
    } catch (java.io.IOException | IllegalArgumentException | java.io.UncheckedIOException e) {
      spec.commandLine().getErr().println(
          "cairn advise: " + (e instanceof java.nio.file.NoSuchFileException ? "no such file: " : "") + e.getMessage());
      spec.commandLine().getErr().flush();
      return 2;
    }
  }

  private Integer doCall() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    List<MultiLevel.Level> ls = new ArrayList<>();
    for (String l : levels) {
      String[] p = l.split(":");
      if (p.length != 4)
        throw new IllegalArgumentException(
            "--level '" + l + "': expected name:cost:recovery:mtbf, e.g. local:5s:10s:6h");
      ls.add(new MultiLevel.Level(p[0], Durations.parse(p[1]), Durations.parse(p[2]), 1 / Durations.parse(p[3])));
    }
    double c, rs;
    if (from != null) {
      var st = io.cairn.sched.CheckpointStats.read(from);
      c = cost != null ? Durations.parse(cost) : st.meanCostSeconds();
      rs = restart != null ? Durations.parse(restart) : Double.isNaN(st.restoreSeconds()) ? c : st.restoreSeconds();
      if (!json)
        out.printf(Locale.ROOT, "measured in %s: %d checkpoints, mean cost %.3fs, restore %s%n", st.file(),
            st.checkpoints(),
            st.meanCostSeconds(),
            Double.isNaN(st.restoreSeconds())
                ? "not measured (using the cost)"
                : String.format(Locale.ROOT, "%.3fs", st.restoreSeconds()));
    } else {
      if (cost == null)
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
            "give --cost (e.g. --cost 5m) or --from <checkpoint dir>");
      c = Durations.parse(cost);
      rs = restart != null ? Durations.parse(restart) : 0;
    }
    if (!(c > 0)) throw new IllegalArgumentException("checkpoint cost must be > 0, got " + c + " s");
    if (exactMaxPatterns < 1)
      throw new IllegalArgumentException("--exact-max-patterns must be >= 1, got " + exactMaxPatterns);
    Advice a = Advice.compute(c, rs, Durations.parse(downtime), Durations.parse(mtbf), shape, ls, exactMaxPatterns);
    if (!plot.equals("none")) {
      var s = a.sensitivity();
      List<Svg.Series> series = new ArrayList<>(List.of(new Svg.Series("Young (assumed MTBF)", s.factors(), s.young()),
          new Svg.Series("Daly (assumed MTBF)", s.factors(), s.daly()),
          new Svg.Series("optimum (real MTBF)", s.factors(), s.optimal())));
      if (s.multiLevelPlanExact() != null)
        series.add(new Svg.Series("multi-level plan, exact", s.factors(), s.multiLevelPlanExact()));
      if (s.multiLevelBestExact() != null)
        series.add(new Svg.Series("multi-level best, exact", s.factors(), s.multiLevelBestExact()));
      String svg = Svg.lineChart("Efficiency when the real MTBF differs from the assumed " + Durations.format(a.mtbf()),
          "real MTBF / assumed MTBF" + (s.multiLevelPlanExact() != null ? " (multi-level: every level's alike)" : ""),
          "efficiency (useful work / wall time)", series, true);
      Path p = Path.of(plot);
      if (p.toAbsolutePath().getParent() != null) Files.createDirectories(p.toAbsolutePath().getParent());
      Files.writeString(p, svg);
    }
    if (json) {
      var m = a.toMap();
      if (!plot.equals("none")) m.put("plot", plot);
      out.print(Json.write(m));
      out.flush();
      return 0;
    }
    out.printf(Locale.ROOT, "checkpoint cost %s, restart %s, downtime %s, MTBF %s%n%n", Durations.format(a.cost()),
        Durations.format(a.restart()), Durations.format(a.downtime()), Durations.format(a.mtbf()));
    out.printf(Locale.ROOT, "%-18s %-28s %10s  %s%n", "model", "interval", "efficiency", "note");
    for (Advice.Row r : a.rows()) {
      StringBuilder iv = new StringBuilder();
      for (double d : r.intervals()) { if (!iv.isEmpty()) iv.append(" / "); iv.append(Durations.format(d)); }
      out.printf(Locale.ROOT, "%-18s %-28s %9.2f%%  %s%n", r.model(), iv, 100 * r.efficiency(), r.note());
      if (r.model().equals("multi-level") && a.exact() != null && !Double.isNaN(a.exact().atPlan())) {
        out.printf(Locale.ROOT, "%-18s %-28s %9.2f%%  %s%n", "  exact model", "same plan", 100 * a.exact().atPlan(),
            "the plan above under the exact model (Moody et al. SC'10)");
      }
    }
    if (a.exact() != null) {
      var x = a.exact();
      if (x.optimum() != null && !x.optimum().exhaustive()) {
        out.printf(Locale.ROOT,
            "multi-level-exact: bounded search, %,d of the %,d ratio vectors in range evaluated (grid, then local search);"
                + " --exact-max-patterns %d for all of them%n",
            x.optimum().evaluated(), x.optimum().candidates(), x.optimum().candidates());
      }
      if (x.optimum() != null && x.optimum().atEdge()) {
        out.println(
            "multi-level-exact: the best pattern lies on the edge of the search range (interval 1/8 to 8 times, ratios 1/4 to 4 times"
                + " the first-order plan's); a better one may lie outside it");
      }
      for (String note : x.notes()) out.println("multi-level: " + note);
    }
    out.printf(Locale.ROOT,
        "%nsensitivity (Daly's interval for the assumed MTBF): real MTBF x0.5 -> %.2f%%, x2 -> %.2f%%, x0.1 -> %.2f%%%n",
        100 * a.dalyEfficiencyIfMtbfIs(0.5), 100 * a.dalyEfficiencyIfMtbfIs(2), 100 * a.dalyEfficiencyIfMtbfIs(0.1));
    if (!plot.equals("none")) out.println("plot: " + plot);
    out.flush();
    return 0;
  }
}
