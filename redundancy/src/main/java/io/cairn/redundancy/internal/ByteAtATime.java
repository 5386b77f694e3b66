package io.cairn.redundancy.internal;

/**
 * The plain way to compute Reed-Solomon parity: one GF(2^8) multiply (log/exp tables) per byte per
 * coefficient, byte by byte, in the ordinary (not bit-sliced) layout. Kept as the baseline of the
 * benchmark and as an independent reference in tests.
 */
public final class ByteAtATime {
  private final int[][] parity;

  public ByteAtATime(int[][] parityMatrix) { this.parity = parityMatrix; }

  /** parity[i][x] = sum_j C[i][j] * data[j][x] over {@code length} bytes. */
  public void encode(byte[][] data, byte[][] out, int length) {
    for (int i = 0; i < parity.length; i++) {
      byte[] dst = out[i];
      java.util.Arrays.fill(dst, 0, length, (byte) 0);
      for (int j = 0; j < data.length; j++) {
        int c = parity[i][j];
        byte[] src = data[j];
        for (int x = 0; x < length; x++) dst[x] ^= (byte) Gf256.mul(c, src[x] & 0xff);
      }
    }
  }

  /** Rebuilds missing data shards from the first k present shards (parity rows of the same matrix). */
  public void reconstruct(byte[][] shards, boolean[] present, int length) {
    int m = parity.length, k = parity[0].length;
    int[] sel = new int[k];
    for (int i = 0, c = 0; c < k; i++) if (present[i]) sel[c++] = i;
    int[][] a = new int[k][];
    for (int r = 0; r < k; r++) {
      if (sel[r] < k) {
        a[r] = new int[k];
        a[r][sel[r]] = 1;
      } else
        a[r] = parity[sel[r] - k].clone();
    }
    int[][] inv = Gf256.invert(a);
    for (int j = 0; j < k; j++) {
      if (present[j]) continue;
      byte[] dst = shards[j];
      java.util.Arrays.fill(dst, 0, length, (byte) 0);
      for (int r = 0; r < k; r++) {
        int c = inv[j][r];
        byte[] src = shards[sel[r]];
        for (int x = 0; x < length; x++) dst[x] ^= (byte) Gf256.mul(c, src[x] & 0xff);
      }
    }
    byte[][] data = java.util.Arrays.copyOf(shards, k);
    for (int i = 0; i < m; i++) {
      if (present[k + i]) continue;
      byte[] dst = shards[k + i];
      java.util.Arrays.fill(dst, 0, length, (byte) 0);
      for (int j = 0; j < k; j++) {
        int c = parity[i][j];
        for (int x = 0; x < length; x++) dst[x] ^= (byte) Gf256.mul(c, data[j][x] & 0xff);
      }
    }
  }
}
