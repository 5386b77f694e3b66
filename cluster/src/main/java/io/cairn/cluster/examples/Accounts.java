package io.cairn.cluster.examples;

import io.cairn.cluster.Comm;
import io.cairn.cluster.DistributedArray;
import io.cairn.cluster.Message;
import io.cairn.cluster.ParallelCheckpointer;
import io.cairn.cluster.Rank;
import io.cairn.cluster.Reshard;
import io.cairn.cluster.internal.GlobalManifest;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * The bank workload of an elastic job: {@code --accounts A} accounts of {@value #START} units each, spread over the
 * ranks in blocks ({@link Reshard#BLOCKS}: rank r of n holds {@code DistributedArray.range(A, 1, r, n)}). Each step
 * every account sends a random amount (from {@code (seed, step, account)}) to a random other account, through the
 * rank that owns it; money arrives whenever it arrives, so it is in flight at checkpoints. Per account it also counts
 * what it sent and received (BLOCKS too), the step is {@link Reshard#REPLICATED}. At the end of its steps the job
 * waits until no money is in flight and takes a last global checkpoint there, from which a job with another number
 * of ranks can continue. Rank 0 prints the total and writes it to {@code <job>/accounts-result.txt}; exit 3 if money
 * was created or lost.
 */
public final class Accounts {
  public static final long START = 1_000;
  private static final int TAG = 9;

  private Accounts() {}

  public static void main(String[] a) throws Exception {
    Args args = new Args(a);
    int accounts = (int) args.num("accounts", 12);
    long steps = args.num("steps", 200);
    long every = args.num("every", 20);
    long seed = args.num("seed", 42);
    long delay = args.num("delay-ms", 0);
    int[] exit = {0};
    try (Rank rank = Rank.join()) {
      Comm comm = rank.comm();
      long[] range = DistributedArray.range(accounts, 1, rank.rank(), rank.size());
      int lo = (int) range[0];
      int len = (int) (range[1] - range[0]);
      long[] balance = new long[len];
      java.util.Arrays.fill(balance, START);
      long[] sent = new long[len];
      long[] received = new long[len];
      long[] step = {0};
      ParallelCheckpointer ck = rank.checkpointer();
      ck.protect("accounts", balance).protect("sent", sent).protect("received", received).protect("step", step)
          .reshard("accounts", Reshard.BLOCKS).reshard("sent", Reshard.BLOCKS).reshard("received", Reshard.BLOCKS)
          .reshard("step", Reshard.REPLICATED);
      rank.run(() -> {
        int n = comm.size();
        while (step[0] < steps) {
          for (int i = 0; i < len; i++) {
            int from = lo + i;
            long r = mix(seed, step[0], from);
            long amount = Math.floorMod(r, 50) + 1;
            int to = (int) ((from + 1 + Math.floorMod(r >>> 20, accounts - 1)) % accounts);
            if (balance[i] >= amount) {
              balance[i] -= amount;
              sent[i] += amount;
              comm.send(owner(to, accounts, n), TAG, ByteBuffer.allocate(16).putLong(to).putLong(amount).array());
            }
          }
          deposit(comm, lo, balance, received);
          step[0]++;
          if (delay > 0) {
            try {
              Thread.sleep(delay);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          if (step[0] % every == 0) ck.checkpoint(step[0]);
        }
        while (true) { // the end: wait until no money is in flight anywhere, then a last global checkpoint (nothing in flight)
          deposit(comm, lo, balance, received);
          long s = 0;
          for (int i = 0; i < len; i++) s += sent[i] - received[i];
          if (comm.allreduceLong(s, Long::sum) == 0) break;
        }
        ck.checkpoint(step[0]);
        long mine = 0;
        for (long b : balance) mine += b;
        long total = comm.allreduceLong(mine, Long::sum);
        if (comm.rank() == 0) {
          boolean ok = total == START * accounts;
          System.out
              .println("accounts: " + n + " ranks, " + accounts + " accounts, step " + step[0] + ", total " + total
                  + (ok ? " (conserved)" : " (WRONG: expected " + START * accounts + ")") + ", restored global "
                  + ck.restoredGlobal());
          try {
            GlobalManifest.writeAtomically(rank.jobDir().resolve("accounts-result.txt"), total + "\n");
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
          if (!ok) exit[0] = 3;
        }
      });
    }
    if (exit[0] != 0) System.exit(exit[0]);
  }

  /** The rank that owns account {@code a} (blocks of {@link DistributedArray#range}). */
  static int owner(int a, int accounts, int ranks) {
    for (int r = 0; r < ranks; r++) if (a < DistributedArray.range(accounts, 1, r, ranks)[1]) return r;
    throw new IllegalArgumentException("account " + a);
  }

  /** The amount a message carries (its second long; the first is the destination account). */
  public static long amount(Message m) {
    return ByteBuffer.wrap(m.data()).getLong(8);
  }

  private static void deposit(Comm comm, int lo, long[] balance, long[] received) {
    for (Optional<Message> m = comm.poll(Comm.ANY_SOURCE, TAG); m.isPresent(); m = comm.poll(Comm.ANY_SOURCE, TAG)) {
      ByteBuffer b = ByteBuffer.wrap(m.get().data());
      int to = (int) b.getLong();
      long amt = b.getLong();
      balance[to - lo] += amt;
      received[to - lo] += amt;
    }
  }

  private static long mix(long seed, long step, long account) {
    long z = seed * 0x9E3779B97F4A7C15L + step * 0xBF58476D1CE4E5B9L + account * 0x94D049BB133111EBL;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
