package io.cairn.dl.djl;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Dataset;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.CosineTracker;
import ai.djl.training.tracker.Tracker;
import ai.djl.training.tracker.WarmUpTracker;
import io.cairn.Cairn;
import io.cairn.Checkpointer;
import io.cairn.dl.data.DataLoader;
import io.cairn.dl.data.SyntheticImages;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code cairn dl bench --djl}: a DJL (PyTorch CPU) MLP trained with {@code EasyTrain.trainBatch} and
 * {@code trainer.step()}, without checkpoints and with a checkpoint every step (k = 1) in three forms —
 * blocking (each waits for its commit), two-phase with the copy on the training thread, two-phase with the
 * copy overlapping the next forward/backward pass — interleaved over repetitions. Reports per-iteration
 * overhead against the run without checkpoints of the same repetition (median and range), the
 * training-thread stall per checkpoint against a plain memory copy of the same arrays measured in the
 * same runs, and the background copy and commit times.
 */
public final class DjlBench {
  private DjlBench() { }

  /** Configuration. */
  public record Options(int steps, int warmup, int reps, int batch, int side, int hidden1, int hidden2, int classes, List<String> levels, int every) {
    public static Options defaults() { return new Options(300, 40, 5, 64, 20, 512, 128, 10, List.of("memory", "local"), 1); }
  }

  enum Mode {
    NONE("none"), BLOCKING("blocking"), COPY("two-phase, copy in step"), OVERLAP("two-phase, overlapped"),
    SKIP("overlapped, skip when busy");
    final String label;
    Mode(String label) { this.label = label; }
  }

  /** One run. */
  record Run(double seconds, List<Long> stalls, List<Long> copies, List<Long> commits, List<Long> waits, double plainCopyMillis, long stateBytes, long params) { }

