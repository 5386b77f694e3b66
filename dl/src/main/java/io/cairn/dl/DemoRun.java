package io.cairn.dl;

import io.cairn.Cairn;
import io.cairn.Checkpoint;
import io.cairn.Checkpointer;
import io.cairn.Version;
import io.cairn.cluster.Rank;
import io.cairn.dl.data.DataLoader;
import io.cairn.dl.data.SyntheticImages;
import io.cairn.dl.nn.Activation;
import io.cairn.dl.nn.Adam;
import io.cairn.dl.nn.Conv2d;
import io.cairn.dl.nn.Dense;
import io.cairn.dl.nn.Dropout;
import io.cairn.dl.nn.LrSchedule;
import io.cairn.dl.nn.Model;
import io.cairn.dl.nn.Optimizer;
import io.cairn.dl.nn.Sgd;
import io.cairn.dl.rng.Keys;
import io.cairn.dl.rng.RngState;
import io.cairn.dl.train.Metrics;
import io.cairn.dl.train.RankTrainer;
import io.cairn.dl.train.Trainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A complete, resumable training run on the generated image dataset: the recipe behind
 * {@code cairn dl demo}, {@code cairn dl bench} and the kill-and-resume tests. It restores the latest
 * checkpoint of its directory (if any), trains to {@code steps} and checkpoints every
 * {@code every} steps (or at the {@link AdaptiveInterval adaptive} interval).
 */
public final class DemoRun {
  private DemoRun() {}

  /** How a run checkpoints. */
  public enum Mode {
    /** No checkpoints. */
    NONE,
    /** Blocking: each checkpoint is committed before training goes on. */
    BLOCKING,
    /** Two-phase: snapshot into staging memory, persist in the background. */
    TWO_PHASE
  }

  /** Options of a run (mutable, fluent). */
  public static final class Options {
    public Path dir;
    public String model = "mlp";
    public String optimizer = "adam";
    public String schedule = "cosine";
    public long seed = 42;
    public int workers = 1;
    public long steps = 60;
    public int every = 5;
    public boolean adaptive;
    public double bound = 0.03;
    public Mode mode = Mode.TWO_PHASE;
    public final Set<String> omit = new LinkedHashSet<>();
    public boolean allowIncomplete;
    public int samples = 512;
    public int side = 10;
    public int batch = 16;
    public int prefetch = 2;
    public int hidden = 64;
    public double dropout = 0.1;
    /** Before each checkpoint, time a plain copy of the array state (benchmark baseline; excluded from the run time). */
    public boolean memcpyProbe;
    /** Called (on a background thread in two-phase mode) with the step of each committed checkpoint. */
    public java.util.function.LongConsumer onCommitted;

    public Options dir(Path d) { dir = d; return this; }
    public Options model(String m) { model = m; return this; }
    public Options optimizer(String o) { optimizer = o; return this; }
    public Options schedule(String s) { schedule = s; return this; }
    public Options seed(long s) { seed = s; return this; }
    public Options workers(int w) { workers = w; return this; }
    public Options steps(long s) { steps = s; return this; }
    public Options every(int k) { every = k; return this; }
    public Options adaptive(double overheadBound) { adaptive = true; bound = overheadBound; return this; }
    public Options mode(Mode m) { mode = m; return this; }
    public Options omit(String component) { omit.add(component); return this; }
    public Options allowIncomplete(boolean a) { allowIncomplete = a; return this; }
    public Options samples(int n) { samples = n; return this; }
    public Options batch(int b) { batch = b; return this; }
    public Options prefetch(int p) { prefetch = p; return this; }
    public Options hidden(int h) { hidden = h; return this; }
    public Options dropout(double p) { dropout = p; return this; }
    public Options onCommitted(java.util.function.LongConsumer c) { onCommitted = c; return this; }
  }

  /** What a run did. */
  public record Result(Optional<Version> restored, long restoredStep, float[] params, Metrics metrics, int checkpoints,
      List<Double> stallSeconds, int interval, double expectedOverhead, double seconds, List<Double> memcpySeconds) {}

