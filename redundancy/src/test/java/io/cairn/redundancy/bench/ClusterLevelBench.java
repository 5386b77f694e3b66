package io.cairn.redundancy.bench;

import io.cairn.cluster.Launcher;
import io.cairn.cluster.Protocol;
import io.cairn.redundancy.jobs.RingJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checkpoint time per level with real rank processes over loopback (cluster launcher, blocking
 * protocol): a global checkpoint to the node-local level alone, then followed by the distributed
 * partner / XOR / RS encoding through the communicator, for 4 and 8 ranks on as many simulated nodes.
 * Prints medians of rank 0's view (after a barrier). Arguments: {@code [MiB per rank] [checkpoints]}.
 */
public final class ClusterLevelBench {
  private ClusterLevelBench() {}

  public static void main(String[] a) throws Exception {
    int mib = a.length > 0 ? Integer.parseInt(a[0]) : 8;
    int ckpts = a.length > 1 ? Integer.parseInt(a[1]) : 6;
    int cells = mib * 131072;
    System.out.printf(Locale.ROOT, "load average %.1f; %d MiB per rank, %d checkpoints per run, medians%n",
        java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), mib, ckpts);
    for (int ranks : new int[]{4, 8}) {
      String rs = ranks == 4 ? "rs:2+2" : "rs:6+2";
      double local = Double.NaN;
      for (String scheme : new String[]{"none", "partner", "xor:" + ranks, rs}) {
        Path dir = Files.createTempDirectory("cairn-clbench");
        double[] t;
        try (Launcher.Job job = Launcher.builder().ranks(ranks).nodes(ranks).jobDir(dir)
            .jvmOption("-Xmx" + (96 + 2 * ranks * mib + 4 * mib) + "m")
            .failTimeout(Duration.ofSeconds(60)).protocol(Protocol.BLOCKING)
            .env("CAIRN_CLUSTER_PERSISTENT_EVERY", "1000")
            .command(List.of(RingJob.class.getName(), "--cells", "" + cells, "--steps", "" + (ckpts + 1), "--every",
                "1", "--delay-ms", "0",
                "--schemes", scheme, "--timing"))
            .start()) {
          int rc = job.await(Duration.ofMinutes(5));
          if (rc != 0) throw new IllegalStateException("job failed (" + rc + ") in " + dir);
          t = timings(dir);
        } finally {
          delete(dir);
        }
        if (scheme.equals("none")) local = t[0];
        System.out.printf(Locale.ROOT,
            "%d ranks  %-8s checkpoint %.3f s + redundancy %.3f s = %.3f s  (%.2fx local only)%n",
            ranks, scheme.equals("none") ? "local" : scheme, t[0], t[1], t[0] + t[1], (t[0] + t[1]) / local);
      }
    }
  }

  /** Median checkpoint and redundancy seconds over the job's checkpoints, the first one left out (warm-up). */
  static double[] timings(Path dir) throws Exception {
    Pattern p = Pattern.compile("ring-timing: global (\\d+) checkpoint ([0-9.]+) redundancy ([0-9.]+)");
    List<Double> c = new ArrayList<>(), r = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir.resolve("logs"))) {
      for (Path f : s.toList())
        for (String line : Files.readAllLines(f)) {
          Matcher m = p.matcher(line);
          if (m.find() && Long.parseLong(m.group(1)) > 2) {
            c.add(Double.parseDouble(m.group(2)));
            r.add(Double.parseDouble(m.group(3)));
          }
        }
    }
    if (c.isEmpty()) throw new IllegalStateException("no timings in " + dir.resolve("logs"));
    c.sort(null);
    r.sort(null);
    return new double[]{c.get(c.size() / 2), r.get(r.size() / 2)};
  }

  private static void delete(Path p) throws Exception {
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
    }
  }
}
