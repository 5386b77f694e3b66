package io.cairn.dl.rng;

/**
 * Random numbers of one keyed stream: block {@code i} of the stream is
 * {@code Philox4x32-10(counter = (i, sample, step, epoch), key)}. Cheap to create; its only state is
 * the position inside the stream, which is never saved: a stream is recreated from its key.
 * Not thread-safe (create one per thread and sample).
 */
public final class Stream {
  private final int k0, k1;
  private final int[] ctr = new int[4];
  private final int[] out = new int[4];
  private int used = 4;
  private double spareNormal = Double.NaN;

  Stream(int k0, int k1, int sample, int step, int epoch) {
    this.k0 = k0;
    this.k1 = k1;
    ctr[0] = -1; // first refill makes it 0
    ctr[1] = sample;
    ctr[2] = step;
    ctr[3] = epoch;
  }

  /** The next 32 random bits. */
  public int nextInt() {
    if (used == 4) {
      ctr[0]++;
      if (ctr[0] == -1) throw new IllegalStateException("random stream exhausted (2^32 blocks)");
      Philox.block(ctr, k0, k1, out);
      used = 0;
    }
    return out[used++];
  }

  /** The next 64 random bits. */
  public long nextLong() { return ((long) nextInt() << 32) | (nextInt() & 0xFFFFFFFFL); }

  /** Uniform in [0, 1) with 24 random bits. */
  public float uniformFloat() { return (nextInt() >>> 8) * 0x1.0p-24f; }

  /** Uniform in [0, 1) with 53 random bits. */
  public double uniform() { return (nextLong() >>> 11) * 0x1.0p-53; }

  /** Standard normal (Box-Muller with {@link StrictMath}, so the bits are the same on every JVM). */
  public double normal() {
    if (!Double.isNaN(spareNormal)) {
      double s = spareNormal;
      spareNormal = Double.NaN;
      return s;
    }
    double u1 = 1.0 - uniform(); // (0, 1]
    double u2 = uniform();
    double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
    double a = 2.0 * StrictMath.PI * u2;
    spareNormal = r * StrictMath.sin(a);
    return r * StrictMath.cos(a);
  }

  /** True with probability {@code p}. */
  public boolean bernoulli(double p) { return uniform() < p; }

  /** Uniform in [0, bound) without modulo bias (Lemire's method with rejection). */
  public int nextInt(int bound) {
    if (bound <= 0) throw new IllegalArgumentException("bound must be > 0, got " + bound);
    long m = (nextInt() & 0xFFFFFFFFL) * bound;
    long l = m & 0xFFFFFFFFL;
    if (l < bound) {
      long t = (0x1_0000_0000L - bound) % bound;
      while (l < t) {
        m = (nextInt() & 0xFFFFFFFFL) * bound;
        l = m & 0xFFFFFFFFL;
      }
    }
    return (int) (m >>> 32);
  }

  /** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
  public int[] permutation(int n) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) p[i] = i;
    for (int i = n - 1; i > 0; i--) {
      int j = nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}
