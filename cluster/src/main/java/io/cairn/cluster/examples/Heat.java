package io.cairn.cluster.examples;

import io.cairn.cluster.Comm;
import io.cairn.cluster.DistributedArray;
import io.cairn.cluster.ParallelCheckpointer;
import io.cairn.cluster.Rank;
import io.cairn.cluster.Reshard;
import io.cairn.cluster.internal.GlobalManifest;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Distributed 2-D heat diffusion (explicit Jacobi stencil) with halo exchange: the grid is split by
 * rows over the ranks; each step every rank sends its first and last row to its neighbours, then
 * updates its rows. The result does not depend on the number of ranks, bit for bit, so a run that
 * lost ranks, or was restarted with another rank count, must end with exactly the same grid.
 *
 * <p>Arguments: {@code --rows R --cols C --steps S --every K} (checkpoint every K steps)
 * {@code --delay-ms D} (sleep per step, to leave time for failures) {@code --stop-after T} (end the job
 * after the checkpoint of step T, for an elastic restart); {@code --every 0}: no checkpoint; {@code --progress 1}: count
 * the steps executed ({@link Progress}, for benchmarks). Rank 0 writes the final grid to
 * {@code <job>/heat-result.bin} and prints its SHA-256.
 */
public final class Heat {
  private static final int TAG_UP = 1;
  private static final int TAG_DOWN = 2;
  private static final int TAG_GATHER = 3;

  private Heat() {}

  /** The initial value at a global point (the same whatever the decomposition). */
  static double initial(long i, long j, long rows, long cols) {
    if (i == 0) return 1.0; // hot top edge
    if (i == rows - 1 || j == 0 || j == cols - 1) return 0.0;
    return ((i * 31 + j * 17) % 100) / 1000.0;
  }

  public static void main(String[] a) throws Exception {
    Args args = new Args(a);
    int rows = (int) args.num("rows", 128);
    int cols = (int) args.num("cols", 128);
    long steps = args.num("steps", 200);
    long every = args.num("every", 20);
    long delay = args.num("delay-ms", 0);
    long stopAfter = args.num("stop-after", -1);
    boolean progress = args.num("progress", 0) != 0;
    try (Rank rank = Rank.join()) {
      Progress counter = Progress.open(rank, progress);
      Comm comm = rank.comm();
      if (rows < comm.size())
        throw new IllegalArgumentException(
            "need at least one row per rank: " + rows + " rows, " + comm.size() + " ranks");
      DistributedArray u = DistributedArray.create(comm, "u", (long) rows * cols, cols);
      double[] local = u.local();
      int myRows = local.length / cols;
      int firstRow = (int) (u.lo() / cols);
      for (int r = 0; r < myRows; r++)
        for (int j = 0; j < cols; j++) local[r * cols + j] = initial(firstRow + r, j, rows, cols);
      long[] step = {0};
      ParallelCheckpointer ck = rank.checkpointer();
      ck.protect(u).protect("step", step).reshard("step", Reshard.REPLICATED); // every rank is at the same step
      double[] next = new double[local.length];
      rank.run(() -> {
        int me = comm.rank();
        int n = comm.size();
        while (step[0] < steps) {
          if (me > 0) comm.sendDoubles(me - 1, TAG_UP, local, 0, cols);
          if (me < n - 1) comm.sendDoubles(me + 1, TAG_DOWN, local, (myRows - 1) * cols, cols);
          double[] above = me > 0 ? comm.recvDoubles(me - 1, TAG_DOWN) : null;
          double[] below = me < n - 1 ? comm.recvDoubles(me + 1, TAG_UP) : null;
          for (int r = 0; r < myRows; r++) {
            int gi = firstRow + r;
            for (int j = 0; j < cols; j++) {
              int k = r * cols + j;
              if (gi == 0 || gi == rows - 1 || j == 0 || j == cols - 1) {
                next[k] = local[k];
                continue;
              }
              double up = r > 0 ? local[k - cols] : above[j];
              double down = r < myRows - 1 ? local[k + cols] : below[j];
              next[k] = local[k] + 0.2 * (up + down + local[k - 1] + local[k + 1] - 4 * local[k]);
            }
          }
          System.arraycopy(next, 0, local, 0, local.length);
          step[0]++;
          if (counter != null) counter.step();
          if (delay > 0) sleep(delay);
          if (every > 0 && (step[0] % every == 0 || step[0] == steps)) ck.checkpoint(step[0]);
          if (step[0] == stopAfter) return;
        }
        // gather the grid on rank 0 (inside the body: a failure here rolls back and gathers again)
        if (me > 0) {
          comm.sendDoubles(0, TAG_GATHER, local, 0, local.length);
        } else {
          ByteBuffer all = ByteBuffer.allocate(rows * cols * 8);
          all.asDoubleBuffer().put(local);
          for (int r = 1; r < n; r++) {
            double[] part = comm.recvDoubles(r, TAG_GATHER);
            long lo = DistributedArray.range((long) rows * cols, cols, r, n)[0];
            all.position((int) lo * 8);
            for (double d : part) all.putDouble(d);
          }
          byte[] bytes = all.array();
          try {
            Path out = rank.jobDir().resolve("heat-result.bin");
            GlobalManifest.writeAtomically(out, bytes);
            System.out.println("heat: " + rows + "x" + cols + ", " + steps + " steps on " + n + " ranks over "
                + rank.transport() + "; sha256 " + sha256(bytes)
                + " (restored global " + ck.restoredGlobal() + ", incarnation " + rank.incarnation() + ")");
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }
      });
    }
  }

  static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The result of an undisturbed run computed in this process (the reference for tests and the demo). */
  public static byte[] reference(int rows, int cols, long steps) {
    double[] u = new double[rows * cols];
    double[] next = new double[u.length];
    for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) u[i * cols + j] = initial(i, j, rows, cols);
    for (long s = 0; s < steps; s++) {
      for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++) {
          int k = i * cols + j;
          if (i == 0 || i == rows - 1 || j == 0 || j == cols - 1) {
            next[k] = u[k];
            continue;
          }
          next[k] = u[k] + 0.2 * (u[k - cols] + u[k + cols] + u[k - 1] + u[k + 1] - 4 * u[k]);
        }
      }
      System.arraycopy(next, 0, u, 0, u.length);
    }
    ByteBuffer b = ByteBuffer.allocate(u.length * 8);
    b.asDoubleBuffer().put(u);
    return b.array();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
