package io.cairn.sched.report;

import io.cairn.internal.util.Svg;
import io.cairn.sched.sim.SimResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes the results of simulations into a directory: {@code metrics.csv}, {@code metrics.json},
 * {@code utilization.csv}, SVG plots (utilization over time, wasted work, slowdown and makespan per policy) and
 * {@code report.html} that shows them all in a browser.
 */
public final class Report {
  private Report() {}

  /** Writes the report; returns the files written. */
  public static List<Path> write(Path dir, String title, Map<String, Object> setup, List<SimResult> results)
      throws IOException {
    Files.createDirectories(dir);
    List<Path> out = new ArrayList<>();
    List<Map<String, Object>> rows = results.stream().map(SimResult::metrics).toList();
    // metrics.csv
    StringBuilder csv = new StringBuilder(String.join(",", rows.get(0).keySet())).append('\n');
    for (Map<String, Object> r : rows) {
      List<String> cells = new ArrayList<>();
      for (Object v : r.values())
        cells.add(v instanceof Double d ? String.format(Locale.ROOT, "%.6g", d) : String.valueOf(v));
      csv.append(String.join(",", cells)).append('\n');
    }
    out.add(write(dir.resolve("metrics.csv"), csv.toString()));
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("title", title);
    json.put("setup", setup);
    json.put("results", rows);
    out.add(write(dir.resolve("metrics.json"), Json.write(json)));
    // utilization.csv: time, one column per policy
    StringBuilder u = new StringBuilder("time_h");
    int len = 0;
    for (SimResult r : results) { u.append(',').append(r.policy()); len = Math.max(len, r.utilizationSeries().length); }
    u.append('\n');
    double bucket = results.get(0).utilizationTimes().length > 1 ? results.get(0).utilizationTimes()[1] : 3600;
    for (int i = 0; i < len; i++) {
      u.append(String.format(Locale.ROOT, "%.3f", i * bucket / 3600));
      for (SimResult r : results)
        u.append(',').append(
            i < r.utilizationSeries().length ? String.format(Locale.ROOT, "%.4f", r.utilizationSeries()[i]) : "");
      u.append('\n');
    }
    out.add(write(dir.resolve("utilization.csv"), u.toString()));
    // plots
    List<Svg.Series> series = new ArrayList<>();
    for (SimResult r : results) {
      double[] y = smooth(r.utilizationSeries(), Math.max(1, r.utilizationSeries().length / 150));
      double[] x = new double[y.length];
      int w = Math.max(1, r.utilizationSeries().length / 150);
      for (int i = 0; i < x.length; i++) x[i] = i * w * bucket / 86400;
      series.add(new Svg.Series(r.policy(), x, y));
    }
    List<String> labels = results.stream().map(SimResult::policy).toList();
    Map<String, String> svgs = new LinkedHashMap<>();
    svgs.put("utilization.svg",
        Svg.lineChart("Busy nodes over time (smoothed)", "time (days)", "utilization", series, false));
    svgs.put("wasted.svg", Svg.barChart("Wasted work (lost computation), node-hours", "node-hours",
        labels, results.stream().mapToDouble(SimResult::wastedNodeHours).toArray()));
    svgs.put("overhead.svg", Svg.barChart("Lost + checkpoint + restart time, node-hours", "node-hours", labels,
        results.stream().mapToDouble(r -> r.wastedNodeHours() + r.checkpointNodeHours() + r.restartNodeHours())
            .toArray()));
    svgs.put("slowdown.svg", Svg.barChart("Mean bounded slowdown (10 s bound)", "bounded slowdown", labels,
        results.stream().mapToDouble(SimResult::meanBoundedSlowdown).toArray()));
    svgs.put("makespan.svg", Svg.barChart("Makespan, days", "days", labels,
        results.stream().mapToDouble(r -> r.makespan() / 86400).toArray()));
    for (var e : svgs.entrySet()) out.add(write(dir.resolve(e.getKey()), e.getValue()));
    // html
    StringBuilder h = new StringBuilder("<!doctype html><html><head><meta charset='utf-8'><title>")
        .append(Svg.esc(title))
        .append(
            "</title><style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#eee}</style></head><body>");
    h.append("<h1>").append(Svg.esc(title)).append("</h1><h2>Setup</h2><table>");
    for (var e : setup.entrySet())
      h.append("<tr><th style='text-align:left'>").append(Svg.esc(e.getKey()))
          .append("</th><td style='text-align:left'>").append(Svg.esc(String.valueOf(e.getValue())))
          .append("</td></tr>");
    h.append("</table><h2>Metrics</h2><table><tr>");
    for (String k : rows.get(0).keySet()) h.append("<th>").append(Svg.esc(k)).append("</th>");
    h.append("</tr>");
    for (Map<String, Object> r : rows) {
      h.append("<tr>");
      for (Object v : r.values())
        h.append("<td>").append(Svg.esc(v instanceof Double d ? Svg.num(d) : String.valueOf(v))).append("</td>");
      h.append("</tr>");
    }
    h.append("</table><h2>Plots</h2>");
    for (String v : svgs.values()) h.append("<div>").append(v).append("</div>");
    h.append("</body></html>\n");
    out.add(write(dir.resolve("report.html"), h.toString()));
    return out;
  }

  private static double[] smooth(double[] y, int w) {
    int n = (y.length + w - 1) / w;
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      double s = 0;
      int c = 0;
      for (int k = i * w; k < Math.min(y.length, (i + 1) * w); k++) { s += y[k]; c++; }
      out[i] = s / c;
    }
    return out;
  }

  private static Path write(Path p, String text) throws IOException {
    Files.writeString(p, text);
    return p;
  }
}
