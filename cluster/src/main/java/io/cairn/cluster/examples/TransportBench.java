package io.cairn.cluster.examples;

import io.cairn.cluster.Comm;
import io.cairn.cluster.ParallelCheckpointer;
import io.cairn.cluster.Rank;
import io.cairn.cluster.internal.GlobalManifest;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Measures the communicator's transport (TCP or MPI, whichever the rank runs over) through {@link Comm}, as a
 * rank program sees it: point-to-point latency (ping-pong of 8-byte messages between ranks 0 and 1, half the
 * round trip, median of {@code --pings}), bandwidth ({@code --bw-mb} MiB in 1 MiB messages from rank 0 to
 * rank 1, one reply at the end) and the time of a global checkpoint ({@code --mb} MiB of state per rank, median
 * of {@code --rounds} rounds, slowest rank, until committed). The other ranks wait meanwhile. Rank 0 writes
 * {@code <job>/transport-bench.txt}: {@code transport latencyUs bandwidthMiBs checkpointMs}.
 */
public final class TransportBench {
  private static final int TAG_PING = 11;
  private static final int TAG_BULK = 12;
  private static final int TAG_TRAFFIC = 13;

  private TransportBench() {}

  public static void main(String[] a) throws Exception {
    Args args = new Args(a);
    int pings = (int) args.num("pings", 2000);
    int bwMb = (int) args.num("bw-mb", 64);
    int mb = (int) args.num("mb", 4);
    int rounds = (int) args.num("rounds", 5);
    try (Rank rank = Rank.join()) {
      Comm comm = rank.comm();
      double[] state = new double[mb * 131072];
      SplittableRandom rnd = new SplittableRandom(rank.rank());
      for (int i = 0; i < state.length; i++) state[i] = rnd.nextDouble();
      long[] step = {0};
      ParallelCheckpointer ck = rank.checkpointer();
      ck.protect("state", state).protect("step", step);
      double[] commit = new double[rounds];
      double[] result = new double[2];
      rank.run(() -> {
        int n = comm.size();
        int me = comm.rank();
        if (step[0] == 0) { // the transport measurements (not repeated after a restore)
          comm.barrier();
          if (me <= 1 && n >= 2) {
            int peer = 1 - me;
            byte[] small = new byte[8];
            double[] rtt = new double[pings];
            for (int i = -pings / 5; i < pings; i++) { // the first fifth warms up
              long t0 = System.nanoTime();
              if (me == 0) {
                comm.send(peer, TAG_PING, small);
                comm.recv(peer, TAG_PING);
              } else {
                comm.recv(peer, TAG_PING);
                comm.send(peer, TAG_PING, small);
              }
              if (i >= 0) rtt[i] = (System.nanoTime() - t0) / 1e3;
            }
            byte[] bulk = new byte[1 << 20];
            for (int round = 0; round < 2; round++) { // round 0 warms up
              long t0 = System.nanoTime();
              int count = round == 0 ? Math.max(1, bwMb / 8) : bwMb;
              if (me == 0) {
                for (int i = 0; i < count; i++) comm.send(peer, TAG_BULK, bulk);
                comm.recv(peer, TAG_BULK);
              } else {
                for (int i = 0; i < count; i++) comm.recv(peer, TAG_BULK);
                comm.send(peer, TAG_BULK, small);
              }
              double s = (System.nanoTime() - t0) / 1e9;
              if (me == 0 && round == 1) result[1] = count / s;
            }
            if (me == 0) result[0] = median(rtt) / 2;
          }
          comm.barrier();
        }
        while (step[0] < rounds) {
          for (int k = 0; k < 10; k++) { // some traffic on every channel of the ring
            comm.sendLong((me + 1) % n, TAG_TRAFFIC, k);
            comm.recv((me + n - 1) % n, TAG_TRAFFIC);
          }
          for (int i = 0; i < state.length; i += 4096) state[i] += 1;
          comm.barrier();
          long t0 = System.nanoTime();
          long g = ck.checkpoint(step[0]);
          ck.awaitCommitted(g);
          long t1 = System.nanoTime();
          commit[(int) step[0]] = comm.allreduceDouble((t1 - t0) / 1e6, Math::max);
          step[0]++;
        }
        if (me == 0) {
          String line = String.format(Locale.ROOT, "%s %.3f %.3f %.3f%n", rank.transport(), result[0], result[1],
              median(commit));
          try {
            GlobalManifest.writeAtomically(rank.jobDir().resolve("transport-bench.txt"), line);
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
