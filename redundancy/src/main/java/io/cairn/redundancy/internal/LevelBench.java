package io.cairn.redundancy.internal;

import io.cairn.Cairn;
import io.cairn.Checkpointer;
import io.cairn.internal.util.Svg;
import io.cairn.redundancy.ErasureCode;
import io.cairn.redundancy.Layout;
import io.cairn.redundancy.Placement;
import io.cairn.redundancy.RankLocation;
import io.cairn.redundancy.Redundancy;
import io.cairn.redundancy.Scheme;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * End-to-end costs, one process, one thread: (1) encode and rebuild GB/s per core of the erasure codes
 * next to the byte-at-a-time multiply (a quick timing; the JMH version is CodecBench in the tests), and (2)
 * checkpoint time per level for 4 and 8 ranks on as many simulated nodes: the node-local Cairn
 * checkpoint of every rank alone, then plus each redundancy level. Per rank = total / ranks (on a real
 * cluster the ranks work in parallel). Writes an SVG plot. Run by {@code cairn redundancy bench}.
 */
public final class LevelBench {
  private LevelBench() {}

  /** The measured numbers. */
  public record Result(double loadAverage, Map<String, double[]> codecs, Map<Integer, Map<String, Double>> levels,
      int mib) {
    /** JSON: codecs as {code: {encode, encodeByteAtATime, rebuild, rebuildByteAtATime}} in GB/s, levels in seconds per rank. */
    public String toJson() {
      StringBuilder b = new StringBuilder("{\"loadAverage\":").append(String.format(Locale.ROOT, "%.2f", loadAverage))
          .append(",\"mibPerRank\":").append(mib).append(",\"codecs\":{");
      int c = 0;
      for (var e : codecs.entrySet()) {
        double[] v = e.getValue();
        b.append(c++ > 0 ? "," : "").append('"').append(e.getKey()).append("\":").append(String.format(Locale.ROOT,
            "{\"encode\":%.3f,\"encodeByteAtATime\":%.3f,\"rebuild\":%.3f,\"rebuildByteAtATime\":%.3f}", v[0], v[1],
            v[2], v[3]));
      }
      b.append("},\"secondsPerRank\":{");
      c = 0;
      for (var e : levels.entrySet()) {
        b.append(c++ > 0 ? "," : "").append('"').append(e.getKey()).append("\":{");
        int d = 0;
        for (var l : e.getValue().entrySet())
          b.append(d++ > 0 ? "," : "").append('"').append(l.getKey()).append("\":")
              .append(String.format(Locale.ROOT, "%.4f", l.getValue()));
        b.append('}');
      }
      return b.append("}}").toString();
    }
  }

  /** Runs both parts, printing a table to {@code out} as it goes, and writes {@code svg} unless null. */
  public static Result run(int mib, int reps, Path svg, java.io.PrintStream out) throws Exception {
    double load = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    out.printf(Locale.ROOT, "cores: %d, load average: %.1f%n", Runtime.getRuntime().availableProcessors(), load);
    Map<String, double[]> codec = codecs(out);
    Map<Integer, Map<String, Double>> levels = new TreeMap<>();
    for (int ranks : new int[]{4, 8}) levels.put(ranks, levels(ranks, mib, reps, out));
    if (svg != null) {
      if (svg.getParent() != null) Files.createDirectories(svg.getParent());
      Files.writeString(svg, svg(codec, levels, mib));
      out.println("wrote " + svg);
    }
    return new Result(load, codec, levels, mib);
  }

  /** code -> {encode fast, encode byte, rebuild fast, rebuild byte} in GB/s of data. */
  static Map<String, double[]> codecs(java.io.PrintStream out) {
    Map<String, double[]> res = new LinkedHashMap<>();
    out.println(
        "code        encode GB/s/core (byte-at-a-time, speed-up)   rebuild of m data shards GB/s/core (byte-at-a-time, speed-up)");
    for (int[] km : new int[][]{{8, 2}, {8, 1}, {4, 2}, {6, 3}}) {
      int k = km[0], m = km[1], len = 1 << 20;
      ErasureCode code = ErasureCode.reedSolomon(k, m);
      ByteAtATime slow = new ByteAtATime(code.parityMatrix());
      Random rnd = new Random(1);
      byte[][] data = new byte[k][len];
      for (byte[] d : data) rnd.nextBytes(d);
      byte[][] par = new byte[m][len];
      code.encode(data, par, len);
      byte[][] shards = new byte[k + m][];
      for (int j = 0; j < k; j++) shards[j] = data[j].clone();
      for (int i = 0; i < m; i++) shards[k + i] = par[i].clone();
      boolean[] present = new boolean[k + m];
      Arrays.fill(present, true);
      for (int j = 0; j < m; j++) present[j] = false;
      double ef = best(() -> code.encode(data, par, len), 40, k * (long) len);
      double es = best(() -> slow.encode(data, par, len), 3, k * (long) len);
      double rf = best(() -> code.reconstruct(shards, present, len), 40, k * (long) len);
      double rs = best(() -> slow.reconstruct(shards, present, len), 3, k * (long) len);
      res.put("RS(" + k + "+" + m + ")", new double[]{ef, es, rf, rs});
      out.printf(Locale.ROOT, "RS(%d+%d)    %6.2f (%.3f, %5.1fx)                          %6.2f (%.3f, %5.1fx)%n", k, m,
          ef, es, ef / es, rf, rs, rf / rs);
    }
    return res;
  }

