package io.cairn.cli.dl;

import java.util.List;
import java.util.Locale;

/** Hand-written SVG charts for the dl commands. */
final class Plot {
  private Plot() { }

  /** Two loss curves (reference solid, resumed dashed) with the kill steps marked. */
  static String lossCurves(String title, double[] ref, double[] resumed, List<Long> kills) {
    int w = 720, h = 400, l = 60, r = 20, t = 40, b = 50;
    double max = 0;
    for (double v : ref) max = Math.max(max, v);
    for (double v : resumed) max = Math.max(max, v);
    double ymax = max * 1.05;
    int n = ref.length;
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n", w, h));
    s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"14\">%s</text>%n", l, esc(title)));
    s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", l, h - b, w - r, h - b));
    s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", l, t, l, h - b));
    for (int i = 0; i <= 4; i++) {
      double v = ymax * i / 4;
      double y = h - b - (h - b - t) * (double) i / 4;
      s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>%n", l - 5, y + 4, v));
      s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n", l, y, w - r, y));
    }
    for (int i = 0; i <= 5; i++) {
      int step = (int) Math.round((n - 1) * i / 5.0);
      double x = l + (w - l - r) * (double) step / Math.max(1, n - 1);
      s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>%n", x, h - b + 18, step));
    }
    s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">step</text>%n", (l + w - r) / 2, h - 12));
    s.append(String.format(Locale.ROOT, "<text x=\"15\" y=\"%d\" transform=\"rotate(-90 15 %d)\" text-anchor=\"middle\">training loss</text>%n",
        (t + h - b) / 2, (t + h - b) / 2));
    for (long k : kills) {
      double x = l + (w - l - r) * (double) k / Math.max(1, n - 1);
      s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#c00\" stroke-dasharray=\"2,3\"/>%n", x, t, x, h - b));
      s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" fill=\"#c00\" text-anchor=\"middle\">SIGKILL</text>%n", x, t - 4));
    }
    s.append(polyline(ref, ymax, w, h, l, r, t, b, "#1f77b4", "", 3));
    s.append(polyline(resumed, ymax, w, h, l, r, t, b, "#ff7f0e", "6,4", 1.5));
    s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"#1f77b4\">uninterrupted</text>%n", w - r - 200, t + 16));
    s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"#ff7f0e\">killed and resumed (dashed)</text>%n", w - r - 200, t + 32));
    s.append("</svg>\n");
    return s.toString();
  }

  private static String polyline(double[] v, double ymax, int w, int h, int l, int r, int t, int b, String color, String dash, double width) {
    StringBuilder p = new StringBuilder();
    for (int i = 0; i < v.length; i++) {
      double x = l + (w - l - r) * (double) i / Math.max(1, v.length - 1);
      double y = h - b - (h - b - t) * v[i] / ymax;
      p.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
    }
    return String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\"%s points=\"%s\"/>%n", color, width,
        dash.isEmpty() ? "" : " stroke-dasharray=\"" + dash + "\"", p.toString().trim());
  }

  /** Horizontal bars (value per label) with a unit. */
  static String bars(String title, List<String> labels, double[] values, String unit) {
    int w = 720, rowH = 34, l = 200, t = 40;
    int h = t + rowH * labels.size() + 30;
    double max = 0;
    for (double v : values) max = Math.max(max, v);
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n", w, h));
    s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    s.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"22\" font-size=\"14\">%s</text>%n", esc(title)));
    for (int i = 0; i < labels.size(); i++) {
      double bw = (w - l - 120) * values[i] / (max == 0 ? 1 : max);
      int y = t + i * rowH;
      s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n", l - 8, y + 18, esc(labels.get(i))));
      s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"24\" fill=\"#1f77b4\"/>%n", l, y + 2, bw));
      s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">%.2f %s</text>%n", l + bw + 6, y + 18, values[i], esc(unit)));
    }
    s.append("</svg>\n");
    return s.toString();
  }

  private static String esc(String s) { return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"); }
}
