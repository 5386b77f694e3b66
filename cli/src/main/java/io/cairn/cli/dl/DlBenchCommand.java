package io.cairn.cli.dl;

import io.cairn.dl.DemoRun;
import io.cairn.dl.DlBench;
import io.cairn.dl.RankBench;
import io.cairn.internal.util.Svg;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cairn dl bench}: throughput with checkpoints (none / blocking / two-phase / adaptive) and stall vs memcpy. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = {
    "Training throughput with checkpoints every k steps: none, blocking, two-phase, two-phase at the",
    "adaptive interval; stall per two-phase checkpoint against a plain memory copy of the same state (same run)."})
public final class DlBenchCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;
  @Option(names = "--steps", defaultValue = "200", description = "steps per configuration (default ${DEFAULT-VALUE})")
  long steps;
  @Option(names = "--every", defaultValue = "10", description = "checkpoint interval k for the fixed rows (default ${DEFAULT-VALUE})")
  int every;
  @Option(names = "--hidden", defaultValue = "1024", description = "hidden width of the MLP: sets the state size (default ${DEFAULT-VALUE})")
  int hidden;
  @Option(names = "--workers", defaultValue = "2", description = "worker threads (default ${DEFAULT-VALUE})")
  int workers;
  @Option(names = "--reps", defaultValue = "3", description = "interleaved repetitions; the median time counts (default ${DEFAULT-VALUE})")
  int reps;
  @Option(names = "--bound", defaultValue = "0.03", description = "overhead bound of the adaptive interval (default ${DEFAULT-VALUE})")
  double bound;
  @Option(names = "--dir", description = "scratch directory for checkpoints (default: a temporary one)")
  Path dir;
  @Option(names = "--plot", defaultValue = "dl-bench.svg", description = "throughput plot (SVG; default ${DEFAULT-VALUE}); 'none' to skip")
  String plot;
  @Option(names = "--json", description = "print the result as JSON")
  boolean json;
  @Option(names = "--ranks", defaultValue = "0", description = "benchmark workers as ranks: jobs of this many processes with global checkpoints (blocking vs chandy-lamport two-phase)"
      + " instead of threads in one JVM (default: threads)")
  int ranks;

  @Option(names = "--djl", description = "benchmark a DJL (PyTorch CPU) training run instead: no checkpoints vs a checkpoint every --every steps (default 1 here),"
      + " blocking / two-phase / two-phase with the copy overlapped; overhead per iteration and stall vs a plain copy (a child JVM with"
      + " the PyTorch engine jars of the local Maven repository)")
  boolean djl;
  @Option(names = "--levels", defaultValue = "memory,local", description = "with --djl: the levels to measure, one table each (default ${DEFAULT-VALUE})")
  String levels;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (djl)
      return DjlBenchLauncher.run(steps == 200 ? 300 : steps,
          spec.commandLine().getParseResult().hasMatchedOption("--every") ? every : 1,
          reps == 3 ? 5 : reps, levels, out);
    boolean temporary = dir == null;
    Path d = dir != null ? dir : Files.createTempDirectory("cairn-dl-bench");
    try {
      return bench(out, d);
    } finally {
      if (temporary) DjlBenchLauncher.delete(d);
    }
  }

  private Integer bench(PrintWriter out, Path d) throws Exception {
    if (ranks > 0) return ranks(out, d);
    DemoRun.Options o = new DemoRun.Options().steps(steps).hidden(hidden).workers(workers).samples(1024).batch(32)
        .prefetch(2);
    o.side = 16;
    DlBench.Report r = DlBench.run(o, d, every, bound, reps);
    plot(r.rows(), String.format(Locale.ROOT, "cairn dl bench: %d params, %.1f MiB state, %d workers", r.params(),
        r.stateBytes() / 1048576.0, r.workers()));
    if (json) {
      String rows = jsonRows(r.rows());
      out.printf(Locale.ROOT,
          "{\"params\":%d,\"stateBytes\":%d,\"workers\":%d,\"memcpyMillis\":%.4f,\"stallOverMemcpy\":%.3f,"
              + "\"adaptiveExpectedOverheadPercent\":%.3f,\"quietStallMillis\":%.4f,\"quietMemcpyMillis\":%.4f,\"rows\":[%s]}%n",
          r.params(), r.stateBytes(), r.workers(), r.memcpyMillis(), r.stallOverMemcpy(),
          r.adaptiveExpectedOverheadPercent(),
          r.quietStallMillis(), r.quietMemcpyMillis(), rows);
      return 0;
    }
    out.printf(Locale.ROOT,
        "model: MLP with %d parameters; array state (weights + Adam moments) %.2f MiB; %d workers; median of %d runs%n",
        r.params(), r.stateBytes() / 1048576.0, r.workers(), reps);
    table(out, r.rows());
    out.printf(Locale.ROOT,
        "during training (previous persist may be running): median stall %.3f ms, plain memcpy of the array state %.3f ms: %.2fx%n",
        r.rows().get(2).meanStallMillis(), r.memcpyMillis(), r.stallOverMemcpy());
    out.printf(Locale.ROOT, "quiet (no persist in flight): median stall %.3f ms, memcpy %.3f ms: %.2fx%n",
        r.quietStallMillis(),
        r.quietMemcpyMillis(), r.quietStallMillis() / r.quietMemcpyMillis());
    out.printf(Locale.ROOT, "adaptive interval: k=%d, expected overhead %.2f%% (bound %.1f%%)%n",
        r.rows().get(3).interval(),
        r.adaptiveExpectedOverheadPercent(), bound * 100);
    if (!plot.equals("none")) out.println("plot: " + plot);
    return 0;
  }

  private Integer ranks(PrintWriter out, Path d) throws Exception {
    List<String> config = List.of("--hidden", "" + hidden, "--samples", "1024", "--batch", "32", "--prefetch", "2",
        "--side", "16");
    RankBench.Report r = RankBench.run(ranks, config, steps, every, bound, reps, d,
        line -> System.err.println("bench: " + line));
    plot(r.rows(), String.format(Locale.ROOT, "cairn dl bench: %d ranks, %.1f MiB owned state per rank", ranks,
        r.ownedBytes() / 1048576.0));
    if (json) {
      out.printf(Locale.ROOT,
          "{\"ranks\":%d,\"ownedBytes\":%d,\"memcpyMillis\":%.4f,\"stallOverMemcpy\":%.3f,\"rows\":[%s]}%n",
          ranks, r.ownedBytes(), r.memcpyMillis(), r.stallOverMemcpy(), jsonRows(r.rows()));
      return 0;
    }
    out.printf(Locale.ROOT,
        "workers as ranks: %d processes; each owns %.2f MiB of array state (its shard of weights + Adam moments);"
            + " times of rank 0's training loop, median of %d jobs%n",
        ranks, r.ownedBytes() / 1048576.0, reps);
    table(out, r.rows());
    out.printf(Locale.ROOT,
        "two-phase (chandy-lamport) global checkpoint: median stall %.3f ms, plain memcpy of the rank's arrays %.3f ms: %.2fx%n",
        r.rows().get(2).meanStallMillis(), r.memcpyMillis(), r.stallOverMemcpy());
    out.printf(Locale.ROOT, "adaptive interval: k=%d (bound %.1f%%)%n", r.rows().get(3).interval(), bound * 100);
    if (!plot.equals("none")) out.println("plot: " + plot);
    return 0;
  }

  private void plot(List<DlBench.Row> rows, String title) throws java.io.IOException {
    if (plot.equals("none")) return;
    Path p = Path.of(plot);
    if (p.toAbsolutePath().getParent() != null) Files.createDirectories(p.toAbsolutePath().getParent());
    List<Svg.Bar> bars = rows.stream()
        .map(x -> Svg.Bar.of(x.mode() + (x.interval() > 0 ? " (k=" + x.interval() + ")" : ""),
            x.stepsPerSecond(), String.format(Locale.ROOT, "%.2f steps/s", x.stepsPerSecond())))
        .toList();
    Files.writeString(p, Svg.horizontalBars(title, bars, Svg.Scale.LINEAR, 0, Double.NaN, Double.NaN));
  }

  private static String jsonRows(List<DlBench.Row> rows) {
    StringBuilder b = new StringBuilder();
    for (DlBench.Row x : rows) {
      b.append(b.isEmpty() ? "" : ",").append(String.format(Locale.ROOT,
          "{\"mode\":\"%s\",\"steps\":%d,\"checkpoints\":%d,\"interval\":%d,\"seconds\":%.4f,\"stepsPerSecond\":%.3f,\"meanStallMillis\":%.4f,\"overheadPercent\":%.3f}",
          x.mode(), x.steps(), x.checkpoints(), x.interval(), x.seconds(), x.stepsPerSecond(), x.meanStallMillis(),
          x.overheadPercent()));
    }
    return b.toString();
  }

  private static void table(PrintWriter out, List<DlBench.Row> rows) {
    out.printf(Locale.ROOT, "%-20s %6s %6s %5s %9s %9s %12s %10s%n", "mode", "steps", "ckpts", "k", "seconds",
        "steps/s", "med stall ms", "overhead");
    for (DlBench.Row x : rows) {
      out.printf(Locale.ROOT, "%-20s %6d %6d %5s %9.3f %9.2f %12.3f %9.2f%%%n", x.mode(), x.steps(), x.checkpoints(),
          x.interval() > 0 ? Integer.toString(x.interval()) : "-", x.seconds(), x.stepsPerSecond(), x.meanStallMillis(),
          x.overheadPercent());
    }
  }
}