  /** Best of 7 rounds of {@code iters} calls, in GB/s of {@code bytes} per call. */
  private static double best(Runnable r, int iters, long bytes) {
    for (int i = 0; i < iters; i++) r.run(); // warm-up
    double best = 0;
    for (int round = 0; round < 7; round++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < iters; i++) r.run();
      best = Math.max(best, (double) bytes * iters / (System.nanoTime() - t0));
    }
    return best;
  }

  static Map<String, Double> levels(int ranks, int mib, int reps, java.io.PrintStream out) throws Exception {
    Path root = Files.createTempDirectory("cairn-redbench");
    try {
      List<RankLocation> locs = new ArrayList<>();
      for (int r = 0; r < ranks; r++) locs.add(new RankLocation(r, "node-" + r));
      Map<String, Layout> layouts = new LinkedHashMap<>();
      layouts.put("partner", Placement.plan(locs, Scheme.partner(), List.of()));
      layouts.put("xor:" + ranks, Placement.plan(locs, Scheme.xor(ranks), List.of()));
      Scheme rs = ranks == 4 ? Scheme.reedSolomon(2, 2) : Scheme.reedSolomon(6, 2);
      layouts.put(rs.toString(), Placement.plan(locs, rs, List.of()));
      Map<String, Redundancy> reds = new LinkedHashMap<>();
      for (var e : layouts.entrySet())
        reds.put(e.getKey(), Redundancy.builder().nodes(root).run("bench").keep(2).level(e.getValue())
            .runDir(l -> root.resolve(l.node()).resolve("r" + l.rank()).resolve("local").resolve("bench-r" + l.rank()))
            .build());
      Random rnd = new Random(ranks);
      List<double[]> state = new ArrayList<>();
      List<Checkpointer> cks = new ArrayList<>();
      for (int r = 0; r < ranks; r++) {
        double[] s = new double[mib * 131072];
        for (int i = 0; i < s.length; i++) s[i] = rnd.nextDouble();
        state.add(s);
        cks.add(
            Cairn.builder().name("bench-r" + r).directory(root.resolve("node-" + r).resolve("r" + r)).levels("local")
                .set("level.local.keep", "2").set("interval", "none").set("signals", "false").environment(Map.of())
                .open().protect("s", s));
      }
      Map<String, List<Double>> t = new LinkedHashMap<>();
      long id = 0;
      for (int rep = 0; rep < reps + 1; rep++) { // first round is warm-up
        for (String level : reds.keySet()) {
          Map<Integer, Long> v = new TreeMap<>();
          long t0 = System.nanoTime();
          for (int r = 0; r < ranks; r++) {
            state.get(r)[rep] += 1;
            v.put(r, cks.get(r).checkpoint().version());
          }
          double local = (System.nanoTime() - t0) / 1e9;
          long t1 = System.nanoTime();
          reds.get(level).protect(++id, v);
          double red = (System.nanoTime() - t1) / 1e9;
          if (rep == 0) continue;
          t.computeIfAbsent("local only", x -> new ArrayList<>()).add(local / ranks);
          t.computeIfAbsent(level, x -> new ArrayList<>()).add((local + red) / ranks);
        }
      }
      for (Checkpointer c : cks) c.close();
      Map<String, Double> med = new LinkedHashMap<>();
      out.printf(Locale.ROOT, "%d ranks on %d nodes, %d MiB per rank: checkpoint seconds per rank (median of %d)%n",
          ranks, ranks, mib, reps);
      for (var e : t.entrySet()) {
        List<Double> l = new ArrayList<>(e.getValue());
        l.sort(null);
        double md = l.get(l.size() / 2);
        med.put(e.getKey(), md);
        out.printf(Locale.ROOT, "  %-12s %8.3f s  (%.2fx local only)%n", e.getKey(), md, md / med.get("local only"));
      }
      return med;
    } finally {
      try (Stream<Path> s = Files.walk(root)) {
        for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
      }
    }
  }

  /** Two grouped bar charts side by side: encode/rebuild GB/s per codec, checkpoint time per level and rank count. */
  static String svg(Map<String, double[]> codec, Map<Integer, Map<String, Double>> levels, int mib) {
    List<String> codecs = new ArrayList<>(codec.keySet());
    double[][] speed = new double[4][codecs.size()];
    for (int g = 0; g < codecs.size(); g++) for (int j = 0; j < 4; j++) speed[j][g] = codec.get(codecs.get(g))[j];
    String left = Svg.groupedBarChart("Encode / rebuild, GB/s per core", "GB/s", codecs,
        List.of("encode", "encode byte-at-a-time", "rebuild", "rebuild byte-at-a-time"), speed);
    List<Integer> counts = new ArrayList<>(levels.keySet());
    List<String> names = new ArrayList<>();
    for (Map<String, Double> m : levels.values()) for (String n : m.keySet()) if (!names.contains(n)) names.add(n);
    double[][] time = new double[names.size()][counts.size()];
    for (int k = 0; k < names.size(); k++) {
      for (int g = 0; g < counts.size(); g++)
        time[k][g] = levels.get(counts.get(g)).getOrDefault(names.get(k), Double.NaN);
    }
    String right = Svg.groupedBarChart("Checkpoint time per rank, " + mib + " MiB per rank", "seconds",
        counts.stream().map(n -> n + " ranks / " + n + " nodes").toList(), names, time);
    return Svg.sideBySide(List.of(left, right));
  }
}