  public static void main(String[] args) throws Exception {
    Options d = Options.defaults();
    Map<String, String> a = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        System.err.println("usage: DjlBench [--steps N] [--warmup N] [--reps N] [--batch N] [--hidden N] [--every K] [--levels memory,local]");
        System.exit(2);
      }
      a.put(args[i].substring(2), args[++i]);
    }
    Options o = new Options(Integer.parseInt(a.getOrDefault("steps", "" + d.steps())), Integer.parseInt(a.getOrDefault("warmup", "" + d.warmup())),
        Integer.parseInt(a.getOrDefault("reps", "" + d.reps())), Integer.parseInt(a.getOrDefault("batch", "" + d.batch())), d.side(),
        Integer.parseInt(a.getOrDefault("hidden", "" + d.hidden1())), d.hidden2(), d.classes(),
        List.of(a.getOrDefault("levels", String.join(",", d.levels())).split(",")), Integer.parseInt(a.getOrDefault("every", "" + d.every())));
    run(o, System.out);
  }

  /** Runs the benchmark for each level and prints the tables. */
  public static void run(Options o, PrintStream out) throws IOException, ai.djl.translate.TranslateException {
    Path work = Files.createTempDirectory("cairn-djl-bench");
    Path shm = Files.isDirectory(Path.of("/dev/shm")) ? Files.createTempDirectory(Path.of("/dev/shm"), "cairn-djl-bench") : null;
    try {
      for (String level : o.levels()) bench(o, level.trim(), work, shm, out);
    } finally {
      delete(work);
      if (shm != null) delete(shm);
    }
  }

  private static void bench(Options o, String level, Path work, Path shm, PrintStream out) throws IOException, ai.djl.translate.TranslateException {
    Map<Mode, List<Run>> runs = new LinkedHashMap<>();
    for (Mode m : Mode.values()) runs.put(m, new ArrayList<>());
    run(o, Mode.OVERLAP, level, work, shm); // warm-up: JIT, engine, page cache
    for (int r = 0; r < o.reps(); r++) {
      for (Mode m : Mode.values()) runs.get(m).add(run(o, m, level, work, shm));
    }
    Run first = runs.get(Mode.NONE).getFirst();
    out.printf(Locale.ROOT, "DJL %s (PyTorch CPU, %s intra-op threads): MLP %d-%d-%d-%d, %d parameters, Adam with warm-up + cosine and weight decay;"
        + " state %.2f MiB (weights + 2 moments); batch %d; %d timed steps after %d; level %s; checkpoint every %d step(s); %d interleaved repetitions%n",
        Engine.getDjlVersion(), threads(), o.side() * o.side(), o.hidden1(), o.hidden2(), o.classes(), first.params(), first.stateBytes() / 1048576.0,
        o.batch(), o.steps(), o.warmup(), level, o.every(), o.reps());
    out.printf(Locale.ROOT, "%-26s %9s %8s %23s %13s %12s %13s %12s%n", "mode", "ms/step", "ckpts", "overhead med [range]", "stall med ms",
        "copy med ms", "commit med ms", "buffer waits");
    double[] none = runs.get(Mode.NONE).stream().mapToDouble(Run::seconds).toArray();
    List<Double> plain = new ArrayList<>();
    for (List<Run> rs : runs.values()) for (Run x : rs) plain.add(x.plainCopyMillis());
    double plainMed = median(plain.stream().mapToDouble(Double::doubleValue).toArray());
    Map<Mode, Double> stallMed = new LinkedHashMap<>();
    for (var e : runs.entrySet()) {
      List<Run> rs = e.getValue();
      double[] ov = new double[rs.size()];
      for (int i = 0; i < rs.size(); i++) ov[i] = (rs.get(i).seconds() / none[i] - 1) * 100;
      double[] st = rs.stream().flatMap(x -> x.stalls().stream()).mapToDouble(n -> n / 1e6).toArray();
      double[] cp = rs.stream().flatMap(x -> x.copies().stream()).mapToDouble(n -> n / 1e6).toArray();
      double[] cm = rs.stream().flatMap(x -> x.commits().stream()).mapToDouble(n -> n / 1e6).toArray();
      long waited = rs.stream().flatMap(x -> x.waits().stream()).filter(n -> n > 100_000).count();
      long waitsAll = rs.stream().mapToLong(x -> x.waits().size()).sum();
      double ms = median(rs.stream().mapToDouble(Run::seconds).toArray()) * 1000 / o.steps();
      double[] sorted = ov.clone();
      Arrays.sort(sorted);
      stallMed.put(e.getKey(), median(st));
      out.printf(Locale.ROOT, "%-26s %9.3f %8d %23s %13s %12s %13s %12s%n", e.getKey().label, ms, rs.getFirst().stalls().size(),
          e.getKey() == Mode.NONE ? "-" : String.format(Locale.ROOT, "%+.2f%% [%+.2f, %+.2f]", median(ov), sorted[0], sorted[sorted.length - 1]),
          st.length == 0 ? "-" : String.format(Locale.ROOT, "%.4f", median(st)), cp.length == 0 ? "-" : String.format(Locale.ROOT, "%.4f", median(cp)),
          cm.length == 0 ? "-" : String.format(Locale.ROOT, "%.3f", median(cm)), e.getKey() == Mode.NONE ? "-" : waited + "/" + waitsAll);
    }
    out.printf(Locale.ROOT, "plain copy of the state (the same arrays into a heap array), median of all runs: %.4f ms%n", plainMed);
    for (Mode m : List.of(Mode.COPY, Mode.OVERLAP, Mode.SKIP))
      out.printf(Locale.ROOT, "stall vs plain copy, %s: %.2fx%n", m.label, stallMed.get(m) / plainMed);
    out.println("(buffer waits: copies on the training thread that waited > 0.1 ms for a free staging buffer, i.e. for the commit"
        + " before the previous one, of all copies made on the training thread)");
    out.println();
  }

  private static String threads() {
    try {
      return Class.forName("ai.djl.pytorch.jni.JniUtils").getMethod("getNumThreads").invoke(null).toString();
    } catch (ReflectiveOperationException | LinkageError e) {
      return "?";
    }
  }

  static Run run(Options o, Mode mode, String level, Path work, Path shm) throws IOException, ai.djl.translate.TranslateException {
    Path dir = work.resolve(level + "-" + mode.name().toLowerCase(Locale.ROOT));
    delete(dir);
    Path mem = shm == null ? null : shm.resolve(mode.name().toLowerCase(Locale.ROOT));
    if (mem != null) delete(mem);
    Engine.getInstance().setRandomSeed(7);
    int in = o.side() * o.side();
    SyntheticImages data = new SyntheticImages((o.steps() + o.warmup() + 1) * o.batch(), o.side(), 3, 0.3);
    Checkpointer c = null;
    try (Model model = Model.newInstance("bench", "PyTorch"); DataLoader loader = new DataLoader(data, o.batch(), 11, 0, 0)) {
      if (mode != Mode.NONE) {
        var b = Cairn.builder().name("djl-bench").directory(dir).levels(level).set("interval", "none").set("signals", "false");
        if (level.equals("memory") && mem != null) b.set("level.memory.path", mem.toString());
        c = b.open();
      }
      SequentialBlock block = new SequentialBlock().add(Linear.builder().setUnits(o.hidden1()).build()).add(Activation::relu)
          .add(Linear.builder().setUnits(o.hidden2()).build()).add(Activation::relu).add(Linear.builder().setUnits(o.classes()).build());
      model.setBlock(block);
      int total = o.steps() + o.warmup();
      Tracker lr = WarmUpTracker.builder().setMainTracker(CosineTracker.builder().setBaseValue(1e-3f).optFinalValue(1e-5f).setMaxUpdates(total).build())
          .optWarmUpSteps(total / 10).build();
      Adam adam = Optimizer.adam().optLearningRateTracker(lr).optWeightDecays(1e-4f).build();
      DjlCheckpoints ck = c == null ? null : new DjlCheckpoints(c, block, adam, o.every()).blocking(mode == Mode.BLOCKING)
          .skipWhenBusy(mode == Mode.SKIP);
      boolean overlapped = mode == Mode.OVERLAP || mode == Mode.SKIP;
      Dataset ds = ck == null ? new CairnDataset(loader, null) : overlapped ? ck.dataset(loader) : new CairnDataset(loader, null);
      if (ck != null && !overlapped) ck.data(loader);
      DefaultTrainingConfig cfg = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()).optOptimizer(adam);
      if (ck != null) cfg.addTrainingListeners(ck);
      try (Trainer trainer = model.newTrainer(cfg)) {
        trainer.initialize(new Shape(o.batch(), in));
        int n = 0, stall0 = 0, copy0 = 0, commit0 = 0, wait0 = 0;
        long t0 = System.nanoTime();
        for (Batch b : trainer.iterateDataset(ds)) {
          if (n == o.warmup()) {
            t0 = System.nanoTime();
            if (ck != null) {
              stall0 = ck.stalls().size();
              copy0 = ck.copyNanos().size();
              commit0 = ck.commitNanos().size();
              wait0 = ck.bufferWaitNanos().size();
            }
          }
          EasyTrain.trainBatch(trainer, b);
          trainer.step();
          b.close();
          if (++n == total) break;
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        List<Long> stalls = List.of(), copies = List.of(), commits = List.of(), waits = List.of();
        if (ck != null) {
          ck.close();
          stalls = List.copyOf(ck.stalls().subList(stall0, ck.stalls().size()));
          copies = List.copyOf(ck.copyNanos().subList(copy0, ck.copyNanos().size()));
          commits = List.copyOf(ck.commitNanos().subList(commit0, ck.commitNanos().size()));
          waits = List.copyOf(ck.bufferWaitNanos().subList(wait0, ck.bufferWaitNanos().size()));
        }
        // the baseline: a plain copy of the same arrays (weights and Adam's moments) into a heap array
        Checkpointer pc = null;
        double plainMs;
        long bytes;
        try {
          DjlCheckpoints probe = ck;
          if (probe == null) {
            pc = Cairn.builder().name("probe").directory(dir.resolve("probe")).levels("local").set("interval", "none").set("signals", "false").open();
            probe = new DjlCheckpoints(pc, block, adam, 0);
          }
          ByteBuffer[] views = probe.stateViews();
          bytes = probe.stateBytes();
          byte[] heap = new byte[(int) bytes];
          MemorySegment dst = MemorySegment.ofArray(heap);
          double[] t = new double[31];
          for (int i = 0; i < t.length; i++) {
            long s0 = System.nanoTime();
            long off = 0;
            for (ByteBuffer v : views) {
              if (v == null) continue;
              MemorySegment.copy(MemorySegment.ofBuffer(v), 0, dst, off, v.remaining());
              off += v.remaining();
            }
            t[i] = (System.nanoTime() - s0) / 1e6;
          }
          plainMs = median(t);
        } finally {
          if (pc != null) pc.close();
        }
        long params = bytes / 12;
        return new Run(secs, stalls, copies, commits, waits, plainMs, bytes, params);
      }
    } finally {
      if (c != null) c.close();
      delete(dir);
      if (mem != null) delete(mem);
    }
  }

  static double median(double[] v) {
    if (v.length == 0) return Double.NaN;
    double[] c = v.clone();
    Arrays.sort(c);
    return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
  }

  static void delete(Path p) throws IOException {
    if (!Files.exists(p)) return;
    try (var s = Files.walk(p)) {
      for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
    }
  }
}
