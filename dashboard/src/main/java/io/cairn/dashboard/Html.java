package io.cairn.dashboard;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/** HTML building: every string that comes from disk goes through {@link #esc}. */
final class Html {
  private Html() {}

  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
      .withZone(ZoneOffset.UTC);

  /** Text or attribute value with {@code & < > " '} replaced, and control characters shown as {@code \xNN}. */
  static String esc(Object o) {
    String s = String.valueOf(o);
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> {
          if (c < 0x20 && c != '\n' && c != '\t' || c == 0x7f || (c >= 0x80 && c < 0xa0))
            b.append(String.format(Locale.ROOT, "\\x%02x", (int) c));
          else
            b.append(c);
        }
      }
    }
    return b.toString();
  }

  /** A URL query value. */
  static String q(String s) { return URLEncoder.encode(s, StandardCharsets.UTF_8); }

  static String size(long b) {
    if (b < 0) return "?";
    if (b < 10 * 1024) return b + " B";
    if (b < 10L << 20) return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
    if (b < 10L << 30) return String.format(Locale.ROOT, "%.1f MiB", b / 1048576.0);
    return String.format(Locale.ROOT, "%.2f GiB", b / 1073741824.0);
  }

  static String age(long millis, long now) {
    long s = Math.max(0, (now - millis) / 1000);
    if (s < 120) return s + " s";
    if (s < 7200) return s / 60 + " min";
    if (s < 172800) return s / 3600 + " h";
    return s / 86400 + " d";
  }

  static String time(long millis) { return TIME.format(Instant.ofEpochMilli(millis)); }

  static String secs(double s) {
    if (!Double.isFinite(s) || s < 0) return "–";
    if (s < 0.01) return String.format(Locale.ROOT, "%.2f ms", s * 1000);
    if (s < 100) return String.format(Locale.ROOT, "%.3f s", s);
    return String.format(Locale.ROOT, "%.0f s", s);
  }

  /** A table: header cells and rows of cell HTML (already escaped by the caller). */
  static void table(StringBuilder b, String cls, List<String> head, List<List<String>> rows) {
    b.append("<table class='").append(cls).append("'><thead><tr>");
    for (String h : head) b.append("<th>").append(esc(h)).append("</th>");
    b.append("</tr></thead><tbody>");
    for (List<String> r : rows) {
      b.append("<tr>");
      for (String c : r) b.append("<td>").append(c).append("</td>");
      b.append("</tr>");
    }
    b.append("</tbody></table>");
  }

  /** Definition list of label / value HTML pairs. */
  static void facts(StringBuilder b, String... labelValue) {
    b.append("<dl class='facts'>");
    for (int i = 0; i + 1 < labelValue.length; i += 2)
      b.append("<dt>").append(esc(labelValue[i])).append("</dt><dd>").append(labelValue[i + 1]).append("</dd>");
    b.append("</dl>");
  }
}
