package io.cairn;

/**
 * Entry point: {@code Cairn.builder().name("heat").open()}.
 *
 * <pre>{@code
 * try (Checkpointer ckpt = Cairn.builder().name("heat").open()) {
 *   double[] grid = new double[n]; long[] step = {0};
 *   ckpt.protect("grid", grid).protect("step", step);
 *   ckpt.restoreLatest();                      // no-op on a fresh start
 *   while (step[0] < steps) {
 *     solve(grid); step[0]++;
 *     if (ckpt.due()) ckpt.checkpoint();       // the interval policy decides
 *   }
 * }
 * }</pre>
 */
public final class Cairn {
  private Cairn() {}

  /** A builder with embedded defaults: levels memory (/dev/shm), local and persistent under {@code ./cairn-data}. */
  public static Checkpointer.Builder builder() {
    return new Checkpointer.Builder();
  }
}
