package io.cairn.dashboard;

import static io.cairn.dashboard.Html.esc;

import io.cairn.internal.Settings;
import io.cairn.internal.Settings.LevelSpec;
import io.cairn.internal.engine.LevelStore;
import io.cairn.internal.engine.RunStats;
import io.cairn.internal.format.Manifest;
import io.cairn.internal.format.RegionEntry;
import io.cairn.internal.store.LevelDirs;
import io.cairn.internal.store.Providers;
import io.cairn.internal.util.Svg;
import io.cairn.spi.Storage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The runs of a checkpoint directory (or of a job directory: the ranks' runs on the persistent and the
 * node-local levels): their versions per level and their statistics. Everything is read, nothing written:
 * levels are opened as {@code cairn ls} opens them (existing directories only, no lock).
 */
final class Runs {
  /** What a run name may be ({@code name} key); other directories are not runs. */
  static final Pattern RUN_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private final Path base;
  private final Settings settings;
  private final Set<String> explicitNames;
  /** Committed manifests do not change: read once, by level directory and version. */
  private final Map<String, Manifest> manifests = new ConcurrentHashMap<>();

  Runs(Path base, Path config, Set<String> names) {
    this.base = base;
    this.settings = new Settings();
    if (config != null) settings.load(config);
    this.explicitNames = names;
  }

  /** The levels to look at: the configuration's, plus each node's local level of a job directory. */
  List<LevelSpec> specs() {
    List<LevelSpec> out = new ArrayList<>();
    LevelSpec local = null;
    for (LevelSpec s : settings.levels(base)) {
      if (s.kind().equals("process")) continue;
      out.add(s);
      if (s.name().equals("local")) local = s;
    }
    Path nodes = base.resolve("nodes");
    if (local != null && Files.isDirectory(nodes, LinkOption.NOFOLLOW_LINKS)) {
      for (String node : children(nodes)) {
        Path p = nodes.resolve(node).resolve("local");
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
          out.add(new LevelSpec("local@" + node, "local", p, local.keep(), local.every(), local.codec(),
              local.incremental(), local.modes(), null,
              local.shuffle()));
      }
    }
    return out;
  }

