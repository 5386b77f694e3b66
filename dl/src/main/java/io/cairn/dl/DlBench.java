package io.cairn.dl;

import io.cairn.dl.train.Trainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Training throughput with checkpoints every k steps in three modes (none, blocking, two-phase) and
 * at the adaptive interval, plus the stall per checkpoint against a plain memory copy of the same
 * state, all measured in one run on one machine (so ratios are comparable, absolute numbers are not).
 */
public final class DlBench {
  private DlBench() {}

  /** One measured configuration. */
  public record Row(String mode, long steps, int checkpoints, int interval, double seconds, double stepsPerSecond,
      double meanStallMillis, double overheadPercent) {}

  /** The whole report; stall and memcpy are medians over the two-phase checkpoints, the memcpy taken just before each. */
  public record Report(int params, long stateBytes, int workers, List<Row> rows, double memcpyMillis,
      double stallOverMemcpy,
      double adaptiveExpectedOverheadPercent, double quietStallMillis, double quietMemcpyMillis) {}

  /**
   * Runs the benchmark in {@code work} (a scratch directory it fills with checkpoints).
   *
   * @param base  the model and run options (dir, mode, steps and every are set here)
   * @param every the fixed interval for the blocking and two-phase rows
   * @param bound the overhead bound of the adaptive row (e.g. 0.03)
   */
  public static Report run(DemoRun.Options base, Path work, int every, double bound, int reps) {
    // warm up the JIT on the same code paths
    run(copy(base).mode(DemoRun.Mode.TWO_PHASE).every(Math.max(1, every / 2)).steps(Math.max(10, base.steps / 4)), work,
        "warmup");
    String[] names = {"none", "blocking", "two-phase", "two-phase adaptive"};
    List<List<DemoRun.Result>> results = new ArrayList<>();
    for (int i = 0; i < names.length; i++) results.add(new ArrayList<>());
    for (int r = 0; r < reps; r++) { // interleaved, so slow phases of a shared machine hit every mode alike
      results.get(0).add(run(copy(base).mode(DemoRun.Mode.NONE), work, "none"));
      results.get(1).add(run(copy(base).mode(DemoRun.Mode.BLOCKING).every(every), work, "blocking"));
      DemoRun.Options probe = copy(base).mode(DemoRun.Mode.TWO_PHASE).every(every);
      probe.memcpyProbe = true;
      results.get(2).add(run(probe, work, "two-phase"));
      results.get(3).add(run(copy(base).mode(DemoRun.Mode.TWO_PHASE).every(every).adaptive(bound), work, "adaptive"));
    }
    double noneSeconds = median(results.get(0).stream().mapToDouble(DemoRun.Result::seconds).toArray());
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < names.length; i++) {
      List<DemoRun.Result> rs = results.get(i);
      double secs = median(rs.stream().mapToDouble(DemoRun.Result::seconds).toArray());
      double stall = median(
          rs.stream().flatMap(x -> x.stallSeconds().stream()).mapToDouble(Double::doubleValue).toArray()) * 1000;
      DemoRun.Result last = rs.getLast();
      int interval = i == 0 ? 0 : i == 3 ? last.interval() : every;
      rows.add(new Row(names[i], last.metrics().size(), last.checkpoints(), interval, secs,
          last.metrics().size() / secs, stall,
          (secs / noneSeconds - 1) * 100));
    }
    long bytes;
    double memcpy;
    int params;
    try (Trainer t = DemoRun.trainer(base)) {
      List<float[]> arrays = new ArrayList<>();
      arrays.add(t.model().params());
      arrays.addAll(t.optimizer().stateArrays().values());
      bytes = 0;
      for (float[] a : arrays) bytes += 4L * a.length;
      memcpy = median(
          results.get(2).stream().flatMap(x -> x.memcpySeconds().stream()).mapToDouble(Double::doubleValue).toArray())
          * 1000;
      params = t.model().paramCount();
    }
    double stall = rows.get(2).meanStallMillis();
    double[] quiet = quiet(base, work.resolve("quiet"), 41);
    return new Report(params, bytes, base.workers, rows, memcpy, stall / memcpy,
        results.get(3).getLast().expectedOverhead() * 100,
        quiet[0], quiet[1]);
  }

  /**
   * Median snapshot stall and memcpy with no persist in flight (each checkpoint is awaited before the
   * next), alternating the two measurements: the cost of phase 1 itself, without contention.
   */
  private static double[] quiet(DemoRun.Options base, Path dir, int reps) {
    double[] stall = new double[reps], mem = new double[reps];
    try (Trainer t = DemoRun.trainer(base); io.cairn.Checkpointer ck = DemoRun.checkpointer(dir, true)) {
      TrainingState st = TrainingState.of(t).attach(ck);
      t.step();
      float[][] dst = DemoRun.copyTargets(t);
      for (int i = 0; i < reps; i++) {
        // same thread, same state, a target written before (as the engine's staging is reused); the order alternates
        boolean copyFirst = i % 2 == 0;
        long m0 = 0, m1 = 0;
        if (copyFirst) {
          m0 = System.nanoTime();
          DemoRun.copyState(t, dst);
          m1 = System.nanoTime();
        }
        long c0 = System.nanoTime();
        io.cairn.Checkpoint c = st.capture();
        long c1 = System.nanoTime();
        if (!copyFirst) {
          m0 = System.nanoTime();
          DemoRun.copyState(t, dst);
          m1 = System.nanoTime();
        }
        c.await();
        mem[i] = (m1 - m0) / 1e6;
        stall[i] = (c1 - c0) / 1e6;
      }
    }
    return new double[]{median(stall), median(mem)};
  }

  private static double median(double[] v) {
    if (v.length == 0) return 0;
    double[] c = v.clone();
    Arrays.sort(c);
    return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
  }

  private static DemoRun.Result run(DemoRun.Options o, Path work, String name) {
    Path d = work.resolve(name);
    try {
      if (Files.exists(d)) {
        try (var s = Files.walk(d)) {
          for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot clear benchmark directory " + d, e);
    }
    return DemoRun.run(o.dir(d), null);
  }

  private static DemoRun.Options copy(DemoRun.Options o) {
    DemoRun.Options c = new DemoRun.Options().dir(o.dir).model(o.model).optimizer(o.optimizer).schedule(o.schedule)
        .seed(o.seed)
        .workers(o.workers).steps(o.steps).every(o.every).mode(o.mode).samples(o.samples).batch(o.batch)
        .prefetch(o.prefetch)
        .hidden(o.hidden).dropout(o.dropout);
    c.side = o.side;
    return c;
  }
}
