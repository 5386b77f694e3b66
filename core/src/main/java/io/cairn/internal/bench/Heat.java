package io.cairn.internal.bench;

import java.util.stream.IntStream;

/**
 * 2-D heat diffusion (explicit 5-point stencil, fixed hot and cold borders). Deterministic whatever the
 * number of threads: every cell of the next grid depends only on the previous grid.
 */
public final class Heat {
  public final int n;
  public double[] grid;
  private double[] next;

  public Heat(int n) {
    this.n = n;
    this.grid = new double[n * n];
    this.next = new double[n * n];
    init(grid, n);
  }

  static void init(double[] g, int n) {
    for (int i = 0; i < n; i++) {
      g[i] = 100.0; // hot top edge
      g[(n - 1) * n + i] = 0.0; // cold bottom edge
      g[i * n] = 50.0 * Math.sin(Math.PI * i / (n - 1)); // warm left edge
    }
    g[(n / 2) * n + n / 2] = 1000.0; // a hot spot
  }

  /** One step; the result is in {@link #grid} (the same array object: it stays protected). */
  public void step() {
    final double[] g = grid, o = next;
    final int m = n;
    IntStream.range(1, m - 1).parallel().forEach(r -> {
      int base = r * m;
      o[base] = g[base];
      for (int c = 1; c < m - 1; c++) {
        int i = base + c;
        o[i] = g[i] + 0.2 * (g[i - 1] + g[i + 1] + g[i - m] + g[i + m] - 4 * g[i]);
      }
      o[base + m - 1] = g[base + m - 1];
    });
    // copy back so the protected array object never changes
    System.arraycopy(o, m, g, m, (m - 2) * m);
  }

  /** A 64-bit fingerprint of the grid's exact bits. */
  public static long fingerprint(double[] g) {
    long h = 0xcbf29ce484222325L;
    for (double d : g) {
      h ^= Double.doubleToRawLongBits(d);
      h *= 0x100000001b3L;
      h ^= h >>> 29;
    }
    return h;
  }
}
