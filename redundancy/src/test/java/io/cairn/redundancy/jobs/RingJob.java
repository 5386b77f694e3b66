package io.cairn.redundancy.jobs;

import io.cairn.cluster.Comm;
import io.cairn.cluster.ParallelCheckpointer;
import io.cairn.cluster.Rank;
import io.cairn.redundancy.ClusterRedundancy;
import io.cairn.redundancy.Scheme;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A ring of ranks, each with {@code cells} doubles; every step a rank sends its last cell to its right
 * neighbour and updates its cells from its left neighbour's. Checkpoints every {@code every} steps
 * (blocking protocol), then protects the global version with the redundancy levels given as
 * {@code --schemes xor:4,rs:2+2}. Rank 0 writes the final state to {@code <job>/ring-result.bin}.
 */
public final class RingJob {
  private RingJob() {}

  /** Test fault injection: {@code encode:<global>:<rank>} halts that rank's first process halfway through encoding. */
  public static final String FAULT_VARIABLE = "CAIRN_CLUSTER_REDUNDANCY_FAULT";

  /** The hook that reads {@link #FAULT_VARIABLE} (the test's side: production code reads no such variable). */
  static ClusterRedundancy.FaultHook faultHook(Rank rank) {
    String f = System.getenv(FAULT_VARIABLE);
    if (f == null || rank.incarnation() != 0) return ClusterRedundancy.NO_FAULTS;
    int me = rank.comm().rank();
    return (point, global) -> {
      if (f.equals(point + ":" + global + ":" + me)) {
        System.err.println("fault injection: rank " + me + " halts while encoding global " + global);
        Runtime.getRuntime().halt(137);
      }
    };
  }

  public static void main(String[] a) throws Exception {
    int cells = Integer.parseInt(arg(a, "--cells", "20000"));
    long steps = Long.parseLong(arg(a, "--steps", "60"));
    long every = Long.parseLong(arg(a, "--every", "5"));
    long delay = Long.parseLong(arg(a, "--delay-ms", "20"));
    List<Scheme> schemes = new ArrayList<>();
    for (String s : arg(a, "--schemes", "xor:4").split(",")) if (!s.equals("none")) schemes.add(Scheme.parse(s));
    boolean timing = List.of(a).contains("--timing");
    try (Rank rank = Rank.join();
        ClusterRedundancy red = schemes.isEmpty()
            ? null
            : ClusterRedundancy.attach(rank, schemes, 2, faultHook(rank))) {
      Comm comm = rank.comm();
      if (red != null) red.recoverOwn();
      int me = comm.rank(), n = comm.size();
      double[] u = initial(me, cells);
      long[] step = {0};
      ParallelCheckpointer ck = rank.checkpointer();
      ck.protect("u", u).protect("step", step);
      rank.run(() -> {
        while (step[0] < steps) {
          comm.sendDoubles((me + 1) % n, 1, u, cells - 1, 1);
          double in = comm.recvDoubles((me - 1 + n) % n, 1)[0];
          update(u, in);
          step[0]++;
          if (delay > 0) sleep(delay);
          if (step[0] % every == 0) {
            comm.barrier();
            long t0 = System.nanoTime();
            long g = ck.checkpoint(step[0]);
            long t1 = System.nanoTime();
            if (red != null) {
              var p = red.protect();
              if (me == 0) System.out.println("ring: global " + p.id() + " protected " + p.secondsPerLevel());
            }
            long t2 = System.nanoTime();
            if (timing && me == 0)
              System.out.printf(java.util.Locale.ROOT, "ring-timing: global %d checkpoint %.6f redundancy %.6f%n", g,
                  (t1 - t0) / 1e9, (t2 - t1) / 1e9);
          }
        }
        if (me > 0) {
          comm.sendDoubles(0, 2, u, 0, cells);
        } else {
          ByteBuffer all = ByteBuffer.allocate(n * cells * 8);
          all.asDoubleBuffer().put(u);
          for (int r = 1; r < n; r++) {
            double[] part = comm.recvDoubles(r, 2);
            all.position(r * cells * 8);
            for (double d : part) all.putDouble(d);
          }
          try {
            var tmp = rank.jobDir().resolve("ring-result.bin.tmp");
            Files.write(tmp, all.array());
            Files.move(tmp, rank.jobDir().resolve("ring-result.bin"), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
          System.out
              .println("ring: done, restored global " + ck.restoredGlobal() + ", incarnation " + rank.incarnation());
        }
      });
    }
  }

  static double[] initial(int rank, int cells) {
    double[] u = new double[cells];
    for (int i = 0; i < cells; i++) u[i] = ((rank * 7919L + i * 31L) % 1000) / 1000.0;
    return u;
  }

  static void update(double[] u, double in) {
    double prev = in;
    for (int i = 0; i < u.length; i++) {
      double cur = u[i];
      u[i] = 0.75 * cur + 0.25 * prev + 1e-3;
      prev = cur;
    }
  }

  /** The final state of an undisturbed run, computed in this process. */
  public static byte[] reference(int ranks, int cells, long steps) {
    double[][] u = new double[ranks][];
    for (int r = 0; r < ranks; r++) u[r] = initial(r, cells);
    for (long s = 0; s < steps; s++) {
      double[] in = new double[ranks];
      for (int r = 0; r < ranks; r++) in[r] = u[(r - 1 + ranks) % ranks][cells - 1];
      for (int r = 0; r < ranks; r++) update(u[r], in[r]);
    }
    ByteBuffer all = ByteBuffer.allocate(ranks * cells * 8);
    for (double[] x : u) for (double d : x) all.putDouble(d);
    return all.array();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String arg(String[] a, String name, String def) {
    for (int i = 0; i + 1 < a.length; i++) if (a[i].equals(name)) return a[i + 1];
    return def;
  }
}
