package io.cairn.cluster.examples;

import io.cairn.cluster.Comm;
import io.cairn.cluster.Message;
import io.cairn.cluster.ParallelCheckpointer;
import io.cairn.cluster.Rank;
import io.cairn.cluster.internal.GlobalManifest;
import java.util.Optional;

/**
 * The consistency workload: every rank is a bank holding {@value #START} units; each step it sends a
 * random amount to a random other rank and deposits whatever has arrived. Money is only ever moved, so
 * every consistent global state (balances plus money in flight) holds {@code size * START}. Checkpoints
 * every {@code --every} steps, with messages in flight. At the end, rank 0 prints the total and writes
 * it to {@code <job>/bank-result.txt}; the process exits with 3 if money was created or lost. {@code --every 0}: no
 * checkpoint; {@code --progress 1}: count the steps executed ({@link Progress}, for benchmarks).
 *
 * <p>Regions (all {@code long[1]}): balance, rng, step, sentAmount, receivedAmount.
 */
public final class Bank {
  public static final long START = 1_000;
  private static final int TAG_MONEY = 7;

  private Bank() {}

  public static void main(String[] a) throws Exception {
    Args args = new Args(a);
    long steps = args.num("steps", 2000);
    long every = args.num("every", 100);
    long seed = args.num("seed", 42);
    long delay = args.num("delay-ms", 0);
    boolean progress = args.num("progress", 0) != 0;
    int[] exit = {0};
    try (Rank rank = Rank.join()) {
      Progress counter = Progress.open(rank, progress);
      Comm comm = rank.comm();
      long[] balance = {START};
      long[] rng = {seed * 0x9E3779B97F4A7C15L + rank.rank() + 1};
      long[] step = {0};
      long[] sentAmount = {0};
      long[] receivedAmount = {0};
      ParallelCheckpointer ck = rank.checkpointer();
      ck.protect("balance", balance).protect("rng", rng).protect("step", step)
          .protect("sentAmount", sentAmount).protect("receivedAmount", receivedAmount);
      rank.run(() -> {
        int me = comm.rank();
        int n = comm.size();
        while (step[0] < steps) {
          if (n > 1) {
            long r = next(rng);
            int dest = (int) Math.floorMod(r, n - 1);
            if (dest >= me) dest++;
            long amount = Math.floorMod(r >>> 20, 50) + 1;
            if (balance[0] >= amount) {
              balance[0] -= amount;
              sentAmount[0] += amount;
              comm.sendLong(dest, TAG_MONEY, amount);
            }
          }
          deposit(comm, balance, receivedAmount);
          step[0]++;
          if (counter != null) counter.step();
          if (delay > 0) {
            try {
              Thread.sleep(delay);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          if (every > 0 && step[0] % every == 0) ck.checkpoint(step[0]);
        }
        // quiesce: keep depositing until no money is in flight anywhere
        while (true) {
          deposit(comm, balance, receivedAmount);
          long flying = comm.allreduceLong(sentAmount[0] - receivedAmount[0], Long::sum);
          if (flying == 0) break;
        }
        long total = comm.allreduceLong(balance[0], Long::sum);
        if (me == 0) {
          boolean ok = total == START * n;
          System.out.println("bank: " + n + " ranks, " + steps + " steps, total " + total
              + (ok ? " (conserved)" : " (WRONG: expected " + START * n + ")")
              + ", restored global " + ck.restoredGlobal());
          try {
            GlobalManifest.writeAtomically(rank.jobDir().resolve("bank-result.txt"), total + "\n");
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
          if (!ok) exit[0] = 3;
        }
      });
    }
    if (exit[0] != 0) System.exit(exit[0]);
  }

  private static void deposit(Comm comm, long[] balance, long[] received) {
    for (Optional<Message> m = comm.poll(Comm.ANY_SOURCE, TAG_MONEY); m
        .isPresent(); m = comm.poll(Comm.ANY_SOURCE, TAG_MONEY)) {
      long amt = Comm.asLong(m.get());
      balance[0] += amt;
      received[0] += amt;
    }
  }

  /** splitmix64 step: the generator's whole state is the protected long. */
  static long next(long[] s) {
    long z = (s[0] += 0x9E3779B97F4A7C15L);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
