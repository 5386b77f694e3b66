package io.cairn.dl;

import io.cairn.Checkpointer;
import io.cairn.dl.train.Trainer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * Faithful replay: restore a checkpoint into a fresh trainer and re-run to a later step. The result is
 * bit-identical to the original run at that step, whatever the number of workers, so a segment can be
 * re-run with extra logging (a {@link Trainer.Listener}) without changing what it computes.
 */
public final class Replay {
  private Replay() {}

  /** One segment: restore {@code version}, run until {@code toStep} steps are done. */
  public record Segment(long version, long toStep) {}

  /**
   * Restores {@code version} into a new trainer from {@code trainers} and trains until {@code toStep}
   * steps are done. {@code checkpoints} opens the run's checkpointer (closed again before training).
   */
  public static Trainer run(Supplier<Trainer> trainers, Supplier<Checkpointer> checkpoints, long version, long toStep,
      Trainer.Listener listener) {
    Trainer t = restore(trainers, checkpoints, version, toStep);
    if (listener != null) t.addListener(listener);
    while (t.stepsDone() < toStep) t.step();
    return t;
  }

  /**
   * Replays a segment of a <em>rank</em> job ({@link io.cairn.dl.train.RankTrainer}) in this process:
   * restores the job's global version {@code global} (0: the newest) into a new thread trainer (any
   * number of workers) and trains until {@code toStep} steps are done. The two modes compute the same
   * bits, so the result equals the rank job's at that step.
   */
  public static Trainer runFromRankJob(Supplier<Trainer> trainers, java.nio.file.Path jobDir, long global, long toStep,
      Trainer.Listener listener) {
    Trainer t = restored(trainers, "global version " + global, toStep, tr -> {
      try (io.cairn.cluster.GlobalReader g = io.cairn.cluster.GlobalReader.open(jobDir, global)) {
        restoreFromRankJob(tr, g);
      }
    });
    if (listener != null) t.addListener(listener);
    while (t.stepsDone() < toStep) t.step();
    return t;
  }

  /** A new trainer with {@code load} applied; closed again when loading fails or lands after {@code toStep}. */
  private static Trainer restored(Supplier<Trainer> trainers, String what, long toStep,
      java.util.function.Consumer<Trainer> load) {
    Trainer t = trainers.get();
    try {
      load.accept(t);
    } catch (RuntimeException e) {
      t.close();
      throw e;
    }
    if (t.stepsDone() > toStep) {
      long at = t.stepsDone();
      t.close();
      throw new IllegalArgumentException(what + " is at step " + at + ", after the target step " + toStep);
    }
    return t;
  }

  /**
   * Loads a rank job's global checkpoint into a thread trainer of the same configuration: the sharded
   * weights and optimizer moments assembled whole, the replicated state from rank 0. Refuses another
   * configuration, naming both.
   */
  public static void restoreFromRankJob(Trainer t, io.cairn.cluster.GlobalReader g) {
    String saved = g.metadata().get("cairn.configuration");
    String mine = "training " + t.fingerprint();
    if (!mine.equals(saved))
      throw new IncompleteStateException(g.version().number(),
          List.of("configuration differs: the rank job has [" + saved + "], this run [" + mine + "]"));
    copy(g.floats("model.params"), t.model().params(), "model.params");
    for (var e : t.optimizer().stateArrays().entrySet())
      copy(g.floats("optimizer." + e.getKey()), e.getValue(), "optimizer." + e.getKey());
    java.util.Map<String, Object> objects = new java.util.LinkedHashMap<>();
    objects.put("optimizer", t.optimizer());
    objects.put("schedule", t.schedule());
    objects.put("loader", t.loader());
    objects.put("rng", t.rng());
    objects.put("progress", t.progress());
    objects.put("metrics", t.metrics());
    g.read(objects);
  }

  private static void copy(float[] from, float[] to, String name) {
    if (from.length != to.length)
      throw new IllegalStateException(
          "'" + name + "': the rank job saved " + from.length + " values, this trainer has " + to.length);
    System.arraycopy(from, 0, to, 0, to.length);
  }

  private static Trainer restore(Supplier<Trainer> trainers, Supplier<Checkpointer> checkpoints, long version,
      long toStep) {
    return restored(trainers, "version " + version, toStep, t -> {
      try (Checkpointer ck = checkpoints.get()) {
        TrainingState.of(t).attach(ck).restore(version);
      }
    });
  }

  /**
   * Replays several segments at once: restores each (one after the other: a checkpoint directory has
   * one user at a time), then trains them in parallel on {@code threads} threads. Returns the trainers
   * in the order of {@code segments}; the caller closes them.
   */
  public static List<Trainer> segments(Supplier<Trainer> trainers, Supplier<Checkpointer> checkpoints,
      List<Segment> segments,
      int threads) {
    return segments(trainers, checkpoints, segments, threads, null);
  }

  /**
   * As {@link #segments(Supplier, Supplier, List, int)}, with {@code listener} (if not null) attached to every
   * segment's trainer, called from that segment's thread (hindsight logging).
   */
  public static List<Trainer> segments(Supplier<Trainer> trainers, Supplier<Checkpointer> checkpoints,
      List<Segment> segments,
      int threads, Trainer.Listener listener) {
    List<Trainer> ts = new ArrayList<>();
    try {
      for (Segment s : segments) {
        Trainer t = restore(trainers, checkpoints, s.version(), s.toStep());
        ts.add(t);
        if (listener != null) t.addListener(listener);
      }
    } catch (RuntimeException e) {
      ts.forEach(Trainer::close);
      throw e;
    }
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads),
        Thread.ofPlatform().name("cairn-dl-replay-", 0).daemon(true).factory());
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int i = 0; i < ts.size(); i++) {
        Trainer t = ts.get(i);
        long to = segments.get(i).toStep();
        fs.add(pool.submit(() -> { while (t.stepsDone() < to) t.step(); }));
      }
      for (int i = 0; i < fs.size(); i++) {
        try {
          fs.get(i).get();
        } catch (ExecutionException e) {
          throw new IllegalStateException("replay of segment " + segments.get(i) + " failed: " + e.getCause(),
              e.getCause());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted during replay", e);
        }
      }
    } finally {
      pool.shutdownNow();
    }
    return ts;
  }
}
