package io.cairn.dashboard;

import static io.cairn.dashboard.Html.esc;

import io.cairn.internal.engine.RunStats;
import io.cairn.internal.util.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The reports {@code cairn bench}, {@code cairn simulate}, {@code cairn advise} (and the other benchmarks)
 * left: their JSON files rendered as tables, their SVG plots shown as images (served by {@code /file}, so a
 * script inside an SVG never runs in the page). Looked for in the given directories, three levels deep, not
 * inside checkpoint versions.
 */
final class Reports {
  static final long MAX_JSON = 4 << 20;
  private static final Set<String> SKIP = Set.of("nodes", "logs", "channels", "deps", "logging", "global", "kill",
      "progress");
  private final List<Path> roots;

  Reports(List<Path> roots) { this.roots = roots; }

  List<Path> roots() { return roots; }

  /** A directory with report files: its root's index, its path relative to the root, and the files (relative to the root). */
  record Dir(int root, String rel, List<String> svgs, List<String> jsons) {}

  List<Dir> find() {
    List<Dir> out = new ArrayList<>();
    for (int i = 0; i < roots.size(); i++) walk(i, roots.get(i), roots.get(i), 0, out);
    return out;
  }

  private static void walk(int idx, Path root, Path dir, int depth, List<Dir> out) {
    if (out.size() >= 50) return;
    List<String> svgs = new ArrayList<>();
    List<String> jsons = new ArrayList<>();
    List<Path> sub = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        String n = p.getFileName().toString();
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          if (depth < 3 && !n.startsWith(".") && !n.matches("v[0-9]{10}") && !SKIP.contains(n)) sub.add(p);
        } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          String rel = root.relativize(p).toString();
          if (n.endsWith(".svg")) svgs.add(rel);
          else if (n.endsWith(".json") && !n.equals(RunStats.FILE)) jsons.add(rel);
        }
      }
    } catch (IOException e) {
      return;
    }
    svgs.sort(null);
    jsons.sort(null);
    sub.sort(null);
    if (!svgs.isEmpty() || !jsons.isEmpty()) out.add(new Dir(idx, root.relativize(dir).toString(), svgs, jsons));
    for (Path p : sub) walk(idx, root, p, depth + 1, out);
  }

  /** The file {@code rel} under root {@code idx} when it is a report image there (no way out of the root, no links); else null. */
  Path image(int idx, String rel) {
    if (idx < 0 || idx >= roots.size() || rel == null || !(rel.endsWith(".svg") || rel.endsWith(".png"))) return null;
    try {
      Path root = roots.get(idx).toRealPath();
      Path p = root.resolve(rel).normalize();
      if (!p.startsWith(root) || !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) return null;
      if (!p.toRealPath().startsWith(root)) return null;
      return p;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  void page(StringBuilder b) {
    b.append("<h2>Reports</h2>");
    List<Dir> dirs = find();
    if (dirs.isEmpty()) {
      b.append("<p class='empty'>No report (JSON or SVG files of cairn bench, simulate, advise) under ");
      for (int i = 0; i < roots.size(); i++) b.append(i == 0 ? "" : ", ").append(esc(roots.get(i)));
      b.append(". Give their directories with --reports.</p>");
      return;
    }
    for (Dir d : dirs) {
      Path root = roots.get(d.root());
      b.append("<section class='report'><h3>")
          .append(esc(d.rel().isEmpty() ? root.toString() : root.resolve(d.rel()).toString())).append("</h3>");
      for (String j : d.jsons()) json(b, root.resolve(j), j);
      for (String s : d.svgs())
        b.append("<figure><img class='report-plot' alt='").append(esc(s)).append("' src='/file?root=").append(d.root())
            .append("&amp;path=")
            .append(esc(Html.q(s))).append("'><figcaption>").append(esc(s)).append("</figcaption></figure>");
      b.append("</section>");
    }
  }

  private static void json(StringBuilder b, Path f, String rel) {
    b.append("<details open class='json'><summary>").append(esc(rel)).append("</summary>");
    try {
      if (Files.size(f) > MAX_JSON) {
        b.append("<p class='error'>larger than ").append(MAX_JSON >> 20).append(" MiB: not shown</p></details>");
        return;
      }
      Object o = Json.parse(Files.readString(f, StandardCharsets.UTF_8));
      value(b, o, 0);
    } catch (IOException | RuntimeException e) {
      b.append("<p class='error'>cannot read: ").append(esc(e.getMessage())).append("</p>");
    }
    b.append("</details>");
  }

  /** Objects as key/value tables, arrays of objects as tables with one column per key, scalars as text. */
  private static void value(StringBuilder b, Object o, int depth) {
    if (depth > 5) {
      b.append("…");
      return;
    }
    if (o instanceof Map<?, ?> m) {
      b.append("<table class='kv'><tbody>");
      for (var e : m.entrySet()) {
        b.append("<tr><th>").append(esc(e.getKey())).append("</th><td>");
        value(b, e.getValue(), depth + 1);
        b.append("</td></tr>");
      }
      b.append("</tbody></table>");
      return;
    }
    if (o instanceof List<?> a) {
      boolean objects = !a.isEmpty();
      for (Object x : a) objects &= x instanceof Map;
      if (!objects) {
        for (int i = 0; i < Math.min(a.size(), 200); i++) {
          if (i > 0) b.append(", ");
          value(b, a.get(i), depth + 1);
        }
        if (a.size() > 200) b.append(", … (").append(a.size()).append(" in all)");
        return;
      }
      Set<String> cols = new LinkedHashSet<>();
      for (Object x : a) for (Object k : ((Map<?, ?>) x).keySet()) cols.add(String.valueOf(k));
      b.append("<table class='rows'><thead><tr>");
      for (String c : cols) b.append("<th>").append(esc(c)).append("</th>");
      b.append("</tr></thead><tbody>");
      for (int i = 0; i < Math.min(a.size(), 500); i++) {
        Map<?, ?> m = (Map<?, ?>) a.get(i);
        b.append("<tr>");
        for (String c : cols) {
          b.append("<td>");
          if (m.containsKey(c)) value(b, m.get(c), depth + 1);
          b.append("</td>");
        }
        b.append("</tr>");
      }
      b.append("</tbody></table>");
      return;
    }
    if (o instanceof Double d) b.append(esc(num(d)));
    else
      b.append(esc(o));
  }

  private static String num(double d) {
    if (d == Math.rint(d) && Math.abs(d) < 1e15) return Long.toString((long) d);
    return String.format(java.util.Locale.ROOT, "%.4g", d);
  }
}
