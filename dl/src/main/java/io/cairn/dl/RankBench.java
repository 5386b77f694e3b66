package io.cairn.dl;

import io.cairn.cluster.Launcher;
import io.cairn.cluster.Protocol;
import io.cairn.dl.examples.RankTraining;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The training benchmark with workers as ranks: jobs of {@link RankTraining} with no checkpoints,
 * blocking global checkpoints (protocol {@code blocking}), two-phase ones (protocol
 * {@code chandy-lamport}: snapshot, then persist and commit in the background) every k steps, and
 * two-phase at the adaptive interval, interleaved over repetitions. Times are those of rank 0's
 * training loop (JVM start and restore excluded); the stall of each checkpoint is compared with a
 * plain copy of the arrays the rank owns, taken just before it.
 */
public final class RankBench {
  private RankBench() {}

  /** The report: rows as {@link DlBench.Row}, medians over the repetitions. */
  public record Report(int ranks, long ownedBytes, List<DlBench.Row> rows, double memcpyMillis,
      double stallOverMemcpy) {}

  /**
   * @param config   the run's options for {@link RankTraining} (model, sizes, seed)
   * @param progress told about each job as it ends
   */
  public static Report run(int ranks, List<String> config, long steps, int every, double bound, int reps, Path work,
      Consumer<String> progress) {
    if (ranks < 1) throw new IllegalArgumentException("ranks must be >= 1");
    String[] names = {"none", "blocking", "two-phase", "two-phase adaptive"};
    List<List<Map<String, String>>> results = new ArrayList<>();
    for (int i = 0; i < names.length; i++) results.add(new ArrayList<>());
    for (int r = 0; r < reps; r++) {
      for (int i = 0; i < names.length; i++) {
        List<String> args = new ArrayList<>(config);
        args.addAll(List.of("--steps", "" + steps, "--every", i == 0 ? "0" : "" + every));
        if (i == 2) args.add("--memcpy-probe");
        if (i == 3) args.addAll(List.of("--adaptive", "" + bound));
        Protocol p = i == 1 ? Protocol.BLOCKING : Protocol.CHANDY_LAMPORT;
        Map<String, String> res = job(work.resolve(names[i].replace(' ', '-') + "-" + r), ranks, p, args);
        results.get(i).add(res);
        progress.accept(String.format(java.util.Locale.ROOT, "%s, repetition %d of %d: %.2f s", names[i], r + 1, reps,
            Double.parseDouble(res.get("seconds"))));
      }
    }
    double none = median(results.get(0).stream().mapToDouble(m -> Double.parseDouble(m.get("seconds"))).toArray());
    List<DlBench.Row> rows = new ArrayList<>();
    for (int i = 0; i < names.length; i++) {
      List<Map<String, String>> rs = results.get(i);
      double secs = median(rs.stream().mapToDouble(m -> Double.parseDouble(m.get("seconds"))).toArray());
      double stall = median(rs.stream().flatMapToDouble(m -> list(m.get("stalls-ms"))).toArray());
      Map<String, String> last = rs.getLast();
      int interval = i == 0 ? 0 : i == 3 ? Integer.parseInt(last.get("interval").split(" ")[0]) : every;
      rows.add(new DlBench.Row(names[i], steps, Integer.parseInt(last.get("checkpoints")), interval, secs, steps / secs,
          stall, (secs / none - 1) * 100));
    }
    double memcpy = median(results.get(2).stream().flatMapToDouble(m -> list(m.get("memcpy-ms"))).toArray());
    long owned = Long.parseLong(results.get(2).getLast().get("owned-bytes"));
    return new Report(ranks, owned, rows, memcpy, rows.get(2).meanStallMillis() / memcpy);
  }

  private static java.util.stream.DoubleStream list(String v) {
    return v == null || v.equals("-")
        ? java.util.stream.DoubleStream.empty()
        : Arrays.stream(v.split(",")).mapToDouble(Double::parseDouble);
  }

  private static Map<String, String> job(Path dir, int ranks, Protocol p, List<String> args) {
    try {
      if (Files.exists(dir)) {
        try (var s = Files.walk(dir)) {
          for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(f);
        }
      }
      List<String> cmd = new ArrayList<>();
      cmd.add(RankTraining.class.getName());
      cmd.addAll(args);
      int code;
      try (Launcher.Job j = Launcher.builder().ranks(ranks).nodes(Math.min(2, ranks)).jobDir(dir).protocol(p)
          .jvmOption("-Xmx512m")
          .maxRestarts(0).command(cmd).start()) {
        code = j.await(Duration.ofMinutes(20));
      }
      if (code != 0)
        throw new IllegalStateException(
            "benchmark job in " + dir + " failed with exit code " + code + "; see " + dir.resolve("logs"));
      Map<String, String> m = new HashMap<>();
      for (String line : Files.readAllLines(dir.resolve("dl-result.txt"))) {
        int sp = line.indexOf(' ');
        if (sp > 0) m.putIfAbsent(line.substring(0, sp), line.substring(sp + 1));
      }
      return m;
    } catch (IOException e) {
      throw new UncheckedIOException("benchmark job in " + dir + ": " + e.getMessage(), e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("benchmark job in " + dir + " did not finish in 20 minutes", e);
    }
  }

  static double median(double[] v) {
    if (v.length == 0) return 0;
    double[] c = v.clone();
    Arrays.sort(c);
    return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
  }
}
