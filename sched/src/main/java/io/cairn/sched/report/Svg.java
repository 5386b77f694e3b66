package io.cairn.sched.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Hand-written SVG charts (line and bar) for reports; no plotting library. */
public final class Svg {
  private Svg() {}

  private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"};

  /** A named series of (x, y) points. */
  public record Series(String name, double[] x, double[] y) {}

  /** A line chart; {@code logX} plots x on a log scale. */
  public static String lineChart(String title, String xLabel, String yLabel, List<Series> series, boolean logX) {
    return lineChart(title, xLabel, yLabel, series, logX, false);
  }

  /** A line chart; {@code markers} also draws a dot at each point (a series of one point shows). */
  public static String lineChart(String title, String xLabel, String yLabel, List<Series> series, boolean logX, boolean markers) {
    int w = 760, h = 420, l = 70, r = 190, t = 40, b = 55;
    double xmin = Double.POSITIVE_INFINITY, xmax = Double.NEGATIVE_INFINITY, ymin = Double.POSITIVE_INFINITY, ymax = Double.NEGATIVE_INFINITY;
    for (Series s : series) {
      for (int i = 0; i < s.x().length; i++) {
        if (!Double.isFinite(s.y()[i])) continue;
        double x = logX ? Math.log10(s.x()[i]) : s.x()[i];
        xmin = Math.min(xmin, x); xmax = Math.max(xmax, x);
        ymin = Math.min(ymin, s.y()[i]); ymax = Math.max(ymax, s.y()[i]);
      }
    }
    if (!(xmax > xmin)) { xmax = xmin + 1; }
    if (!(ymax > ymin)) { ymax = ymin + 1; }
    double pad = (ymax - ymin) * 0.05;
    ymin -= pad; ymax += pad;
    StringBuilder sb = header(w, h, title);
    axes(sb, l, t, w - l - r, h - t - b, xmin, xmax, ymin, ymax, logX, xLabel, yLabel);
    int k = 0;
    for (Series s : series) {
      String col = COLORS[k % COLORS.length];
      sb.append("<polyline fill='none' stroke='").append(col).append("' stroke-width='2' points='");
      for (int i = 0; i < s.x().length; i++) {
        if (!Double.isFinite(s.y()[i])) continue;
        double x = logX ? Math.log10(s.x()[i]) : s.x()[i];
        sb.append(f(l + (x - xmin) / (xmax - xmin) * (w - l - r))).append(',').append(f(t + (ymax - s.y()[i]) / (ymax - ymin) * (h - t - b))).append(' ');
      }
      sb.append("'/>\n");
      if (markers) {
        for (int i = 0; i < s.x().length; i++) {
          if (!Double.isFinite(s.y()[i])) continue;
          double x = logX ? Math.log10(s.x()[i]) : s.x()[i];
          sb.append("<circle r='3' fill='").append(col).append("' cx='").append(f(l + (x - xmin) / (xmax - xmin) * (w - l - r))).append("' cy='")
              .append(f(t + (ymax - s.y()[i]) / (ymax - ymin) * (h - t - b))).append("'/>\n");
        }
      }
      legend(sb, w - r + 10, t + 10 + 20 * k, col, s.name());
      k++;
    }
    return sb.append("</svg>\n").toString();
  }

  /** A bar chart of one value per label. */
  public static String barChart(String title, String yLabel, List<String> labels, double[] values) {
    int w = 760, h = 420, l = 80, r = 30, t = 40, b = 70;
    double ymax = 0;
    for (double v : values) if (Double.isFinite(v)) ymax = Math.max(ymax, v);
    if (ymax <= 0) ymax = 1;
    ymax *= 1.1;
    StringBuilder sb = header(w, h, title);
    axes(sb, l, t, w - l - r, h - t - b, 0, labels.size(), 0, ymax, false, null, yLabel);
    double slot = (double) (w - l - r) / labels.size();
    for (int i = 0; i < labels.size(); i++) {
      double v = Double.isFinite(values[i]) ? values[i] : 0;
      double bh = v / ymax * (h - t - b);
      double x = l + i * slot + slot * 0.15;
      sb.append("<rect x='").append(f(x)).append("' y='").append(f(h - b - bh)).append("' width='").append(f(slot * 0.7))
          .append("' height='").append(f(bh)).append("' fill='").append(COLORS[i % COLORS.length]).append("'/>\n");
      sb.append("<text x='").append(f(x + slot * 0.35)).append("' y='").append(f(h - b - bh - 4)).append("' font-size='11' text-anchor='middle'>")
          .append(esc(num(v))).append("</text>\n");
      sb.append("<text x='").append(f(x + slot * 0.35)).append("' y='").append(h - b + 16).append("' font-size='12' text-anchor='middle'>")
          .append(esc(labels.get(i))).append("</text>\n");
    }
    return sb.append("</svg>\n").toString();
  }