  /** A fresh trainer for {@code o} (weights initialised from the seed). */
  public static Trainer trainer(Options o) {
    Model model = model(o);
    return new Trainer(model, optimizer(o, model.paramCount()), schedule(o), loader(o), new RngState(o.seed),
        o.workers);
  }

  /**
   * The same run as {@link #trainer} as this rank's part of a data-parallel job of ranks: bit-identical
   * results for any number of ranks (and threads).
   */
  public static RankTrainer rankTrainer(Options o, Rank rank) {
    return new RankTrainer(rank, model(o), n -> optimizer(o, n), schedule(o), loader(o), new RngState(o.seed));
  }

  /** The model of {@code o}, initialised from the seed. */
  static Model model(Options o) {
    Model model = switch (o.model) {
      case "mlp" -> new Model(
          new Dense(o.side * o.side, o.hidden), Activation.relu(o.hidden), new Dropout(o.hidden, o.dropout),
          new Dense(o.hidden, 32), Activation.relu(32), new Dense(32, 4));
      case "cnn" -> {
        Conv2d conv = new Conv2d(1, o.side, o.side, 6, 3, 0);
        int flat = conv.outSize();
        yield new Model(conv, Activation.relu(flat), new Dense(flat, o.hidden), Activation.relu(o.hidden),
            new Dropout(o.hidden, o.dropout), new Dense(o.hidden, 4));
      }
      default -> throw new IllegalArgumentException("model must be mlp or cnn, got '" + o.model + "'");
    };
    return model.init(new Keys(o.seed));
  }

  /** The optimizer of {@code o} for {@code params} parameters (all of them, or a rank's shard). */
  static Optimizer optimizer(Options o, int params) {
    return switch (o.optimizer) {
      case "adam" -> new Adam(params);
      case "sgd" -> new Sgd(params, 0.9, 1e-4);
      default -> throw new IllegalArgumentException("optimizer must be adam or sgd, got '" + o.optimizer + "'");
    };
  }

  static LrSchedule schedule(Options o) {
    double base = o.optimizer.equals("adam") ? 0.003 : 0.05;
    return switch (o.schedule) {
      case "cosine" -> LrSchedule.warmupCosine(base, base / 20, 5, Math.max(6, o.steps));
      case "plateau" -> LrSchedule.plateau(base, 0.5, 8);
      default -> throw new IllegalArgumentException("schedule must be cosine or plateau, got '" + o.schedule + "'");
    };
  }

  static DataLoader loader(Options o) {
    SyntheticImages data = new SyntheticImages(o.samples, o.side, o.seed ^ 0x5eed, 0.3);
    return new DataLoader(data, o.batch, o.seed, o.prefetch, 0.05);
  }

  /** Opens the checkpointer of a run directory ({@code levels=local}, keep 3, explicit checkpoints only). */
  public static Checkpointer checkpointer(Path dir, boolean async) {
    return Cairn.builder().name("train").directory(dir).levels("local").set("level.local.keep", "3")
        .set("interval", "none").set("signals", "false").async(async).open();
  }

  /** Opens checkpointers of {@code o.dir} for {@link Replay}. */
  public static Supplier<Checkpointer> checkpoints(Options o) {
    return () -> checkpointer(o.dir, false);
  }

