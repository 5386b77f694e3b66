package io.cairn.dl.examples;

import io.cairn.cluster.Rank;
import io.cairn.dl.DemoRun;
import io.cairn.dl.train.RankTrainer;
import io.cairn.dl.train.Trainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo training run ({@link DemoRun}) as a data-parallel job of ranks: one process per rank, the
 * gradients reduced over the cluster communicator, global checkpoints (two-phase with protocol
 * {@code chandy-lamport}) with each rank's shard of the parameters and optimizer moments. Run it with
 * {@code cairn launch -n 4 --nodes 2 --protocol chandy-lamport -- io.cairn.dl.examples.RankTraining --steps 60}.
 *
 * <p>Options: {@code --steps N} (60), {@code --every K} (5, checkpoint every K steps), {@code --stop-after S}
 * (stop at step S after its checkpoint is committed, so that another launch, possibly with another
 * number of ranks, continues), {@code --delay-ms D} (sleep after each step, to make room for failures in
 * tests), and the run's configuration {@code --model mlp|cnn --optimizer adam|sgd --schedule cosine|plateau
 * --batch B --samples N --hidden H --seed S}. Rank 0 prints {@code dl-step <step> <loss bits> <sample hash>}
 * per step and, at the end, writes {@code dl-result.txt} in the job directory: the final step, hashes of
 * the weights and of the history, and the loss per step.
 */
public final class RankTraining {
  private RankTraining() { }

  public static void main(String[] args) throws Exception {
    DemoRun.Options o = new DemoRun.Options();
    int every = 5;
    long stopAfter = -1;
    long delayMs = 0;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (i + 1 >= args.length) throw new IllegalArgumentException("option " + a + " needs a value");
      String v = args[++i];
      switch (a) {
        case "--steps" -> o.steps(Long.parseLong(v));
        case "--every" -> every = Integer.parseInt(v);
        case "--stop-after" -> stopAfter = Long.parseLong(v);
        case "--delay-ms" -> delayMs = Long.parseLong(v);
        case "--model" -> o.model(v);
        case "--optimizer" -> o.optimizer(v);
        case "--schedule" -> o.schedule(v);
        case "--batch" -> o.batch(Integer.parseInt(v));
        case "--samples" -> o.samples(Integer.parseInt(v));
        case "--hidden" -> o.hidden(Integer.parseInt(v));
        case "--seed" -> o.seed(Long.parseLong(v));
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    if (every < 1) throw new IllegalArgumentException("--every must be >= 1");
    long limit = stopAfter >= 0 ? Math.min(stopAfter, o.steps) : o.steps;
    int k = every;
    long delay = delayMs;
    try (Rank rank = Rank.join(); RankTrainer t = DemoRun.rankTrainer(o, rank)) {
      boolean lead = rank.rank() == 0;
      if (lead) t.addListener((tr, s) -> System.out.println(stepLine(s, tr.metrics().sampleHashes()[(int) s.step()])));
      t.run(() -> {
        if (lead) System.out.println("rank 0 of " + rank.size() + ": starting at step " + t.stepsDone() + " (restored global " + t.restoredGlobal() + ")");
        while (t.stepsDone() < limit) {
          t.step();
          if (delay > 0) sleep(delay);
          if (t.stepsDone() % k == 0 && t.stepsDone() < o.steps) t.checkpoint();
        }
        t.awaitCheckpoint();
      });
      if (lead) writeResult(rank.jobDir().resolve("dl-result.txt"), t);
    }
  }

  private static void writeResult(Path f, RankTrainer t) {
    List<String> lines = new ArrayList<>();
    lines.add("steps " + t.stepsDone());
    lines.add("params " + DemoRun.hash(t.model().params()));
    lines.add("history " + t.metrics().historyHash());
    double[] l = t.metrics().losses();
    for (int i = 0; i < l.length; i++) lines.add("loss " + i + " " + l[i]);
    try {
      Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
      Files.write(tmp, lines);
      Files.move(tmp, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + f + ": " + e.getMessage(), e);
    }
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
