package io.cairn.cli.cluster;

import io.cairn.cluster.Launcher;
import io.cairn.cluster.Protocol;
import io.cairn.cluster.examples.CheckpointBench;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn cluster bench}: checkpoint time per protocol against ranks checkpointing independently (the price of consistency). */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {"For each rank count, runs a job whose ranks hold --mb MiB each and take --rounds checkpoints with every",
        "protocol: independent (no coordination), blocking, chandy-lamport. Prints the median time ranks are blocked",
        "per checkpoint and the time until the global version is committed (slowest rank), with the ratio to independent.",
        "With --transport tcp,mpi: point-to-point latency, bandwidth and global checkpoint time over each transport instead",
        "(MPI jobs under a real mpirun; default ranks 2,4,8), with the ratio MPI/TCP (docs/mpi.md).",
        "With --protocols blocking,chandy-lamport,independent,...: the protocols side by side on the bank and heat workloads",
        "(default 8 ranks): failure-free time vs no checkpoints, bytes logged per byte sent, and after one kill -9 the ranks",
        "restored, the steps executed again and the recovery time (docs/parallel.md)."})
public final class ClusterBenchCommand implements Callable<Integer> {
  @Option(names = "--ranks", split = ",", description = "rank counts (default 4,8; 2,4,8 with --transport)") List<Integer> ranks;
  @Option(names = "--transport", split = ",", description = "compare transports instead of protocols: tcp, mpi or tcp,mpi") List<String> transports;
  @Option(names = "--mb", defaultValue = "8", description = "MiB of state per rank (default ${DEFAULT-VALUE})") int mb;
  @Option(names = "--rounds", defaultValue = "5", description = "checkpoints per run (default ${DEFAULT-VALUE})") int rounds;
  @Option(names = "--job", defaultValue = "cairn-cluster-bench", description = "scratch job directory, emptied (default ${DEFAULT-VALUE})") Path job;
  @Option(names = "--svg", defaultValue = "cluster-bench.svg", description = "bar chart to write ('none' to skip; default ${DEFAULT-VALUE})") String svg;
  @Option(names = "--json", description = "print JSON") boolean json;
  @Option(names = "--protocols", split = ",", description = "compare these protocols (names as for --protocol) on --workloads, with a kill") List<String> protocols;
  @Option(names = "--workloads", split = ",", defaultValue = "bank,heat", description = "with --protocols: bank, heat or both (default ${DEFAULT-VALUE})") List<String> workloads;
  @Option(names = "--steps", defaultValue = "200", description = "with --protocols: steps per job (default ${DEFAULT-VALUE})") int steps;
  @Option(names = "--every", defaultValue = "20", description = "with --protocols: checkpoint every N steps (default ${DEFAULT-VALUE})") int every;
  @Option(names = "--delay-ms", defaultValue = "10", description = "with --protocols: work per step in ms (default ${DEFAULT-VALUE})") int delayMs;

  record Row(int ranks, String protocol, double blockedMs, double commitMs) { }

