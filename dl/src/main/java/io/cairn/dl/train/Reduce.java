package io.cairn.dl.train;

/**
 * The fixed-order reduction shared by the thread and the rank trainers: a binary tree keyed by slot
 * (sample position in the batch) index, slot {@code i += slot i+s} for {@code s = 1, 2, 4, ...}. Each
 * parameter's sum depends only on the slot values and this order, never on which worker or rank
 * computed a slot or reduced a parameter range, so every split gives the same bits.
 */
final class Reduce {
  private Reduce() {}

  /** Tree-sums {@code slots[0..b)} over parameters {@code [lo, hi)} (in place) and writes {@code sum * scale} to {@code out[lo..hi)}. */
  static void mean(float[][] slots, int b, int lo, int hi, float[] out, float scale) {
    for (int stride = 1; stride < b; stride <<= 1) {
      for (int i = 0; i + stride < b; i += stride << 1) {
        float[] dst = slots[i], src = slots[i + stride];
        for (int k = lo; k < hi; k++) dst[k] += src[k];
      }
    }
    float[] sum = slots[0];
    for (int k = lo; k < hi; k++) out[k] = sum[k] * scale;
  }

  /** Tree-sums {@code values[0..b)} in place and returns the sum. */
  static double sum(double[] values, int b) {
    for (int stride = 1; stride < b; stride <<= 1)
      for (int i = 0; i + stride < b; i += stride << 1) values[i] += values[i + stride];
    return values[0];
  }
}
