package io.cairn.device.opencl;

import java.lang.foreign.MemorySegment;

/**
 * The demo's program: 2-D heat diffusion (explicit 5-point stencil, fixed borders) in single precision,
 * computed by an OpenCL kernel, its state only in device memory ({@link #grid()}, {@code n*n} floats).
 * A step is two kernel launches (grid → scratch → grid), so between steps the state is always in
 * {@link #grid()}, the buffer to protect. {@code FP_CONTRACT OFF}: no fused multiply-add, so every
 * device computes the same bits (and so does {@link #referenceStep} on the host).
 */
public final class HeatSolver implements AutoCloseable {
  static final String SOURCE = """
      #pragma OPENCL FP_CONTRACT OFF
      __kernel void heat(__global const float* g, __global float* o, const int n) {
        int i = get_global_id(0);
        int r = i / n, c = i - r * n;
        if (r == 0 || r == n - 1 || c == 0 || c == n - 1) { o[i] = g[i]; return; }
        o[i] = g[i] + 0.2f * (((g[i - 1] + g[i + 1]) + (g[i - n] + g[i + n])) - 4.0f * g[i]);
      }
      """;

  private final ClQueue queue;
  private final int n;
  private final ClBuffer grid, scratch;
  private final ClProgram program;
  private final ClKernel forward, backward;

  /** A solver on {@code queue} with an {@code n×n} grid, initialised (hot top edge, warm left edge, a hot spot). */
  public HeatSolver(ClQueue queue, int n) {
    if (n < 3 || (long) n * n > Integer.MAX_VALUE)
      throw new IllegalArgumentException("grid edge must be 3..46340, not " + n);
    this.queue = queue;
    this.n = n;
    this.grid = queue.allocate(float.class, (long) n * n);
    this.scratch = queue.allocate(float.class, (long) n * n);
    this.program = queue.context().buildProgram(SOURCE, "");
    this.forward = program.kernel("heat").arg(0, grid).arg(1, scratch).arg(2, n);
    this.backward = program.kernel("heat").arg(0, scratch).arg(1, grid).arg(2, n);
    grid.write(MemorySegment.ofArray(initial(n)));
  }

  /** The buffer holding the state between steps. */
  public ClBuffer grid() { return grid; }

  public int size() { return n; }

  /** Enqueues one step (two half steps); does not wait. */
  public void step() {
    queue.run(forward, (long) n * n);
    queue.run(backward, (long) n * n);
  }

  /** The grid, read to the host (after the queued steps). */
  public float[] read() {
    float[] out = new float[n * n];
    grid.read(MemorySegment.ofArray(out));
    return out;
  }

  /** The initial grid. */
  public static float[] initial(int n) {
    float[] g = new float[n * n];
    for (int i = 0; i < n; i++) {
      g[i] = 100f;
      g[(n - 1) * n + i] = 0f;
      g[i * n] = (float) (50.0 * Math.sin(Math.PI * i / (n - 1)));
    }
    g[(n / 2) * n + n / 2] = 1000f;
    return g;
  }

  /** One step on the host, the kernel's arithmetic in the same order (for checks). */
  public static void referenceStep(float[] g, int n) {
    for (int half = 0; half < 2; half++) {
      float[] o = new float[g.length];
      for (int i = 0; i < g.length; i++) {
        int r = i / n, c = i - r * n;
        o[i] = r == 0 || r == n - 1 || c == 0 || c == n - 1
            ? g[i]
            : g[i] + 0.2f * (((g[i - 1] + g[i + 1]) + (g[i - n] + g[i + n])) - 4.0f * g[i]);
      }
      System.arraycopy(o, 0, g, 0, g.length);
    }
  }

  /** A 64-bit fingerprint of the exact bits of a grid. */
  public static long fingerprint(float[] g) {
    long h = 0xcbf29ce484222325L;
    for (float f : g) {
      h ^= Float.floatToRawIntBits(f);
      h *= 0x100000001b3L;
      h ^= h >>> 29;
    }
    return h;
  }

  @Override
  public void close() {
    forward.close();
    backward.close();
    program.close();
    scratch.close();
    grid.close();
  }

}
