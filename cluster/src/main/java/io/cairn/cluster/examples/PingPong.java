package io.cairn.cluster.examples;

import io.cairn.cluster.Comm;
import io.cairn.cluster.ParallelCheckpointer;
import io.cairn.cluster.Rank;
import io.cairn.cluster.internal.GlobalManifest;

/**
 * The domino effect of independent checkpoints: a token goes round the ranks ({@code --ranks 2}: ping-pong), and every
 * rank checkpoints between receiving the token and passing it on. Each checkpoint of a rank then depends on a message
 * the previous rank sent after its own last checkpoint, so no pair of checkpoints is consistent: the recovery line
 * falls back to the initial state however many checkpoints were taken. Written for {@code independent} (under
 * {@code blocking} a rank would wait in its checkpoint for the markers of a rank that waits for the token).
 *
 * <p>Arguments: {@code --rounds R --every K} (checkpoint every K rounds) {@code --delay-ms D} (sleep per round).
 * Rank 0 writes the token's final value to {@code <job>/pingpong-result.txt}; {@link #reference} computes it.
 */
public final class PingPong {
  private static final int TAG = 5;

  private PingPong() {}

  /** What rank {@code r} makes of the token. */
  static long mix(long v, int r) {
    return v * 6364136223846793005L + 1442695040888963407L + r;
  }

  /** The token's value after {@code rounds} rounds over {@code ranks} ranks, computed here. */
  public static long reference(long rounds, int ranks) {
    long v = 0;
    for (long k = 0; k < rounds; k++) {
      for (int r = 1; r < ranks; r++) v = mix(v, r);
      v = mix(v, 0);
    }
    return v;
  }

  public static void main(String[] a) throws Exception {
    Args args = new Args(a);
    long rounds = args.num("rounds", 100);
    long every = Math.max(1, args.num("every", 1));
    long delay = args.num("delay-ms", 0);
    try (Rank rank = Rank.join()) {
      Comm comm = rank.comm();
      long[] value = {0};
      long[] round = {0};
      long[] holding = {0}; // ranks > 0: received the token of this round, not passed on yet
      ParallelCheckpointer ck = rank.checkpointer();
      ck.protect("value", value).protect("round", round).protect("holding", holding);
      rank.run(() -> {
        int me = comm.rank();
        int n = comm.size();
        if (n < 2) throw new IllegalArgumentException("ping-pong needs at least 2 ranks");
        while (round[0] < rounds) {
          if (me == 0) {
            comm.sendLong(1, TAG, value[0]);
            value[0] = mix(Comm.asLong(comm.recv(n - 1, TAG)), 0);
            round[0]++;
            pause(delay);
            if (round[0] % every == 0) ck.checkpoint(round[0]); // received, next: send
          } else {
            if (holding[0] == 0) {
              value[0] = mix(Comm.asLong(comm.recv(me - 1, TAG)), me);
              holding[0] = 1;
              pause(delay);
              if ((round[0] + 1) % every == 0) ck.checkpoint(round[0] + 1); // received, next: send
            }
            comm.sendLong((me + 1) % n, TAG, value[0]);
            holding[0] = 0;
            round[0]++;
          }
        }
        if (me == 0) {
          System.out.println("pingpong: " + n + " ranks, " + rounds + " rounds, token " + value[0]
              + (value[0] == reference(rounds, n) ? " (as undisturbed)" : " (WRONG)"));
          try {
            GlobalManifest.writeAtomically(rank.jobDir().resolve("pingpong-result.txt"), value[0] + "\n");
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }
      });
    }
  }

  private static void pause(long ms) {
    if (ms <= 0) return;
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
