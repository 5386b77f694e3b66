package io.cairn.dl.data;

import io.cairn.dl.rng.Keys;
import io.cairn.dl.rng.Stream;

/**
 * A generated image-classification dataset: {@code size x size} grey images of four classes
 * (horizontal bar, vertical bar, diagonal, centred blob) at random positions with Gaussian noise.
 * Each sample is a pure function of {@code (seed, index)}, so nothing is stored or downloaded.
 */
public final class SyntheticImages implements Dataset {
  private final int n, side;
  private final long seed;
  private final double noise;
  private final Keys keys;

  public SyntheticImages(int samples, int side, long seed, double noise) {
    if (samples < 1 || side < 6) throw new IllegalArgumentException("need >= 1 sample and side >= 6");
    this.n = samples;
    this.side = side;
    this.seed = seed;
    this.noise = noise;
    this.keys = new Keys(seed);
  }

  @Override
  public int size() { return n; }
  @Override
  public int inputSize() { return side * side; }
  @Override
  public int classes() { return 4; }
  public int side() { return side; }

  @Override
  public int get(int index, float[] x) {
    if (index < 0 || index >= n) throw new IndexOutOfBoundsException("sample " + index + " of " + n);
    Stream s = keys.stream("data", 0, 0, index);
    int label = s.nextInt(4);
    int a = 1 + s.nextInt(side - 2), b = 1 + s.nextInt(side - 2);
    for (int i = 0; i < side * side; i++) x[i] = (float) (noise * s.normal());
    for (int t = 0; t < side; t++) {
      switch (label) {
        case 0 -> x[a * side + t] += 1f;
        case 1 -> x[t * side + b] += 1f;
        case 2 -> x[t * side + (t + a) % side] += 1f;
        default -> {
          int r = t / 3 - 1, c = t % 3 - 1;
          if (t < 9) x[Math.clamp(a + r, 0, side - 1) * side + Math.clamp(b + c, 0, side - 1)] += 1f;
        }
      }
    }
    return label;
  }

  @Override
  public String describe() {
    return "synthetic-images(n=" + n + ",side=" + side + ",seed=" + seed + ",noise=" + noise + ")";
  }
}
