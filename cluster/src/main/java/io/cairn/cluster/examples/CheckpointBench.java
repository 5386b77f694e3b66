package io.cairn.cluster.examples;

import io.cairn.cluster.Comm;
import io.cairn.cluster.ParallelCheckpointer;
import io.cairn.cluster.Protocol;
import io.cairn.cluster.Rank;
import io.cairn.cluster.internal.GlobalManifest;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Measures global checkpoints: each rank holds {@code --mb} MiB of state and exchanges messages with
 * its neighbours between checkpoints; {@code --rounds} checkpoints are taken. Per round it records the
 * time ranks were blocked in {@code checkpoint()} (slowest rank) and the time until the global version
 * was committed. Rank 0 writes {@code <job>/bench.txt}: {@code blockedMedianMs commitMedianMs} (for the
 * independent protocol both are the slowest rank's own checkpoint time).
 */
public final class CheckpointBench {
  private CheckpointBench() {}

  public static void main(String[] a) throws Exception {
    Args args = new Args(a);
    int mb = (int) args.num("mb", 8);
    int rounds = (int) args.num("rounds", 5);
    try (Rank rank = Rank.join()) {
      Comm comm = rank.comm();
      double[] state = new double[mb * 131072];
      SplittableRandom rnd = new SplittableRandom(rank.rank());
      for (int i = 0; i < state.length; i++) state[i] = rnd.nextDouble();
      long[] step = {0};
      ParallelCheckpointer ck = rank.checkpointer();
      ck.protect("state", state).protect("step", step);
      double[] blocked = new double[rounds];
      double[] commit = new double[rounds];
      rank.run(() -> {
        int n = comm.size();
        int me = comm.rank();
        while (step[0] < rounds) {
          for (int k = 0; k < 20; k++) { // some traffic, left in flight at the checkpoint for Chandy-Lamport
            comm.sendLong((me + 1) % n, 1, k);
            if (k < 19) comm.recv((me + n - 1) % n, 1);
          }
          for (int i = 0; i < state.length; i += 4096) state[i] += 1; // the state changes between checkpoints
          comm.barrier();
          long t0 = System.nanoTime();
          long g = ck.checkpoint(step[0]);
          long t1 = System.nanoTime();
          if (ck.protocol() == Protocol.CHANDY_LAMPORT) ck.awaitCommitted(g);
          long t2 = System.nanoTime();
          comm.recv((me + n - 1) % n, 1);
          blocked[(int) step[0]] = comm.allreduceDouble((t1 - t0) / 1e6, Math::max);
          commit[(int) step[0]] = comm.allreduceDouble((t2 - t0) / 1e6, Math::max);
          step[0]++;
        }
        if (me == 0) {
          String line = String.format(Locale.ROOT, "%.3f %.3f%n", median(blocked), median(commit));
          try {
            GlobalManifest.writeAtomically(rank.jobDir().resolve("bench.txt"), line);
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }
      });
    }
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
