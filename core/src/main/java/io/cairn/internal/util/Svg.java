package io.cairn.internal.util;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one SVG chart writer of Cairn (the reports and benchmark charts of {@code cairn advise}, {@code simulate},
 * {@code bench}, {@code cluster bench}, {@code hw bench}, {@code dl demo}/{@code bench}, the redundancy bench): line
 * charts, vertical bars (one per label, or grouped with a legend), horizontal bars (linear or log scale, with a
 * reference value, target ticks and headings), and several charts stacked in one file. Hand-written SVG, no library.
 *
 * <p>Every text is escaped ({@link #esc}); non-finite values are never drawn as numbers: a line chart leaves a gap, a
 * bar is left out and labelled "n/a"; a chart without any finite value still draws its axes and says "no data".
 */
public final class Svg {
  private Svg() {}

  /** The colours of series and bars, in order. */
  public static final List<String> COLORS = List.of("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
      "#e377c2",
      "#17becf");

  private static final int W = 760;
  private static final int H = 420;

  /** A named series of (x, y) points; {@code dashed} draws it dashed (e.g. a run to compare with a solid reference). */
  public record Series(String name, double[] x, double[] y, boolean dashed) {
    public Series {
      if (x.length != y.length)
        throw new IllegalArgumentException(
            "series '" + name + "': " + x.length + " x values, " + y.length + " y values");
    }

    public Series(String name, double[] x, double[] y) {
      this(name, x, y, false);
    }
  }

  /** A vertical mark across a line chart at {@code x}, labelled above the plot (e.g. where a process was killed). */
  public record Mark(double x, String label) {}

  /** A line chart; {@code logX} plots x on a log scale (points with x <= 0 are left out). */
  public static String lineChart(String title, String xLabel, String yLabel, List<Series> series, boolean logX) {
    return lineChart(title, xLabel, yLabel, series, logX, List.of(), false);
  }

  /**
   * A line chart with vertical {@code marks}; {@code fromZero} keeps 0 on the y axis. Non-finite points are gaps in
   * their line.
   */
  public static String lineChart(String title, String xLabel, String yLabel, List<Series> series, boolean logX,
      List<Mark> marks,
      boolean fromZero) {
    return lineChart(title, xLabel, yLabel, series, logX, marks, fromZero, false);
  }

  /**
   * {@link #lineChart(String, String, String, List, boolean, List, boolean)}; {@code markers} also draws a dot at each
   * point (so that a series of one point shows).
   */
  public static String lineChart(String title, String xLabel, String yLabel, List<Series> series, boolean logX,
      List<Mark> marks,
      boolean fromZero, boolean markers) {
    int l = 70, r = 190, t = 40, b = 55;
    int pw = W - l - r, ph = H - t - b;
    Range xr = new Range(), yr = new Range();
    for (Series s : series) {
      for (int i = 0; i < s.x().length; i++) {
        double x = xv(s.x()[i], logX);
        if (Double.isFinite(x) && Double.isFinite(s.y()[i])) {
          xr.add(x);
          yr.add(s.y()[i]);
        }
      }
    }
    boolean empty = xr.empty();
    for (Mark m : marks) xr.add(xv(m.x(), logX));
    if (fromZero) yr.add(0);
    xr.fix();
    yr.fix();
    if (!fromZero || yr.lo < 0) yr.pad(0.05);
    else
      yr.hi += (yr.hi - yr.lo) * 0.05;
    StringBuilder sb = header(W, H, title);
    frame(sb, l, t, pw, ph, yr, yLabel);
    for (double v : ticks(xr.lo, xr.hi)) {
      double x = l + (v - xr.lo) / (xr.hi - xr.lo) * pw;
      text(sb, x, t + ph + 16, 11, "middle", num(logX ? Math.pow(10, v) : v));
    }
    text(sb, l + pw / 2.0, t + ph + 40, 12, "middle", xLabel);
    if (empty) text(sb, l + pw / 2.0, t + ph / 2.0, 14, "middle", "no data");
    for (Mark m : marks) {
      double mx = xv(m.x(), logX);
      if (!Double.isFinite(mx)) continue;
      double x = l + (mx - xr.lo) / (xr.hi - xr.lo) * pw;
      sb.append("<line x1='").append(f(x)).append("' x2='").append(f(x)).append("' y1='").append(t).append("' y2='")
          .append(t + ph)
          .append("' stroke='#c00' stroke-dasharray='2,3'/>\n");
      sb.append("<text x='").append(f(x)).append("' y='").append(t - 4)
          .append("' font-size='11' fill='#c00' text-anchor='middle'>")
          .append(esc(m.label())).append("</text>\n");
    }
    int k = 0;
    for (Series s : series) {
      String col = COLORS.get(k % COLORS.size());
      String style = "fill='none' stroke='" + col + "' stroke-width='"
          + (s.dashed() ? "1.5' stroke-dasharray='6,4'" : "2'");
      StringBuilder pts = new StringBuilder();
      for (int i = 0; i <= s.x().length; i++) {
        double x = i < s.x().length ? xv(s.x()[i], logX) : Double.NaN;
        double y = i < s.x().length ? s.y()[i] : Double.NaN;
        if (Double.isFinite(x) && Double.isFinite(y)) {
          pts.append(f(l + (x - xr.lo) / (xr.hi - xr.lo) * pw)).append(',')
              .append(f(t + (yr.hi - y) / (yr.hi - yr.lo) * ph)).append(' ');
        } else if (!pts.isEmpty()) { // a gap (or the end): close this piece of the line
          sb.append("<polyline ").append(style).append(" points='").append(pts.toString().trim()).append("'/>\n");
          pts.setLength(0);
        }
      }
      if (markers) {
        for (int i = 0; i < s.x().length; i++) {
          double x = xv(s.x()[i], logX), y = s.y()[i];
          if (!Double.isFinite(x) || !Double.isFinite(y)) continue;
          sb.append("<circle r='3' fill='").append(col).append("' cx='")
              .append(f(l + (x - xr.lo) / (xr.hi - xr.lo) * pw))
              .append("' cy='").append(f(t + (yr.hi - y) / (yr.hi - yr.lo) * ph)).append("'/>\n");
        }
      }
      legend(sb, W - r + 10, t + 10 + 20 * k, col, s.name(), s.dashed());
      k++;
    }
    return sb.append("</svg>\n").toString();
  }

  /** A bar chart of one value per label (each bar its own colour, its value above it). */
  public static String barChart(String title, String yLabel, List<String> labels, double[] values) {
    if (labels.size() != values.length)
      throw new IllegalArgumentException(labels.size() + " labels, " + values.length + " values");
    return bars(title, yLabel, labels, List.of(), new double[][]{values});
  }

  /**
   * Grouped bars: along x one group per {@code groups} entry, in each group one bar per series, {@code values[series][group]};
   * a legend names the series.
   */
  public static String groupedBarChart(String title, String yLabel, List<String> groups, List<String> seriesNames,
      double[][] values) {
    if (values.length != seriesNames.size())
      throw new IllegalArgumentException(seriesNames.size() + " series, " + values.length + " rows of values");
    for (double[] v : values)
      if (v.length != groups.size())
        throw new IllegalArgumentException(groups.size() + " groups, " + v.length + " values");
    return bars(title, yLabel, groups, seriesNames, values);
  }

  private static String bars(String title, String yLabel, List<String> groups, List<String> seriesNames,
      double[][] values) {
    boolean legend = !seriesNames.isEmpty();
    int l = 80, r = legend ? 190 : 30, t = 40, b = 70;
    int pw = W - l - r, ph = H - t - b;
    Range yr = new Range();
    yr.add(0);
    for (double[] vs : values) for (double v : vs) if (Double.isFinite(v)) yr.add(v);
    boolean empty = !anyFinite(values);
    yr.fix();
    yr.hi += (yr.hi - yr.lo) * 0.1;
    if (yr.lo < 0) yr.lo -= (yr.hi - yr.lo) * 0.05;
    StringBuilder sb = header(W, H, title);
    frame(sb, l, t, pw, ph, yr, yLabel);
    if (empty) text(sb, l + pw / 2.0, t + ph / 2.0, 14, "middle", "no data");
    double zero = t + yr.hi / (yr.hi - yr.lo) * ph;
    int n = values.length;
    double slot = groups.isEmpty() ? pw : (double) pw / groups.size();
    double bw = slot * 0.7 / n;
    for (int g = 0; g < groups.size(); g++) {
      double x0 = l + g * slot + slot * 0.15;
      for (int s = 0; s < n; s++) {
        double v = values[s][g];
        double x = x0 + s * bw;
        String col = COLORS.get((legend ? s : g) % COLORS.size());
        if (!Double.isFinite(v)) {
          text(sb, x + bw / 2, zero - 4, legend ? 9 : 11, "middle", "n/a");
          continue;
        }
        double y = t + (yr.hi - v) / (yr.hi - yr.lo) * ph;
        sb.append("<rect x='").append(f(x)).append("' y='").append(f(Math.min(y, zero))).append("' width='")
            .append(f(bw * (legend ? 0.9 : 1)))
            .append("' height='").append(f(Math.abs(zero - y))).append("' fill='").append(col).append("'><title>")
            .append(esc((legend ? seriesNames.get(s) + ", " : "") + groups.get(g) + ": " + num(v)))
            .append("</title></rect>\n");
        text(sb, x + bw / 2, Math.min(y, zero) - 4, legend ? 9 : 11, "middle", num(v));
      }
      text(sb, l + g * slot + slot / 2, H - b + 16, 12, "middle", groups.get(g));
    }
    for (int s = 0; legend && s < n; s++)
      legendBox(sb, W - r + 10, t + 10 + 20 * s, COLORS.get(s % COLORS.size()), seriesNames.get(s));
    return sb.append("</svg>\n").toString();
  }

  /** One row of a horizontal bar chart: a label, its value (NaN: no bar, "n/a"), the text after the bar, a target tick. */
  public record Bar(String label, double value, String text, String color, double target, boolean heading) {
    /** A bar in the default colour, without a target. */
    public static Bar of(String label, double value, String text) {
      return new Bar(label, value, text, null, Double.NaN, false);
    }

    /** A bold line naming the bars below it (no bar). */
    public static Bar heading(String text) {
      return new Bar(text, Double.NaN, "", null, Double.NaN, true);
    }

    /** This bar in {@code color} (e.g. green when a target is met). */
    public Bar color(String c) {
      return new Bar(label, value, text, c, target, heading);
    }

    /** This bar with a red tick at {@code t}. */
    public Bar target(double t) {
      return new Bar(label, value, text, color, t, heading);
    }
  }

  /** The value axis of a horizontal bar chart. */
  public enum Scale { LINEAR, LOG }

  /**
   * Horizontal bars, one row each, drawn from {@code base} (0 for a linear scale; e.g. 1 for ratios on a log scale) to their
   * value; {@code lo}/{@code hi} bound the axis (NaN: from the data). On a log scale values are clamped into the axis.
   */
  public static String horizontalBars(String title, List<Bar> bars, Scale scale, double base, double lo, double hi) {
    boolean log = scale == Scale.LOG;
    int longest = 10;
    for (Bar b : bars) if (!b.heading()) longest = Math.max(longest, b.label().length());
    int left = (int) Math.min(460, 20 + 6.2 * longest), plotW = 420, rowH = 22, top = 50;
    int width = left + plotW + 110, height = top + bars.size() * rowH + 50;
    Range r = new Range();
    if (Double.isFinite(base) && (!log || base > 0)) r.add(log ? Math.log10(base) : base);
    if (!log) r.add(0);
    for (Bar b : bars) {
      if (b.heading()) continue;
      for (double v : new double[]{b.value(), b.target()})
        if (Double.isFinite(v) && (!log || v > 0)) r.add(log ? Math.log10(v) : v);
    }
    boolean empty = bars.stream().noneMatch(b -> !b.heading() && Double.isFinite(b.value()));
    r.fix();
    double a = Double.isFinite(lo) ? (log ? Math.log10(lo) : lo) : (log ? Math.floor(r.lo) : r.lo);
    double z = Double.isFinite(hi)
        ? (log ? Math.log10(hi) : hi)
        : (log ? Math.ceil(r.hi) : r.hi + (r.hi - r.lo) * 0.05);
    if (!(z > a)) z = a + 1;
    final double a0 = a, z0 = z;
    java.util.function.DoubleUnaryOperator x = v -> {
      double u = log ? (v > 0 ? Math.log10(v) : a0) : v;
      return left + plotW * (Math.max(a0, Math.min(z0, u)) - a0) / (z0 - a0);
    };
    StringBuilder sb = new StringBuilder();
    sb.append("<svg xmlns='http://www.w3.org/2000/svg' width='").append(width).append("' height='").append(height)
        .append("' font-family='sans-serif' font-size='11'>\n<rect width='100%' height='100%' fill='white'/>\n");
    sb.append("<text x='10' y='22' font-size='14'>").append(esc(title)).append("</text>\n");
    List<Double> grid = new ArrayList<>();
    if (log) for (double e = Math.ceil(a - 1e-9); e <= z + 1e-9; e++) grid.add(Math.pow(10, e));
    else
      grid.addAll(ticks(a, z));
    for (double g : grid) {
      double gx = x.applyAsDouble(g);
      boolean ref = Double.isFinite(base) && Math.abs(g - base) <= 1e-9 * Math.max(1, Math.abs(base));
      sb.append("<line x1='").append(f(gx)).append("' y1='").append(top - 10).append("' x2='").append(f(gx))
          .append("' y2='").append(height - 40)
          .append("' stroke='").append(ref ? "#444" : "#ddd").append("'/>\n");
      text(sb, gx, height - 25, 11, "middle", log ? decade(g) : num(g));
    }
    if (empty) text(sb, left + plotW / 2.0, top + 14, 14, "middle", "no data");
    double from = x.applyAsDouble(Double.isFinite(base) ? base : (log ? Math.pow(10, a) : a));
    int y = top;
    for (Bar b : bars) {
      if (b.heading()) {
        sb.append("<text x='10' y='").append(y + 15).append("' font-weight='bold'>").append(esc(b.label()))
            .append("</text>\n");
      } else {
        text(sb, 20, y + 15, 11, "start", b.label());
        double end = from;
        if (Double.isFinite(b.value()) && (!log || b.value() > 0)) {
          end = x.applyAsDouble(b.value());
          sb.append("<rect x='").append(f(Math.min(from, end))).append("' y='").append(y + 3).append("' width='")
              .append(f(Math.max(1, Math.abs(end - from)))).append("' height='").append(rowH - 6).append("' fill='")
              .append(b.color() != null ? b.color() : COLORS.getFirst()).append("'/>\n");
        }
        String label = Double.isFinite(b.value()) ? b.text() : "n/a";
        text(sb, Math.max(from, end) + 4, y + 15, 11, "start", label);
        if (Double.isFinite(b.target()) && (!log || b.target() > 0)) {
          double tx = x.applyAsDouble(b.target());
          sb.append("<line x1='").append(f(tx)).append("' y1='").append(y + 1).append("' x2='").append(f(tx))
              .append("' y2='").append(y + rowH - 1)
              .append("' stroke='red' stroke-width='2'/>\n");
        }
      }
      y += rowH;
    }
    return sb.append("</svg>\n").toString();
  }

  private static final Pattern SIZE = Pattern.compile("^<svg [^>]*?width='(\\d+)' height='(\\d+)'");

  /** Charts of this class one below the other in one SVG (each keeps its own size). */
  public static String stack(List<String> charts) {
    return combine(charts, false);
  }

  /** Charts of this class side by side in one SVG. */
  public static String sideBySide(List<String> charts) {
    return combine(charts, true);
  }

  private static String combine(List<String> charts, boolean across) {
    int w = 0, h = 0;
    StringBuilder body = new StringBuilder();
    for (String c : charts) {
      Matcher m = SIZE.matcher(c);
      if (!m.find()) throw new IllegalArgumentException("not a chart of io.cairn.internal.util.Svg");
      int cw = Integer.parseInt(m.group(1)), ch = Integer.parseInt(m.group(2));
      body.append("<svg x='").append(across ? w : 0).append("' y='").append(across ? 0 : h).append("'")
          .append(c.substring(4));
      if (across) {
        w += cw;
        h = Math.max(h, ch);
      } else {
        h += ch;
        w = Math.max(w, cw);
      }
    }
    return "<svg xmlns='http://www.w3.org/2000/svg' width='" + w + "' height='" + h + "'>\n" + body + "</svg>\n";
  }

  private static double xv(double x, boolean logX) {
    return logX ? (x > 0 ? Math.log10(x) : Double.NaN) : x;
  }

  private static boolean anyFinite(double[][] values) {
    for (double[] vs : values) for (double v : vs) if (Double.isFinite(v)) return true;
    return false;
  }

  /** A value range that grows with the finite values added; {@link #fix()} makes it non-empty. */
  private static final class Range {
    double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;

    void add(double v) {
      if (!Double.isFinite(v)) return;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }

    boolean empty() {
      return lo > hi;
    }

    void fix() {
      if (empty()) { lo = 0; hi = 1; }
      if (!(hi > lo)) hi = lo + (lo == 0 ? 1 : Math.abs(lo) * 0.1);
    }

    void pad(double p) {
      double d = (hi - lo) * p;
      lo -= d;
      hi += d;
    }
  }

  private static StringBuilder header(int w, int h, String title) {
    StringBuilder sb = new StringBuilder();
    sb.append("<svg xmlns='http://www.w3.org/2000/svg' width='").append(w).append("' height='").append(h)
        .append("' font-family='sans-serif'>\n<rect width='100%' height='100%' fill='white'/>\n");
    text(sb, w / 2.0, 22, 15, "middle", title);
    return sb;
  }

  /** The plot's box, horizontal grid lines with y values, and the y label. */
  private static void frame(StringBuilder sb, int l, int t, int pw, int ph, Range yr, String yLabel) {
    sb.append("<rect x='").append(l).append("' y='").append(t).append("' width='").append(pw).append("' height='")
        .append(ph)
        .append("' fill='none' stroke='#444'/>\n");
    for (double v : ticks(yr.lo, yr.hi)) {
      double y = t + (yr.hi - v) / (yr.hi - yr.lo) * ph;
      sb.append("<line x1='").append(l).append("' x2='").append(l + pw).append("' y1='").append(f(y)).append("' y2='")
          .append(f(y))
          .append("' stroke='#ddd'/>\n");
      text(sb, l - 6, y + 4, 11, "end", num(v));
    }
    sb.append("<text transform='translate(16,").append(t + ph / 2)
        .append(") rotate(-90)' font-size='12' text-anchor='middle'>")
        .append(esc(yLabel)).append("</text>\n");
  }

  private static void legend(StringBuilder sb, int x, int y, String col, String name, boolean dashed) {
    sb.append("<line x1='").append(x).append("' x2='").append(x + 14).append("' y1='").append(y - 7).append("' y2='")
        .append(y - 7)
        .append("' stroke='").append(col).append("' stroke-width='")
        .append(dashed ? "1.5' stroke-dasharray='4,2'" : "3'").append("/>\n");
    text(sb, x + 20, y - 3, 12, "start", name);
  }

  private static void legendBox(StringBuilder sb, int x, int y, String col, String name) {
    sb.append("<rect x='").append(x).append("' y='").append(y - 12).append("' width='12' height='12' fill='")
        .append(col).append("'/>\n");
    text(sb, x + 18, y - 2, 12, "start", name);
  }

  private static void text(StringBuilder sb, double x, double y, int size, String anchor, String s) {
    sb.append("<text x='").append(f(x)).append("' y='").append(f(y)).append("' font-size='").append(size)
        .append("' text-anchor='")
        .append(anchor).append("'>").append(esc(s)).append("</text>\n");
  }

  /** About five round tick values covering [lo, hi]. */
  static List<Double> ticks(double lo, double hi) {
    List<Double> out = new ArrayList<>();
    double span = hi - lo;
    if (!Double.isFinite(span) || !(span > 0)) return out;
    double step = Math.pow(10, Math.floor(Math.log10(span / 5)));
    if (span / step > 10) step *= 2;
    if (span / step > 10) step *= 2.5;
    for (double v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * span; v += step)
      out.add(Math.abs(v) < 1e-12 * span ? 0 : v);
    return out;
  }

  /** A value as a short label: 3 significant digits, exponent form when very large or small, "n/a" when not finite. */
  public static String num(double v) {
    if (!Double.isFinite(v)) return "n/a";
    double a = Math.abs(v);
    if (a == 0) return "0";
    if (a >= 1e6 || a < 1e-3) return String.format(Locale.ROOT, "%.2e", v);
    if (a >= 100) return String.format(Locale.ROOT, "%.0f", v);
    return String.format(Locale.ROOT, "%.3g", v);
  }

  private static String decade(double v) {
    if (v >= 1e5 || v < 1e-4) return "1e" + Math.round(Math.log10(v));
    return new BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString();
  }

  private static String f(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  /**
   * Text made safe for SVG and HTML (text and quoted attributes): {@code & < > ' "} as entities, characters XML 1.0
   * does not allow (controls other than tab, newline, return; lone surrogates; U+FFFE, U+FFFF) as U+FFFD; null as "".
   */
  public static String esc(String s) {
    if (s == null) return "";
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> sb.append("&amp;");
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '\'' -> sb.append("&apos;");
        case '"' -> sb.append("&quot;");
        default -> {
          if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
            sb.append(c).append(s.charAt(++i));
          } else if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || Character.isSurrogate(c) || c == '\uFFFE'
              || c == '\uFFFF') {
            sb.append('\uFFFD');
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.toString();
  }
}
