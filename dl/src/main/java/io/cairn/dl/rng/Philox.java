package io.cairn.dl.rng;

/**
 * The Philox4x32-10 counter-based generator (Salmon et al., SC'11; the generator of cuRAND, JAX and
 * NumPy's {@code Philox}). A pure function of a 128-bit counter and a 64-bit key: there is no
 * sequential state, so the random numbers of "sample 17 of step 5" are the same whichever thread
 * computes them and however often the run restarts.
 *
 * <p>Validated against the Random123 known-answer vectors ({@code kat_vectors}) in the tests.
 */
public final class Philox {
  private static final int M0 = 0xD2511F53;
  private static final int M1 = 0xCD9E8D57;
  private static final int W0 = 0x9E3779B9;
  private static final int W1 = 0xBB67AE85;

  private Philox() {}

  /**
   * One block: 10 rounds of Philox4x32 on {@code counter} (4 words) under {@code key} (2 words),
   * written into {@code out} (4 words). {@code out} may be {@code counter}.
   */
  public static void block(int[] counter, int k0, int k1, int[] out) {
    int c0 = counter[0], c1 = counter[1], c2 = counter[2], c3 = counter[3];
    for (int r = 0; r < 10; r++) {
      if (r > 0) { k0 += W0; k1 += W1; }
      long p0 = (M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
      long p1 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
      int hi0 = (int) (p0 >>> 32), lo0 = (int) p0;
      int hi1 = (int) (p1 >>> 32), lo1 = (int) p1;
      c0 = hi1 ^ c1 ^ k0;
      c1 = lo1;
      c2 = hi0 ^ c3 ^ k1;
      c3 = lo0;
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
  }

  /** Convenience form of {@link #block} that returns a new array. */
  public static int[] block(int c0, int c1, int c2, int c3, int k0, int k1) {
    int[] out = new int[4];
    block(new int[]{c0, c1, c2, c3}, k0, k1, out);
    return out;
  }
}