  private static List<String> children(Path dir) {
    List<String> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) out.add(p.getFileName().toString());
    } catch (IOException e) {
      return out;
    }
    out.sort(null);
    return out;
  }

  /** Run names found in the file-backed levels' directories (and those given with --name). */
  TreeSet<String> names() {
    TreeSet<String> out = new TreeSet<>(explicitNames);
    for (LevelSpec s : specs()) {
      if (s.memoryBase() != null || s.path() == null || Providers.get(s.kind()) != null) continue;
      if (!Files.isDirectory(s.path())) continue;
      for (String n : children(s.path()))
        if (RUN_NAME.matcher(n).matches() && looksLikeRun(s.path().resolve(n))) out.add(n);
    }
    return out;
  }

  private static boolean looksLikeRun(Path dir) {
    if (Files.exists(dir.resolve(RunStats.FILE), LinkOption.NOFOLLOW_LINKS)) return true;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "v[0-9]*")) {
      return ds.iterator().hasNext();
    } catch (IOException e) {
      return false;
    }
  }

  record Row(long version, Manifest manifest, boolean pinned, String error) {}

  record Level(String name, String kind, String where, List<Row> rows, String error, RunStats stats) {}

  record Run(String name, List<Level> levels) {
    /** The newest statistics of the run's levels (each level's directory may hold a stats.json). */
    RunStats stats() {
      RunStats best = null;
      for (Level l : levels) {
        RunStats s = l.stats();
        if (s != null && (best == null || newest(s) > newest(best))) best = s;
      }
      return best;
    }

    private static long newest(RunStats s) {
      return s.history().isEmpty() ? s.checkpoints() : s.history().getLast().millis();
    }

    long newestVersion() {
      long v = 0;
      for (Level l : levels) for (Row r : l.rows()) v = Math.max(v, r.version());
      return v;
    }

    Row newestRow() {
      Row best = null;
      for (Level l : levels)
        for (Row r : l.rows()) if (r.manifest() != null && (best == null || r.version() > best.version())) best = r;
      return best;
    }
  }

  /** Reads run {@code name}'s levels now. */
  Run read(String name) {
    List<Level> levels = new ArrayList<>();
    for (LevelSpec spec : specs()) {
      Storage st;
      try {
        st = Providers.open(spec, settings.levelOptions(spec.name()), name, true);
        if (st == null) st = LevelDirs.existing(spec, name);
      } catch (IOException | RuntimeException e) {
        levels.add(new Level(spec.name(), spec.kind(), String.valueOf(spec.path()), List.of(), e.getMessage(), null));
        continue;
      }
      if (st == null) continue;
      LevelStore ls = new LevelStore(spec, st, settings.integer("incremental.full-every"));
      List<Row> rows = new ArrayList<>();
      String error = null;
      try {
        TreeSet<Long> pins = ls.pinned();
        TreeSet<Long> committed = ls.committed();
        String key = st.describe() + "/";
        manifests.keySet()
            .removeIf(k -> k.startsWith(key) && !committed.contains(Long.parseLong(k.substring(key.length()))));
        for (long v : committed) {
          try {
            Manifest m = manifests.get(key + v);
            if (m == null) {
              m = ls.readManifest(v);
              manifests.put(key + v, m);
            }
            rows.add(new Row(v, m, pins.contains(v), null));
          } catch (IOException e) {
            rows.add(new Row(v, null, pins.contains(v), e.getMessage()));
          }
        }
      } catch (IOException | RuntimeException e) {
        error = e.getMessage();
      }
      levels.add(new Level(spec.name(), spec.kind(), st.describe(), rows, error, stats(st)));
    }
    return new Run(name, levels);
  }

  private static RunStats stats(Storage st) {
    try {
      if (!st.exists(RunStats.FILE)) return null;
      try (Storage.Input in = st.open(RunStats.FILE)) {
        ByteBuffer b = ByteBuffer.allocate((int) Math.min(1 << 20, in.size()));
        in.readFully(0, b);
        return RunStats.parse(new String(b.array(), 0, b.position(), StandardCharsets.UTF_8),
            st.describe() + "/" + RunStats.FILE);
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  // ---------------------------------------------------------------- pages

  /** The overview table of every run. */
  void overview(StringBuilder b, long now) {
    TreeSet<String> names = names();
    b.append("<h2>Runs</h2>");
    if (names.isEmpty()) {
      b.append("<p class='empty'>No checkpoints under ").append(esc(base)).append(" yet.</p>");
      return;
    }
    List<List<String>> rows = new ArrayList<>();
    for (String n : names) {
      Run r = read(n);
      Row newest = r.newestRow();
      RunStats s = r.stats();
      int count = 0;
      for (Level l : r.levels()) count += l.rows().size();
      List<String> lv = new ArrayList<>();
      for (Level l : r.levels()) lv.add(esc(l.name()) + " (" + l.rows().size() + ")");
      rows.add(
          List.of("<a class='run' href='/run?name=" + esc(Html.q(n)) + "'>" + esc(n) + "</a>", String.join(", ", lv),
              "<span class='newest'>" + (newest == null ? "–" : Long.toString(newest.version())) + "</span>",
              Integer.toString(count),
              newest == null ? "–" : Html.age(newest.manifest().createdMillis(), now),
              newest == null ? "–" : Html.size(newest.manifest().logicalBytes()),
              s == null ? "–" : Html.secs(s.lastCostSeconds()), s == null ? "–" : interval(s)));
    }
    Html.table(b, "runs",
        List.of("run", "levels (versions)", "newest", "versions", "age", "state", "last cost", "interval"), rows);
  }

  private static String interval(RunStats s) {
    String mode = s.intervalMode();
    if (mode.isEmpty()) return "not recorded";
    Double sec = s.interval().get("seconds");
    Double steps = s.interval().get("steps");
    return esc(mode) + (sec != null
        ? " " + Html.secs(sec)
        : steps != null ? String.format(Locale.ROOT, " every %.0f calls", steps) : "");
  }

  /** One run's page: statistics, interval, plots, the versions of each level. */
  void page(StringBuilder b, String name, long now) {
    Run r = read(name);
    b.append("<h2>Run <span class='name'>").append(esc(name)).append("</span></h2>");
    if (r.levels().isEmpty()) {
      b.append("<p class='empty'>No level holds checkpoints of this run.</p>");
      return;
    }
    RunStats s = r.stats();
    if (s != null) {
      Html.facts(b, "mode", esc(s.mode()), "checkpoints (this incarnation)", Long.toString(s.checkpoints()),
          "last checkpoint cost", "<span class='lastcost'>" + Html.secs(s.lastCostSeconds()) + "</span>",
          "mean checkpoint cost", Html.secs(s.meanCostSeconds()), "state of the last checkpoint",
          Html.size(s.lastBytes()),
          "last restore", s.lastRestoreSeconds() < 0 ? "never (this incarnation)" : Html.secs(s.lastRestoreSeconds()));
      b.append("<h3>Interval policy</h3>");
      intervalFacts(b, s);
    } else {
      b.append("<p class='empty'>No statistics (stats.json) yet.</p>");
    }
    plots(b, r, s);
    for (Level l : r.levels()) {
      b.append("<h3>Level <span class='level'>").append(esc(l.name())).append("</span> <small>(").append(esc(l.kind()))
          .append(", ")
          .append(esc(l.where())).append(")</small></h3>");
      if (l.error() != null) b.append("<p class='error'>").append(esc(l.error())).append("</p>");
      if (l.rows().isEmpty() && l.error() == null) b.append("<p class='empty'>no committed version</p>");
      if (!l.rows().isEmpty()) versions(b, l, now);
    }
    Row newest = r.newestRow();
    if (newest != null) {
      b.append("<h3>Regions of version ").append(newest.version()).append("</h3>");
      List<List<String>> rows = new ArrayList<>();
      for (RegionEntry e : newest.manifest().regions())
        rows.add(List.of("<span class='region'>" + esc(e.name()) + "</span>", esc(e.kind()), Html.size(e.length()),
            Integer.toString(e.blocks().size())));
      Html.table(b, "regions", List.of("region", "kind", "bytes", "blocks"), rows);
      if (!newest.manifest().metadata().isEmpty()) {
        List<List<String>> meta = new ArrayList<>();
        for (var e : new java.util.TreeMap<>(newest.manifest().metadata()).entrySet())
          meta.add(List.of(esc(e.getKey()), esc(e.getValue())));
        Html.table(b, "meta", List.of("metadata", "value"), meta);
      }
    }
  }

  private static void intervalFacts(StringBuilder b, RunStats s) {
    String mode = s.intervalMode();
    if (mode.isEmpty()) {
      b.append("<p class='empty'>Not recorded (statistics written by an older Cairn).</p>");
      return;
    }
    Map<String, Double> iv = s.interval();
    List<String> f = new ArrayList<>(List.of("policy", "<span class='interval-mode'>" + esc(mode) + "</span>"));
    if (iv.containsKey("seconds"))
      f.addAll(List.of("current interval", "<span class='interval'>" + Html.secs(iv.get("seconds")) + "</span>"));
    if (iv.containsKey("steps")) f.addAll(List.of("every", String.format(Locale.ROOT, "%.0f calls", iv.get("steps"))));
    if (iv.containsKey("cost")) f.addAll(List.of("blocking cost C (smoothed)", Html.secs(iv.get("cost"))));
    if (iv.containsKey("mtbf")) f.addAll(List.of("MTBF M (configured)", Html.secs(iv.get("mtbf"))));
    if (mode.equals("young")) f.addAll(List.of("formula", "Young: √(2·C·M)"));
    if (mode.equals("daly")) f.addAll(List.of("formula", "Daly: √(2CM)·(1 + √(C/2M)/3 + C/18M) − C"));
    Html.facts(b, f.toArray(String[]::new));
  }

  private static void versions(StringBuilder b, Level l, long now) {
    Map<Long, Manifest> byVersion = new LinkedHashMap<>();
    for (Row r : l.rows()) if (r.manifest() != null) byVersion.put(r.version(), r.manifest());
    List<List<String>> rows = new ArrayList<>();
    for (Row r : l.rows().reversed()) {
      Manifest m = r.manifest();
      String v = "<span class='version'>" + r.version() + "</span>";
      if (m == null) {
        rows.add(List.of(v, "", "", "", "", "", "", "<span class='error'>damaged: " + esc(r.error()) + "</span>",
            r.pinned() ? "pinned" : ""));
        continue;
      }
      rows.add(List.of(v, esc(Html.time(m.createdMillis())), Html.age(m.createdMillis(), now),
          "<span class='state-bytes'>" + Html.size(m.logicalBytes()) + "</span>",
          "<span class='stored-bytes'>" + Html.size(m.ownBytes()) + "</span>",
          chain(r.version(), byVersion), Long.toString(m.step()), "<span class='label'>" + esc(m.label()) + "</span>",
          r.pinned() ? "pinned" : ""));
    }
    Html.table(b, "versions level-" + esc(l.name()),
        List.of("version", "created", "age", "state", "stored", "chain", "step", "label", "pin"), rows);
  }

  /** The incremental chain: the version, its parent, …, down to the full version. */
  private static String chain(long v, Map<Long, Manifest> byVersion) {
    Manifest m = byVersion.get(v);
    if (m.parent() <= 0) return "full";
    StringBuilder b = new StringBuilder();
    long p = m.parent();
    int n = 0;
    while (p > 0 && n++ < 64) {
      b.append(b.isEmpty() ? "→ " : " → ").append(p);
      Manifest pm = byVersion.get(p);
      if (pm == null) {
        b.append(" (missing)");
        break;
      }
      p = pm.parent();
    }
    return b.toString();
  }

  private static void plots(StringBuilder b, Run r, RunStats s) {
    b.append("<div class='plots'>");
    if (s != null && !s.history().isEmpty()) {
      long t0 = s.history().getFirst().millis();
      long span = s.history().getLast().millis() - t0;
      double unit = span < 120_000 ? 1000.0 : span < 7_200_000 ? 60_000.0 : 3_600_000.0;
      String unitName = span < 120_000 ? "seconds" : span < 7_200_000 ? "minutes" : "hours";
      List<double[]> ck = new ArrayList<>();
      List<double[]> rs = new ArrayList<>();
      for (RunStats.Sample x : s.history())
        (x.restore() ? rs : ck).add(new double[]{(x.millis() - t0) / unit, x.seconds()});
      List<Svg.Series> series = new ArrayList<>();
      if (!ck.isEmpty()) series.add(series("checkpoint (blocking)", ck));
      if (!rs.isEmpty()) series.add(series("restore", rs));
      b.append("<div class='plot' id='plot-times'>")
          .append(Svg.lineChart("Checkpoint and restore times", unitName + " since " + Html.time(t0), "seconds", series,
              false, List.of(), false, true))
          .append("</div>");
    }
    List<Svg.Series> sizes = new ArrayList<>();
    for (Level l : r.levels()) {
      List<double[]> pts = new ArrayList<>();
      for (Row row : l.rows())
        if (row.manifest() != null) pts.add(new double[]{row.version(), row.manifest().ownBytes() / 1048576.0});
      if (!pts.isEmpty()) sizes.add(series(l.name() + " stored", pts));
    }
    if (!sizes.isEmpty())
      b.append("<div class='plot' id='plot-sizes'>")
          .append(Svg.lineChart("Stored bytes per version", "version", "MiB", sizes, false, List.of(), false, true))
          .append("</div>");
    if (s != null && !s.levelWriteSeconds().isEmpty()) {
      List<String> labels = new ArrayList<>(s.levelWriteSeconds().keySet());
      double[] v = s.levelWriteSeconds().values().stream().mapToDouble(Double::doubleValue).toArray();
      b.append("<div class='plot' id='plot-levels'>")
          .append(Svg.barChart("Last write time per level", "seconds", labels, v)).append("</div>");
    }
    b.append("</div>");
  }

  private static Svg.Series series(String name, List<double[]> pts) {
    double[] x = new double[pts.size()];
    double[] y = new double[pts.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = pts.get(i)[0];
      y[i] = pts.get(i)[1];
    }
    return new Svg.Series(name, x, y);
  }
}
