package io.cairn.slurm;

import io.cairn.Cairn;
import io.cairn.Checkpointer;
import io.cairn.Metadata;
import io.cairn.Version;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * A single-process program run by the batch tests: {@code steps} steps of a deterministic update of 4096
 * doubles, {@code ms} ms each, a checkpoint every {@code every} steps and on a preemption signal, after which it
 * stops (exit 75) or goes on as {@link SlurmJob#shouldStop} says. Writes the final array to {@code <dir>/result.bin}.
 * Arguments: {@code dir steps ms every}.
 */
public final class Work {
  private Work() {}

  static void update(double[] x, long step) {
    for (int i = 0; i < x.length; i++)
      x[i] = x[i] * 0.999 + Math.sin(step * 0.01 + i) * 1e-3 + x[(i + 1) % x.length] * 1e-4;
  }

  static double[] initial() {
    double[] x = new double[4096];
    for (int i = 0; i < x.length; i++) x[i] = (i * 37 % 101) / 100.0;
    return x;
  }

  static byte[] bytes(double[] x) {
    ByteBuffer b = ByteBuffer.allocate(x.length * 8);
    b.asDoubleBuffer().put(x);
    return b.array();
  }

  /** The uninterrupted result. */
  static byte[] reference(long steps) {
    double[] x = initial();
    for (long s = 0; s < steps; s++) update(x, s);
    return bytes(x);
  }

  public static void main(String[] a) throws Exception {
    Path dir = Path.of(a[0]);
    long steps = Long.parseLong(a[1]);
    long ms = Long.parseLong(a[2]);
    long every = Long.parseLong(a[3]);
    int exit = 0;
    try (Checkpointer ck = Cairn.builder().name("work").directory(dir.resolve("ckpt")).open()) {
      double[] x = initial();
      long[] step = {0};
      ck.protect("x", x).protect("step", step);
      Optional<Version> from = ck.restoreLatest();
      System.out
          .println("start run " + (SlurmJob.current().map(SlurmJob::restartCount).orElse(0) + 1) + " at step " + step[0]
              + from.map(v -> " (restored version " + v.number() + ")").orElse(" (fresh)"));
      while (step[0] < steps) {
        update(x, step[0]);
        step[0]++;
        Thread.sleep(ms);
        if (ck.preemptionRequested()) {
          Version v = ck.checkpoint(Metadata.create().step(step[0]).label("signal")).await();
          boolean stop = SlurmJob.shouldStop(ck.lastSignal(), dir);
          System.out
              .println("signal " + ck.lastSignal().orElse("?") + " at step " + step[0] + ": checkpoint " + v.number()
                  + (stop ? "; stopping" : "; going on"));
          if (stop) {
            exit = Checkpointer.EXIT_REQUEUE;
            break;
          }
        } else if (step[0] % every == 0) {
          System.out.println(
              "checkpoint " + ck.checkpoint(Metadata.create().step(step[0])).await().number() + " at step " + step[0]);
        }
      }
      if (exit == 0) {
        Path tmp = dir.resolve("result.bin.tmp");
        Files.write(tmp, bytes(x));
        Files.move(tmp, dir.resolve("result.bin"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        System.out.println("done at step " + step[0]);
      }
    }
    System.out.flush();
    System.exit(exit);
  }
}
