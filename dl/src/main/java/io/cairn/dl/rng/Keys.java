package io.cairn.dl.rng;

import java.nio.charset.StandardCharsets;

/**
 * Random streams keyed by {@code (seed, purpose, epoch, step, sample)}. The key of a purpose is a
 * Philox hash of the purpose name under the seed; the rest goes into the counter. So data shuffling,
 * augmentation, dropout and initialisation each draw from their own streams, and "dropout of sample 17
 * in step 5" is the same numbers whichever worker computes it and however often the run restarts.
 * Immutable and thread-safe.
 */
public final class Keys {
  private final long seed;

  public Keys(long seed) { this.seed = seed; }

  public long seed() { return seed; }

  /** The stream for one (purpose, epoch, step, sample); each index must fit in 32 bits (unsigned). */
  public Stream stream(String purpose, long epoch, long step, long sample) {
    check("epoch", epoch);
    check("step", step);
    check("sample", sample);
    int[] k = purposeKey(purpose);
    return new Stream(k[0], k[1], (int) sample, (int) step, (int) epoch);
  }

  private int[] purposeKey(String purpose) {
    int h = fnv1a(purpose);
    int[] out = new int[4];
    Philox.block(new int[]{h, 0x63616972 /* "cair" */, purpose.length(), 0}, (int) seed, (int) (seed >>> 32), out);
    return new int[]{out[0], out[1]};
  }

  private static void check(String what, long v) {
    if (v < 0 || v > 0xFFFFFFFFL) throw new IllegalArgumentException(what + " index " + v + " is outside 0..2^32-1");
  }

  /** FNV-1a over the UTF-8 bytes: a stable 32-bit id of a purpose name. */
  static int fnv1a(String s) {
    int h = 0x811C9DC5;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xFF;
      h *= 0x01000193;
    }
    return h;
  }

  @Override
  public String toString() { return "Keys[seed=" + seed + "]"; }
}
