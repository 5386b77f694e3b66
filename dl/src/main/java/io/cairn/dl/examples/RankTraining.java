package io.cairn.dl.examples;

import io.cairn.internal.util.AtomicFiles;
import io.cairn.cluster.Rank;
import io.cairn.dl.AdaptiveInterval;
import io.cairn.dl.DemoRun;
import io.cairn.dl.train.RankTrainer;
import io.cairn.dl.train.Trainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo training run ({@link DemoRun}) as a data-parallel job of ranks: one process per rank, the
 * gradients reduced over the cluster communicator, global checkpoints (two-phase with protocol
 * {@code chandy-lamport}) with each rank's shard of the parameters and optimizer moments. Run it with
 * {@code cairn launch -n 4 --nodes 2 --protocol chandy-lamport -- io.cairn.dl.examples.RankTraining --steps 60}.
 *
 * <p>Options: {@code --steps N} (60), {@code --every K} (5, checkpoint every K steps; 0: never),
 * {@code --adaptive BOUND} (choose the interval online to keep the overhead under BOUND, e.g. 0.03, starting
 * from K; the ranks agree on each decision), {@code --memcpy-probe} (time a plain copy of the rank's arrays
 * before each checkpoint, the benchmark's baseline), {@code --stop-after S}
 * (stop at step S after its checkpoint is committed, so that another launch, possibly with another
 * number of ranks, continues), {@code --delay-ms D} (sleep after each step, to make room for failures in
 * tests), and the run's configuration {@code --model mlp|cnn --optimizer adam|sgd --schedule cosine|plateau
 * --batch B --samples N --side P --hidden H --prefetch D --seed S}. Rank 0 prints {@code dl-step <step> <loss bits> <sample hash>}
 * per step and, at the end, writes {@code dl-result.txt} in the job directory: the final step, hashes of
 * the weights and of the history, the loop's time, checkpoint stalls, memcpy probes, the chosen
 * interval, and the loss per step.
 */
public final class RankTraining {
  private RankTraining() {}

  public static void main(String[] args) throws Exception {
    DemoRun.Options o = new DemoRun.Options();
    int every = 5;
    long stopAfter = -1;
    long delayMs = 0;
    double adaptive = 0;
    boolean probe = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--memcpy-probe")) {
        probe = true;
        continue;
      }
      if (i + 1 >= args.length) throw new IllegalArgumentException("option " + a + " needs a value");
      String v = args[++i];
      switch (a) {
        case "--steps" -> o.steps(Long.parseLong(v));
        case "--every" -> every = Integer.parseInt(v);
        case "--adaptive" -> adaptive = Double.parseDouble(v);
        case "--stop-after" -> stopAfter = Long.parseLong(v);
        case "--delay-ms" -> delayMs = Long.parseLong(v);
        case "--model" -> o.model(v);
        case "--optimizer" -> o.optimizer(v);
        case "--schedule" -> o.schedule(v);
        case "--batch" -> o.batch(Integer.parseInt(v));
        case "--samples" -> o.samples(Integer.parseInt(v));
        case "--side" -> o.side = Integer.parseInt(v);
        case "--hidden" -> o.hidden(Integer.parseInt(v));
        case "--prefetch" -> o.prefetch(Integer.parseInt(v));
        case "--seed" -> o.seed(Long.parseLong(v));
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    if (every < 0) throw new IllegalArgumentException("--every must be >= 0 (0: no checkpoints)");
    if (adaptive != 0 && every == 0)
      throw new IllegalArgumentException("--adaptive needs --every > 0 (the initial interval)");
    long limit = stopAfter >= 0 ? Math.min(stopAfter, o.steps) : o.steps;
    try (Rank rank = Rank.join(); RankTrainer t = DemoRun.rankTrainer(o, rank)) {
      boolean lead = rank.rank() == 0;
      if (lead) t.addListener((tr, s) -> System.out.println(stepLine(s, tr.metrics().sampleHashes()[(int) s.step()])));
      Loop loop = new Loop(t, o.steps, limit, every, adaptive, delayMs, probe);
      t.run(() -> {
        if (lead)
          System.out.println("rank 0 of " + rank.size() + ": starting at step " + t.stepsDone() + " (restored global "
              + t.restoredGlobal() + ")");
        loop.run();
      });
      if (lead) writeResult(rank.jobDir().resolve("dl-result.txt"), t, loop);
    }
  }