  /** Runs (resuming from the latest checkpoint in {@code o.dir}) to {@code o.steps} steps. */
  public static Result run(Options o, Trainer.Listener listener) {
    long t0 = System.nanoTime();
    try (Trainer t = trainer(o)) {
      if (listener != null) t.addListener(listener);
      if (o.mode == Mode.NONE) {
        while (t.stepsDone() < o.steps) t.step();
        return new Result(Optional.empty(), 0, t.model().params().clone(), t.metrics(), 0, List.of(), 0, 0,
            (System.nanoTime() - t0) / 1e9, List.of());
      }
      if (o.dir == null) throw new IllegalArgumentException("a checkpointing run needs a directory");
      AdaptiveInterval ai = new AdaptiveInterval(o.adaptive ? o.bound : 0.5, o.every, 1, 1_000_000);
      List<Double> stalls = new ArrayList<>();
      List<Double> memcpys = new ArrayList<>();
      long probeNanos = 0;
      float[][] probeDst = o.memcpyProbe ? copyTargets(t) : null;
      Checkpoint lastCk = null;
      int taken = 0;
      Optional<Version> restored;
      long restoredStep;
      try (Checkpointer ck = checkpointer(o.dir, o.mode == Mode.TWO_PHASE)) {
        TrainingState state = TrainingState.of(t);
        for (String c : o.omit) state.omit(c);
        if (o.allowIncomplete) state.allowIncomplete();
        state.attach(ck);
        restored = state.restoreLatest();
        restoredStep = t.stepsDone();
        ai.checkpointed(restoredStep);
        while (t.stepsDone() < o.steps) {
          long s0 = System.nanoTime();
          boolean persisting = lastCk != null && !lastCk.isDone();
          t.step();
          ai.stepTime((System.nanoTime() - s0) / 1e9, persisting || (lastCk != null && !lastCk.isDone()));
          boolean due = o.adaptive ? ai.due(t.stepsDone()) : t.stepsDone() % o.every == 0;
          if (due && t.stepsDone() < o.steps) {
            // the baseline: a plain copy of the same arrays on the same thread, into arrays allocated and written once (as
            // the engine's staging is reused), before the snapshot at even checkpoints and after it at odd ones (whichever
            // runs second finds the state in cache)
            boolean probeFirst = taken % 2 == 0;
            if (o.memcpyProbe && probeFirst) {
              long m0 = System.nanoTime();
              copyState(t, probeDst);
              long m1 = System.nanoTime();
              memcpys.add((m1 - m0) / 1e9);
              probeNanos += m1 - m0;
            }
            long c0 = System.nanoTime();
            Checkpoint c = state.capture();
            long c1 = System.nanoTime();
            if (o.memcpyProbe && !probeFirst) {
              long m0 = System.nanoTime();
              copyState(t, probeDst);
              long m1 = System.nanoTime();
              memcpys.add((m1 - m0) / 1e9);
              probeNanos += m1 - m0;
            }
            double stall = (c1 - c0) / 1e9;
            stalls.add(stall);
            ai.snapshotCost(stall);
            java.util.function.LongConsumer cb = o.onCommitted;
            c.committed().whenComplete((v, e) -> {
              if (e != null) return;
              ai.persistCost((System.nanoTime() - c1) / 1e9);
              if (cb != null) cb.accept(v.step());
            });
            ai.checkpointed(t.stepsDone());
            lastCk = c;
            taken++;
          }
        }
      }
      return new Result(restored, restoredStep, t.model().params().clone(), t.metrics(), taken, stalls,
          ai.interval(), ai.expectedOverhead(), (System.nanoTime() - t0 - probeNanos) / 1e9, memcpys);
    }
  }

  /** Arrays to copy the state into, allocated and written once (the baseline copies into the same memory each time). */
  static float[][] copyTargets(Trainer t) {
    List<float[]> arrays = stateArrays(t);
    float[][] dst = new float[arrays.size()][];
    for (int i = 0; i < dst.length; i++) dst[i] = arrays.get(i).clone();
    return dst;
  }

  /** Copies every state array into {@code dst} (what a snapshot must at least do). */
  static void copyState(Trainer t, float[][] dst) {
    List<float[]> arrays = stateArrays(t);
    for (int i = 0; i < dst.length; i++) {
      float[] a = arrays.get(i), c = dst[i];
      System.arraycopy(a, 0, c, 0, a.length);
      if (c.length > 0 && c[c.length - 1] != a[a.length - 1]) throw new AssertionError("copy failed");
    }
  }

  private static List<float[]> stateArrays(Trainer t) {
    List<float[]> arrays = new ArrayList<>();
    arrays.add(t.model().params());
    arrays.addAll(t.optimizer().stateArrays().values());
    return arrays;
  }

  /** A 64-bit FNV-1a hash of the bits of a float array (to compare runs in one line). */
  public static long hash(float[] a) {
    long h = 0xcbf29ce484222325L;
    for (float f : a) {
      int b = Float.floatToRawIntBits(f);
      for (int k = 0; k < 4; k++) {
        h ^= (b >>> (8 * k)) & 0xFF;
        h *= 0x100000001b3L;
      }
    }
    return h;
  }
}