  @Override public Integer call() throws Exception {
    if (transports != null && !transports.isEmpty()) {
      try {
        return TransportComparison.run(transports, ranks != null ? ranks : List.of(2, 4, 8), mb, rounds, job,
            svg.equals("cluster-bench.svg") ? "transport-bench.svg" : svg, json);
      } catch (IllegalArgumentException | IllegalStateException e) {
        System.err.println("cairn cluster bench: " + e.getMessage());
        return 2;
      }
    }
    if (protocols != null && !protocols.isEmpty()) {
      if (ranks != null && ranks.size() != 1) {
        System.err.println("cairn cluster bench: --protocols takes one rank count (--ranks 8 or --ranks 4)");
        return 2;
      }
      int n = ranks == null ? 8 : ranks.getFirst();
      try {
        return ProtocolComparison.run(protocols, workloads, new ProtocolComparison.Settings(n, steps, every, delayMs, 8 * n, job),
            svg.equals("cluster-bench.svg") ? "protocol-bench.svg" : svg, json);
      } catch (IllegalArgumentException | IllegalStateException e) {
        System.err.println("cairn cluster bench: " + e.getMessage());
        return 2;
      }
    }
    if (ranks == null) ranks = List.of(4, 8);
    List<Row> rows = new ArrayList<>();
    Protocol[] protocols = {Protocol.INDEPENDENT, Protocol.BLOCKING, Protocol.CHANDY_LAMPORT};
    for (int n : ranks) {
      for (Protocol p : protocols) {
        Demo.clean(job);
        try (Launcher.Job j = Launcher.builder().ranks(n).nodes(Math.max(1, n / 2)).jobDir(job).protocol(p).jvmOption("-Xmx" + (mb * 3 + 64) + "m")
            .command(List.of(CheckpointBench.class.getName(), "--mb", "" + mb, "--rounds", "" + rounds)).start()) {
          int code = j.await(Duration.ofMinutes(10));
          if (code != 0) throw new IllegalStateException("benchmark job (" + n + " ranks, " + p.id() + ") failed with " + code + "; logs in " + job.resolve("logs"));
        }
        String[] t = Files.readString(job.resolve("bench.txt")).trim().split(" ");
        rows.add(new Row(n, p.id(), Double.parseDouble(t[0]), Double.parseDouble(t[1])));
        if (!json) System.err.printf(Locale.ROOT, "  %d ranks, %-15s blocked %8.1f ms, committed after %8.1f ms%n", n, p.id(),
            Double.parseDouble(t[0]), Double.parseDouble(t[1]));
      }
    }
    Demo.clean(job);
    if (!svg.equals("none")) Files.writeString(Path.of(svg), chart(rows));
    if (json) {
      List<Map<String, Object>> l = new ArrayList<>();
      for (Row r : rows) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ranks", r.ranks());
        m.put("protocol", r.protocol());
        m.put("blockedMs", r.blockedMs());
        m.put("commitMs", r.commitMs());
        m.put("commitVsIndependent", r.commitMs() / base(rows, r.ranks()));
        l.add(m);
      }
      System.out.println(Out.json(Map.of("mbPerRank", mb, "rounds", rounds, "results", l)));
      return 0;
    }
    System.out.printf(Locale.ROOT, "checkpoint of %d MiB per rank, median of %d rounds (slowest rank)%n", mb, rounds);
    System.out.printf(Locale.ROOT, "%5s  %-15s %12s %14s %12s%n", "ranks", "protocol", "blocked ms", "committed ms", "vs indep.");
    for (Row r : rows)
      System.out.printf(Locale.ROOT, "%5d  %-15s %12.1f %14.1f %11.2fx%n", r.ranks(), r.protocol(), r.blockedMs(), r.commitMs(), r.commitMs() / base(rows, r.ranks()));
    if (!svg.equals("none")) System.out.println("chart: " + svg);
    return 0;
  }

  private static double base(List<Row> rows, int n) {
    for (Row r : rows) if (r.ranks() == n && r.protocol().equals("independent")) return r.commitMs();
    return Double.NaN;
  }

  /** A grouped bar chart (hand-written SVG): time to commit and time blocked, per rank count and protocol. */
  static String chart(List<Row> rows) {
    double max = 1;
    for (Row r : rows) max = Math.max(max, Math.max(r.commitMs(), r.blockedMs()));
    int w = 640;
    int h = 360;
    int left = 60;
    int bottom = 300;
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n", w, h));
    b.append("<text x=\"").append(w / 2).append("\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">Global checkpoint time: the price of consistency</text>\n");
    b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"40\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n",
        left, left, bottom, left, bottom, w - 20, bottom));
    b.append(String.format(Locale.ROOT, "<text x=\"15\" y=\"170\" transform=\"rotate(-90 15 170)\" text-anchor=\"middle\">ms (median)</text>%n"));
    for (int i = 0; i <= 4; i++) {
      double v = max * i / 4;
      int y = bottom - (int) ((bottom - 40) * i / 4.0);
      b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.0f</text>%n", left - 4, y + 4, v));
    }
    String[] colors = {"#888888", "#1f77b4", "#ff7f0e"};
    List<String> protos = List.of("independent", "blocking", "chandy-lamport");
    List<Integer> counts = rows.stream().map(Row::ranks).distinct().toList();
    int group = (w - left - 40) / Math.max(1, counts.size());
    int bar = Math.max(8, group / 8);
    for (int g = 0; g < counts.size(); g++) {
      int x0 = left + 20 + g * group;
      for (Row r : rows) {
        if (r.ranks() != counts.get(g)) continue;
        int k = protos.indexOf(r.protocol());
        int x = x0 + k * (2 * bar + 6);
        int hc = (int) ((bottom - 40) * r.commitMs() / max);
        int hb = (int) ((bottom - 40) * r.blockedMs() / max);
        b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"><title>%s %d ranks: committed after %.1f ms</title></rect>%n",
            x, bottom - hc, bar, hc, colors[k], r.protocol(), r.ranks(), r.commitMs()));
        b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" fill-opacity=\"0.45\"><title>%s %d ranks: blocked %.1f ms</title></rect>%n",
            x + bar, bottom - hb, bar, hb, colors[k], r.protocol(), r.ranks(), r.blockedMs()));
      }
      b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%d ranks</text>%n", x0 + 3 * bar + 6, bottom + 18, counts.get(g)));
    }
    for (int k = 0; k < 3; k++)
      b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"330\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%d\" y=\"341\">%s</text>%n",
          left + k * 170, colors[k], left + k * 170 + 16, protos.get(k)));
    b.append("<text x=\"").append(w - 20).append("\" y=\"355\" text-anchor=\"end\" font-size=\"10\">solid: until committed; light: ranks blocked</text>\n");
    return b.append("</svg>\n").toString();
  }
}