  /** The training loop of one incarnation, with its measurements (the last run of the body counts). */
  private static final class Loop implements Runnable {
    final RankTrainer t;
    final long steps, limit, delayMs;
    final int every;
    final double bound;
    final boolean probe;
    AdaptiveInterval ai;
    final List<Double> stalls = new ArrayList<>(), memcpys = new ArrayList<>();
    double seconds;
    int checkpoints;

    Loop(RankTrainer t, long steps, long limit, int every, double bound, long delayMs, boolean probe) {
      this.t = t;
      this.steps = steps;
      this.limit = limit;
      this.every = every;
      this.bound = bound;
      this.delayMs = delayMs;
      this.probe = probe;
    }

    @Override
    public void run() {
      stalls.clear();
      memcpys.clear();
      checkpoints = 0;
      ai = every > 0 ? new AdaptiveInterval(bound > 0 ? bound : 0.5, every, 1, 1_000_000) : null;
      if (ai != null) ai.checkpointed(t.stepsDone());
      long t0 = System.nanoTime();
      long probeNanos = 0;
      long persistStart = 0;
      boolean persistSeen = true;
      while (t.stepsDone() < limit) {
        long s0 = System.nanoTime();
        boolean persisting = !t.checkpointCommitted();
        if (ai != null && bound > 0) t.proposeCheckpoint(ai.due(t.stepsDone() + 1)); // agreed through the step's all-gather
        t.step();
        if (delayMs > 0) sleep(delayMs);
        if (ai == null) continue;
        long s1 = System.nanoTime();
        ai.stepTime((s1 - s0) / 1e9, persisting);
        if (!persistSeen && t.checkpointCommitted()) {
          ai.persistCost((s1 - persistStart) / 1e9);
          persistSeen = true;
        }
        boolean due = bound > 0 ? t.checkpointProposed() : t.stepsDone() % every == 0;
        if (due && t.stepsDone() < steps) {
          if (probe) {
            long m0 = System.nanoTime();
            for (float[] a : t.ownedArrays()) {
              float[] c = a.clone();
              if (c.length > 0 && c[c.length - 1] != a[a.length - 1]) throw new AssertionError("copy failed");
            }
            long m1 = System.nanoTime();
            memcpys.add((m1 - m0) / 1e6);
            probeNanos += m1 - m0;
          }
          long c0 = System.nanoTime();
          t.checkpoint();
          long c1 = System.nanoTime();
          stalls.add((c1 - c0) / 1e6);
          ai.snapshotCost((c1 - c0) / 1e9);
          ai.checkpointed(t.stepsDone());
          persistStart = c1;
          persistSeen = false;
          checkpoints++;
        }
      }
      t.awaitCheckpoint();
      seconds = (System.nanoTime() - t0 - probeNanos) / 1e9;
    }
  }

  private static void writeResult(Path f, RankTrainer t, Loop loop) {
    List<String> lines = new ArrayList<>();
    lines.add("steps " + t.stepsDone());
    lines.add("params " + DemoRun.hash(t.model().params()));
    lines.add("history " + t.metrics().historyHash());
    lines.add("seconds " + loop.seconds);
    lines.add("checkpoints " + loop.checkpoints);
    lines.add("stalls-ms " + join(loop.stalls));
    lines.add("memcpy-ms " + join(loop.memcpys));
    if (loop.ai != null) lines.add("interval " + loop.ai.interval() + " " + loop.ai.expectedOverhead());
    long bytes = 0;
    for (float[] a : t.ownedArrays()) bytes += 4L * a.length;
    lines.add("owned-bytes " + bytes);
    double[] l = t.metrics().losses();
    for (int i = 0; i < l.length; i++) lines.add("loss " + i + " " + l[i]);
    try {
      AtomicFiles.writeLines(f, lines); // temp, fsync, rename, fsync of the directory
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + f + ": " + e.getMessage(), e);
    }
  }

  private static String join(List<Double> v) {
    StringBuilder b = new StringBuilder();
    for (double x : v) b.append(b.isEmpty() ? "" : ",").append(x);
    return b.isEmpty() ? "-" : b.toString();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The step record printed by rank 0 (for tests that compare every executed step with a reference). */
  public static String stepLine(Trainer.Step s, long sampleHash) {
    return "dl-step " + s.step() + " " + Double.doubleToRawLongBits(s.loss()) + " " + sampleHash;
  }
}
