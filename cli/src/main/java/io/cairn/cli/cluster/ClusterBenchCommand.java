package io.cairn.cli.cluster;

import io.cairn.cluster.Launcher;
import io.cairn.cluster.Protocol;
import io.cairn.cluster.examples.CheckpointBench;
import io.cairn.internal.util.Svg;
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
@Command(name = "bench", mixinStandardHelpOptions = true, description = {
    "For each rank count, runs a job whose ranks hold --mb MiB each and take --rounds checkpoints with every",
    "protocol: independent (no coordination), blocking, chandy-lamport. Prints the median time ranks are blocked",
    "per checkpoint and the time until the global version is committed (slowest rank), with the ratio to independent.",
    "With --transport tcp,mpi: point-to-point latency, bandwidth and global checkpoint time over each transport instead",
    "(MPI jobs under a real mpirun; default ranks 2,4,8), with the ratio MPI/TCP (docs/mpi.md).",
    "With --protocols blocking,chandy-lamport,independent,...: the protocols side by side on the bank and heat workloads",
    "(default 8 ranks): failure-free time vs no checkpoints, bytes logged per byte sent, and after one kill -9 the ranks",
    "restored, the steps executed again and the recovery time (docs/parallel.md)."})
public final class ClusterBenchCommand implements Callable<Integer> {
  @Option(names = "--ranks", split = ",", description = "rank counts (default 4,8; 2,4,8 with --transport)")
  List<Integer> ranks;
  @Option(names = "--transport", split = ",", description = "compare transports instead of protocols: tcp, mpi or tcp,mpi")
  List<String> transports;
  @Option(names = "--mb", defaultValue = "8", description = "MiB of state per rank (default ${DEFAULT-VALUE})")
  int mb;
  @Option(names = "--rounds", defaultValue = "5", description = "checkpoints per run (default ${DEFAULT-VALUE})")
  int rounds;
  @Option(names = "--job", defaultValue = "cairn-cluster-bench", description = "scratch job directory, emptied (default ${DEFAULT-VALUE})")
  Path job;
  @Option(names = "--svg", defaultValue = "cluster-bench.svg", description = "bar chart to write ('none' to skip; default ${DEFAULT-VALUE})")
  String svg;
  @Option(names = "--json", description = "print JSON")
  boolean json;
  @Option(names = "--protocols", split = ",", description = "compare these protocols (names as for --protocol) on --workloads, with a kill")
  List<String> protocols;
  @Option(names = "--workloads", split = ",", defaultValue = "bank,heat", description = "with --protocols: bank, heat or both (default ${DEFAULT-VALUE})")
  List<String> workloads;
  @Option(names = "--steps", defaultValue = "200", description = "with --protocols: steps per job (default ${DEFAULT-VALUE})")
  int steps;
  @Option(names = "--every", defaultValue = "20", description = "with --protocols: checkpoint every N steps (default ${DEFAULT-VALUE})")
  int every;
  @Option(names = "--delay-ms", defaultValue = "10", description = "with --protocols: work per step in ms (default ${DEFAULT-VALUE})")
  int delayMs;

  record Row(int ranks, String protocol, double blockedMs, double commitMs) {}

  @Override
  public Integer call() throws Exception {
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
        return ProtocolComparison.run(protocols, workloads,
            new ProtocolComparison.Settings(n, steps, every, delayMs, 8 * n, job),
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
        try (Launcher.Job j = Launcher.builder().ranks(n).nodes(Math.max(1, n / 2)).jobDir(job).protocol(p)
            .jvmOption("-Xmx" + (mb * 3 + 64) + "m")
            .command(List.of(CheckpointBench.class.getName(), "--mb", "" + mb, "--rounds", "" + rounds)).start()) {
          int code = j.await(Duration.ofMinutes(10));
          if (code != 0)
            throw new IllegalStateException("benchmark job (" + n + " ranks, " + p.id() + ") failed with " + code
                + "; logs in " + job.resolve("logs"));
        }
        String[] t = Files.readString(job.resolve("bench.txt")).trim().split(" ");
        rows.add(new Row(n, p.id(), Double.parseDouble(t[0]), Double.parseDouble(t[1])));
        if (!json)
          System.err.printf(Locale.ROOT, "  %d ranks, %-15s blocked %8.1f ms, committed after %8.1f ms%n", n, p.id(),
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
    System.out.printf(Locale.ROOT, "%5s  %-15s %12s %14s %12s%n", "ranks", "protocol", "blocked ms", "committed ms",
        "vs indep.");
    for (Row r : rows)
      System.out.printf(Locale.ROOT, "%5d  %-15s %12.1f %14.1f %11.2fx%n", r.ranks(), r.protocol(), r.blockedMs(),
          r.commitMs(), r.commitMs() / base(rows, r.ranks()));
    if (!svg.equals("none")) System.out.println("chart: " + svg);
    return 0;
  }

  private static double base(List<Row> rows, int n) {
    for (Row r : rows) if (r.ranks() == n && r.protocol().equals("independent")) return r.commitMs();
    return Double.NaN;
  }

  /** A grouped bar chart: time to commit and time blocked, per rank count and protocol. */
  static String chart(List<Row> rows) {
    List<String> protos = List.of("independent", "blocking", "chandy-lamport");
    List<Integer> counts = rows.stream().map(Row::ranks).distinct().toList();
    List<String> series = new ArrayList<>();
    double[][] v = new double[2 * protos.size()][counts.size()];
    for (double[] a : v) java.util.Arrays.fill(a, Double.NaN);
    for (String p : protos) {
      series.add(p + ": committed");
      series.add(p + ": blocked");
    }
    for (Row r : rows) {
      int k = protos.indexOf(r.protocol()), g = counts.indexOf(r.ranks());
      v[2 * k][g] = r.commitMs();
      v[2 * k + 1][g] = r.blockedMs();
    }
    return Svg.groupedBarChart("Global checkpoint time: the price of consistency", "ms (median)",
        counts.stream().map(n -> n + " ranks").toList(), series, v);
  }
}
