package io.cairn.examples;

import io.cairn.Cairn;
import io.cairn.Checkpointer;
import java.nio.file.Path;

/** The README's quick-start example: a 1-D heat solver that restarts from its newest checkpoint. */
public final class HeatExample {
  /** Runs {@code steps} steps on {@code n} cells, checkpointing under {@code dir}; returns the final grid. */
  public static double[] run(Path dir, int n, long steps) {
    try (Checkpointer ckpt = Cairn.builder().name("heat").directory(dir)
        .set("interval", "steps").set("interval.steps", "50").open()) {
      double[] grid = new double[n];
      long[] step = {0};
      grid[n / 2] = 1000;
      ckpt.protect("grid", grid).protect("step", step);
      ckpt.restoreLatest(); // no-op on a fresh start
      while (step[0] < steps) {
        solve(grid);
        step[0]++;
        if (ckpt.due()) ckpt.checkpoint(); // the interval policy decides
        if (ckpt.preemptionRequested()) { // SIGTERM / SIGUSR1 from the scheduler
          ckpt.checkpoint();
          System.exit(Checkpointer.EXIT_REQUEUE);
        }
      }
      return grid;
    }
  }

  static void solve(double[] g) {
    double left = g[0];
    for (int i = 1; i < g.length - 1; i++) {
      double here = g[i];
      g[i] = here + 0.25 * (left - 2 * here + g[i + 1]);
      left = here;
    }
  }

  public static void main(String[] args) {
    Path dir = Path.of(args.length > 0 ? args[0] : "cairn-data/example");
    double[] g = run(dir, 1 << 16, args.length > 1 ? Long.parseLong(args[1]) : 1000);
    System.out.println("grid[n/2] = " + g[g.length / 2]);
  }
}