  private static StringBuilder header(int w, int h, String title) {
    StringBuilder sb = new StringBuilder();
    sb.append("<svg xmlns='http://www.w3.org/2000/svg' width='").append(w).append("' height='").append(h)
        .append("' font-family='sans-serif'>\n<rect width='100%' height='100%' fill='white'/>\n");
    sb.append("<text x='").append(w / 2).append("' y='22' font-size='15' text-anchor='middle'>").append(esc(title)).append("</text>\n");
    return sb;
  }

  private static void axes(StringBuilder sb, int l, int t, int pw, int ph, double xmin, double xmax, double ymin, double ymax,
                           boolean logX, String xLabel, String yLabel) {
    sb.append("<rect x='").append(l).append("' y='").append(t).append("' width='").append(pw).append("' height='").append(ph)
        .append("' fill='none' stroke='#444'/>\n");
    for (double v : ticks(ymin, ymax)) {
      double y = t + (ymax - v) / (ymax - ymin) * ph;
      sb.append("<line x1='").append(l).append("' x2='").append(l + pw).append("' y1='").append(f(y)).append("' y2='").append(f(y))
          .append("' stroke='#ddd'/>\n<text x='").append(l - 6).append("' y='").append(f(y + 4)).append("' font-size='11' text-anchor='end'>")
          .append(esc(num(v))).append("</text>\n");
    }
    if (xLabel != null) {
      for (double v : ticks(xmin, xmax)) {
        double x = l + (v - xmin) / (xmax - xmin) * pw;
        sb.append("<text x='").append(f(x)).append("' y='").append(t + ph + 16).append("' font-size='11' text-anchor='middle'>")
            .append(esc(num(logX ? Math.pow(10, v) : v))).append("</text>\n");
      }
      sb.append("<text x='").append(l + pw / 2).append("' y='").append(t + ph + 40).append("' font-size='12' text-anchor='middle'>").append(esc(xLabel)).append("</text>\n");
    }
    sb.append("<text transform='translate(16,").append(t + ph / 2).append(") rotate(-90)' font-size='12' text-anchor='middle'>").append(esc(yLabel)).append("</text>\n");
  }

  private static void legend(StringBuilder sb, int x, int y, String col, String name) {
    sb.append("<rect x='").append(x).append("' y='").append(y - 9).append("' width='14' height='4' fill='").append(col).append("'/>\n");
    sb.append("<text x='").append(x + 20).append("' y='").append(y - 3).append("' font-size='12'>").append(esc(name)).append("</text>\n");
  }

  static List<Double> ticks(double lo, double hi) {
    double span = hi - lo;
    double step = Math.pow(10, Math.floor(Math.log10(span / 5)));
    if (span / step > 10) step *= 2;
    if (span / step > 10) step *= 2.5;
    List<Double> out = new ArrayList<>();
    for (double v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * span; v += step) out.add(Math.abs(v) < 1e-12 * span ? 0 : v);
    return out;
  }

  static String num(double v) {
    double a = Math.abs(v);
    if (a == 0) return "0";
    if (a != 0 && (a >= 1e6 || a < 1e-3)) return String.format(Locale.ROOT, "%.2e", v);
    if (a >= 100) return String.format(Locale.ROOT, "%.0f", v);
    return String.format(Locale.ROOT, "%.3g", v);
  }

  private static String f(double v) { return String.format(Locale.ROOT, "%.1f", v); }

  static String esc(String s) { return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;"); }
}
