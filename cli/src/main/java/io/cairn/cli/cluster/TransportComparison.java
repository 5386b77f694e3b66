package io.cairn.cli.cluster;

import io.cairn.cluster.examples.TransportBench;
import io.cairn.cluster.internal.mpi.MpiRun;
import io.cairn.internal.util.Svg;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code cairn cluster bench --transport tcp,mpi}: the same rank program ({@link TransportBench}) over each
 * transport and rank count, in one run. Every job runs under a real mpirun ({@code CAIRN_TRANSPORT=tcp} or
 * {@code mpi}), so only the transport differs. Ratios are MPI against TCP of the same rank count.
 */
final class TransportComparison {
  private TransportComparison() {}

  record Row(int ranks, String transport, double latencyUs, double bandwidthMiBs, double checkpointMs) {}

  static int run(List<String> transports, List<Integer> ranks, int mb, int rounds, Path job, String svg, boolean json)
      throws Exception {
    for (String t : transports) {
      if (!t.equals("tcp") && !t.equals("mpi"))
        throw new IllegalArgumentException("unknown transport '" + t + "': use tcp, mpi or both (tcp,mpi)");
    }
    if (MpiRun.unavailable() != null)
      throw new IllegalStateException("cannot compare transports under mpirun: " + MpiRun.unavailable());
    for (int n : ranks)
      if (n < 2) throw new IllegalArgumentException("point-to-point needs at least 2 ranks, got " + n);
    List<Row> rows = new ArrayList<>();
    List<String> program = List.of(TransportBench.class.getName(), "--mb", "" + mb, "--rounds", "" + rounds);
    String heap = "-Xmx" + (mb * 3 + 160) + "m";
    for (int n : ranks) {
      for (String t : transports) {
        Demo.clean(job);
        // both under mpirun, so only the transport differs (same start, rank 0 hosting the coordinator in both)
        MpiRun.Result r = MpiRun.builder().ranks(n).jobDir(job).command(program).jvmOption(heap)
            .env("CAIRN_PROTOCOL", "blocking")
            .env("CAIRN_TRANSPORT", t).maxRestarts(0).attemptTimeout(Duration.ofMinutes(10)).build().run(null);
        if (!r.ok()) throw new IllegalStateException("benchmark job (" + n + " ranks, " + t + ") failed: " + r.why());
        String[] v = Files.readString(job.resolve("transport-bench.txt")).trim().split(" ");
        if (!v[0].equals(t)) throw new IllegalStateException("the " + t + " job ran over " + v[0]);
        Row row = new Row(n, t, Double.parseDouble(v[1]), Double.parseDouble(v[2]), Double.parseDouble(v[3]));
        rows.add(row);
        if (!json)
          System.err.printf(Locale.ROOT,
              "  %d ranks over %s: latency %.1f us, bandwidth %.0f MiB/s, global checkpoint %.1f ms%n",
              n, t, row.latencyUs(), row.bandwidthMiBs(), row.checkpointMs());
      }
    }
    Demo.clean(job);
    if (!svg.equals("none")) Files.writeString(Path.of(svg), chart(rows, transports, mb));
    if (json) {
      List<Map<String, Object>> l = new ArrayList<>();
      for (Row r : rows) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ranks", r.ranks());
        m.put("transport", r.transport());
        m.put("latencyUs", r.latencyUs());
        m.put("bandwidthMiBs", r.bandwidthMiBs());
        m.put("checkpointMs", r.checkpointMs());
        l.add(m);
      }
      System.out.println(Out.json(Map.of("mbPerRank", mb, "rounds", rounds, "results", l)));
      return 0;
    }
    System.out.printf(Locale.ROOT, "transports through Comm: ping-pong 8 B (half round trip, median), 1 MiB messages, "
        + "blocking global checkpoint of %d MiB per rank (median of %d, until committed)%n", mb, rounds);
    System.out.printf(Locale.ROOT, "%5s  %-9s %12s %10s %14s %10s %10s %10s%n", "ranks", "transport", "latency us",
        "MiB/s", "checkpoint ms",
        "lat/tcp", "bw/tcp", "ckpt/tcp");
    for (Row r : rows) {
      Row base = rows.stream().filter(x -> x.ranks() == r.ranks() && x.transport().equals("tcp")).findFirst()
          .orElse(null);
      System.out.printf(Locale.ROOT, "%5d  %-9s %12.1f %10.0f %14.1f %10s %10s %10s%n", r.ranks(), r.transport(),
          r.latencyUs(), r.bandwidthMiBs(),
          r.checkpointMs(), ratio(r.latencyUs(), base == null ? Double.NaN : base.latencyUs()),
          ratio(r.bandwidthMiBs(), base == null ? Double.NaN : base.bandwidthMiBs()),
          ratio(r.checkpointMs(), base == null ? Double.NaN : base.checkpointMs()));
    }
    if (!svg.equals("none")) System.out.println("chart: " + svg);
    return 0;
  }

  private static String ratio(double v, double base) {
    return Double.isFinite(base) && base > 0 ? String.format(Locale.ROOT, "%.2fx", v / base) : "-";
  }

  /** Three line charts stacked in one SVG: latency, bandwidth, checkpoint time vs ranks. */
  static String chart(List<Row> rows, List<String> transports, int mb) {
    String[] titles = {"Point-to-point latency (8 B, half round trip)", "Point-to-point bandwidth (1 MiB messages)",
        "Blocking global checkpoint, " + mb + " MiB per rank, until committed"};
    String[] units = {"microseconds", "MiB/s", "milliseconds"};
    List<String> charts = new ArrayList<>();
    for (int k = 0; k < 3; k++) {
      List<Svg.Series> series = new ArrayList<>();
      for (String t : transports) {
        List<Row> rs = rows.stream().filter(r -> r.transport().equals(t)).toList();
        double[] x = rs.stream().mapToDouble(Row::ranks).toArray();
        int kk = k;
        double[] y = rs.stream()
            .mapToDouble(r -> kk == 0 ? r.latencyUs() : kk == 1 ? r.bandwidthMiBs() : r.checkpointMs()).toArray();
        series.add(new Svg.Series(t, x, y));
      }
      charts.add(Svg.lineChart(titles[k], "ranks", units[k], series, false));
    }
    return Svg.stack(charts);
  }
}
