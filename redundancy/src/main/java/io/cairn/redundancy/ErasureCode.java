package io.cairn.redundancy;

import io.cairn.redundancy.internal.Gf256;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A systematic MDS erasure code over GF(2^8): {@code k} data shards, {@code m} parity shards; any
 * {@code k} of the {@code k + m} shards give back all of them.
 *
 * <p>The generator is a Cauchy matrix normalised so that parity 0 is the plain XOR of the data
 * ({@link #xor(int)} is the code with {@code m = 1}). Encoding works on a bit-sliced layout (Cauchy
 * Reed-Solomon, as in Blömer et al. and Jerasure): a shard is cut into blocks of 8 packets of
 * {@link #packetSize()} bytes, and symbol {@code e} of a block is made of bit {@code e} of each of the
 * 8 packets. Multiplication by a constant then is a fixed set of packet XORs (the ones of its 8x8 bit
 * matrix), which the JIT turns into wide vector XORs: no per-byte table look-up at all. This is the
 * same code, symbol for symbol, as byte-wise Reed-Solomon with the same matrix applied to the
 * bit-transposed data (a test checks exactly that against a byte-at-a-time implementation).
 *
 * <p>Lengths passed to {@link #encode} and {@link #reconstruct} must be multiples of
 * {@link #blockSize()}; pad with zeros ({@link #paddedLength(long)}). Instances are immutable and
 * thread-safe.
 */
public final class ErasureCode {
  /** Default packet size in bytes (a block is 8 packets). */
  public static final int DEFAULT_PACKET = 2048;

  private final int k;
  private final int m;
  private final int packet;
  private final int[][] parity; // m x k
  private final byte[][][] parityBits; // [i][j][8]

  private ErasureCode(int k, int m, int packet) {
    if (packet < 8 || packet % 8 != 0 || packet > (1 << 20))
      throw new IllegalArgumentException("packet size must be a multiple of 8 in 8..1MiB, got " + packet);
    this.k = k;
    this.m = m;
    this.packet = packet;
    this.parity = Gf256.cauchyParity(k, m);
    this.parityBits = bits(parity);
  }

  /** Reed-Solomon with {@code k} data and {@code m} parity shards ({@code k + m <= 256}). */
  public static ErasureCode reedSolomon(int k, int m) {
    return new ErasureCode(k, m, DEFAULT_PACKET);
  }

  /** Reed-Solomon with a given packet size (a multiple of 8). */
  public static ErasureCode reedSolomon(int k, int m, int packetSize) {
    return new ErasureCode(k, m, packetSize);
  }

  /** XOR parity over {@code k} data shards: survives the loss of any one shard. */
  public static ErasureCode xor(int k) {
    return new ErasureCode(k, 1, DEFAULT_PACKET);
  }

  public int k() { return k; }
  public int m() { return m; }
  public int packetSize() { return packet; }

  /** Bytes per block: every shard length is a multiple of it. */
  public int blockSize() { return 8 * packet; }

  /** {@code length} rounded up to a whole number of blocks (at least one). */
  public long paddedLength(long length) {
    long b = blockSize();
    return Math.max(b, (length + b - 1) / b * b);
  }

  /** The m x k parity matrix over GF(2^8) (a copy). */
  public int[][] parityMatrix() {
    int[][] c = new int[m][];
    for (int i = 0; i < m; i++) c[i] = parity[i].clone();
    return c;
  }

  /** Computes the {@code m} parity shards of {@code k} data shards, each {@code length} bytes from offset 0. */
  public void encode(byte[][] data, byte[][] parityOut, int length) {
    encode(data, new int[k], parityOut, new int[m], length);
  }

  /** Computes parity shard {@code i} at {@code parityOut[i][parityOffsets[i]..]} from data at their offsets. */
  public void encode(byte[][] data, int[] dataOffsets, byte[][] parityOut, int[] parityOffsets, int length) {
    check(data, dataOffsets, k, length, "data");
    check(parityOut, parityOffsets, m, length, "parity");
    apply(parityBits, data, dataOffsets, parityOut, parityOffsets, length);
  }

  /**
   * Computes parity row {@code row} only (0..m-1), e.g. on the node that stores just that row:
   * {@code out[outOffset..]} from the k data shards at their offsets.
   */
  public void encodeRow(int row, byte[][] data, int[] dataOffsets, byte[] out, int outOffset, int length) {
    if (row < 0 || row >= m) throw new IllegalArgumentException("parity row " + row + " is outside 0.." + (m - 1));
    check(data, dataOffsets, k, length, "data");
    check(new byte[][]{out}, new int[]{outOffset}, 1, length, "parity");
    apply(new byte[][][]{parityBits[row]}, data, dataOffsets, new byte[][]{out}, new int[]{outOffset}, length);
  }

  /**
   * Rebuilds the shards that are not {@code present}: {@code shards[0..k)} are data, {@code shards[k..k+m)}
   * parity; missing ones must be allocated (their content is overwritten).
   *
   * @throws NotEnoughShardsException when more than {@code m} shards are missing
   */
  public void reconstruct(byte[][] shards, int[] offsets, boolean[] present, int length) {
    int n = k + m;
    if (shards.length != n || offsets.length != n || present.length != n)
      throw new IllegalArgumentException("need " + n + " shards, offsets and flags");
    check(shards, offsets, n, length, "shard");
    List<Integer> missing = new ArrayList<>();
    for (int i = 0; i < n; i++) if (!present[i]) missing.add(i);
    if (missing.isEmpty()) return;
    if (missing.size() > m) throw new NotEnoughShardsException(k, m, missing);
    List<Integer> missingData = missing.stream().filter(i -> i < k).toList();
    int e = missingData.size();
    if (e > 0) {
      // syndrome decoding: with e present parity rows t, S_t = P_t + sum_{j present} C[t][j] d_j uses the
      // sparse generator rows; then S_t = sum_{a missing} C[t][a] d_a is a small e x e system
      List<Integer> rows = new ArrayList<>();
      for (int i = k; i < n && rows.size() < e; i++) if (present[i]) rows.add(i - k);
      List<Integer> presentData = new ArrayList<>();
      for (int j = 0; j < k; j++) if (present[j]) presentData.add(j);
      byte[][] syn = new byte[e][length];
      int[] zero = new int[e];
      for (int q = 0; q < e; q++) {
        int t = rows.get(q);
        int ni = presentData.size() + 1;
        byte[][] in = new byte[ni][];
        int[] inOff = new int[ni];
        int[][] coef = new int[1][ni];
        for (int x = 0; x < presentData.size(); x++) {
          int j = presentData.get(x);
          in[x] = shards[j];
          inOff[x] = offsets[j];
          coef[0][x] = parity[t][j];
        }
        in[ni - 1] = shards[k + t];
        inOff[ni - 1] = offsets[k + t];
        coef[0][ni - 1] = 1;
        apply(bits(coef), in, inOff, new byte[][]{syn[q]}, new int[1], length);
      }
      int[][] mat = new int[e][e];
      for (int q = 0; q < e; q++) for (int r = 0; r < e; r++) mat[q][r] = parity[rows.get(q)][missingData.get(r)];
      int[][] inv = Gf256.invert(mat);
      byte[][] out = new byte[e][];
      int[] outOff = new int[e];
      for (int r = 0; r < e; r++) {
        out[r] = shards[missingData.get(r)];
        outOff[r] = offsets[missingData.get(r)];
      }
      apply(bits(inv), syn, zero, out, outOff, length);
    }
    List<Integer> missingParity = missing.stream().filter(i -> i >= k).toList();
    if (!missingParity.isEmpty()) {
      byte[][][] b = new byte[missingParity.size()][][];
      byte[][] out = new byte[b.length][];
      int[] outOff = new int[b.length];
      for (int r = 0; r < b.length; r++) {
        int i = missingParity.get(r);
        b[r] = parityBits[i - k];
        out[r] = shards[i];
        outOff[r] = offsets[i];
      }
      apply(b, Arrays.copyOf(shards, k), Arrays.copyOf(offsets, k), out, outOff, length);
    }
  }

  /** {@link #reconstruct(byte[][], int[], boolean[], int)} with all offsets 0. */
  public void reconstruct(byte[][] shards, boolean[] present, int length) {
    reconstruct(shards, new int[k + m], present, length);
  }

  @Override
  public String toString() { return m == 1 ? "XOR(" + k + "+1)" : "RS(" + k + "+" + m + ")"; }

  // ------------------------------------------------------------------ kernel

  private void check(byte[][] s, int[] off, int count, int length, String what) {
    if (s.length != count || off.length != count)
      throw new IllegalArgumentException(
          "need " + count + " " + what + " shards and offsets, got " + s.length + "/" + off.length);
    if (length < 0 || length % blockSize() != 0)
      throw new IllegalArgumentException("length " + length + " is not a multiple of the block size " + blockSize());
    for (int i = 0; i < count; i++) {
      if (s[i] == null) throw new IllegalArgumentException(what + " shard " + i + " is null");
      if (off[i] < 0 || (long) off[i] + length > s[i].length)
        throw new IllegalArgumentException(what + " shard " + i + ": offset " + off[i] + " + length " + length
            + " exceeds its " + s[i].length + " bytes");
    }
  }

  private static byte[][][] bits(int[][] rows) {
    byte[][][] b = new byte[rows.length][][];
    for (int i = 0; i < rows.length; i++) {
      b[i] = new byte[rows[i].length][];
      for (int j = 0; j < rows[i].length; j++) b[i][j] = Gf256.bitRows(rows[i][j]);
    }
    return b;
  }

  /** out[o] = sum_j coef[o][j] * in[j], with the coefficients given as bit matrices. */
  private void apply(byte[][][] bits, byte[][] in, int[] inOff, byte[][] out, int[] outOff, int length) {
    final int p = packet;
    final int block = 8 * p;
    byte[][] srcs = new byte[8 * in.length][];
    int[] offs = new int[8 * in.length];
    for (int base = 0; base < length; base += block) {
      for (int o = 0; o < out.length; o++) {
        byte[] dst = out[o];
        byte[][] ob = bits[o];
        for (int r = 0; r < 8; r++) {
          int n = 0;
          for (int j = 0; j < in.length; j++) {
            int mask = ob[j][r] & 0xff;
            int sBase = inOff[j] + base;
            while (mask != 0) {
              srcs[n] = in[j];
              offs[n++] = sBase + Integer.numberOfTrailingZeros(mask) * p;
              mask &= mask - 1;
            }
          }
          sum(dst, outOff[o] + base + r * p, srcs, offs, n, p);
        }
      }
    }
  }

  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  /** dst[d..d+p) = XOR of the n source packets, reading each once and touching dst once per four sources. */
  private static void sum(byte[] dst, int d, byte[][] srcs, int[] offs, int n, int p) {
    if (n == 0) { Arrays.fill(dst, d, d + p, (byte) 0); return; }
    int i = Math.min(n, 4);
    switch (i) {
      case 1 -> System.arraycopy(srcs[0], offs[0], dst, d, p);
      case 2 -> set2(dst, d, srcs[0], offs[0], srcs[1], offs[1], p);
      case 3 -> set3(dst, d, srcs[0], offs[0], srcs[1], offs[1], srcs[2], offs[2], p);
      default -> set4(dst, d, srcs[0], offs[0], srcs[1], offs[1], srcs[2], offs[2], srcs[3], offs[3], p);
    }
    for (; i + 4 <= n; i += 4)
      xor4(dst, d, srcs[i], offs[i], srcs[i + 1], offs[i + 1], srcs[i + 2], offs[i + 2], srcs[i + 3], offs[i + 3], p);
    switch (n - i) {
      case 1 -> xor1(dst, d, srcs[i], offs[i], p);
      case 2 -> xor2(dst, d, srcs[i], offs[i], srcs[i + 1], offs[i + 1], p);
      case 3 -> xor3(dst, d, srcs[i], offs[i], srcs[i + 1], offs[i + 1], srcs[i + 2], offs[i + 2], p);
      default -> {}
    }
  }

  private static long g(byte[] a, int i) { return (long) LONGS.get(a, i); }

  private static void set2(byte[] d, int dO, byte[] a, int aO, byte[] b, int bO, int p) {
    for (int i = 0; i < p; i += 8) LONGS.set(d, dO + i, g(a, aO + i) ^ g(b, bO + i));
  }

  private static void set3(byte[] d, int dO, byte[] a, int aO, byte[] b, int bO, byte[] c, int cO, int p) {
    for (int i = 0; i < p; i += 8) LONGS.set(d, dO + i, g(a, aO + i) ^ g(b, bO + i) ^ g(c, cO + i));
  }

  private static void set4(byte[] d, int dO, byte[] a, int aO, byte[] b, int bO, byte[] c, int cO, byte[] e, int eO,
      int p) {
    for (int i = 0; i < p; i += 8) LONGS.set(d, dO + i, g(a, aO + i) ^ g(b, bO + i) ^ g(c, cO + i) ^ g(e, eO + i));
  }

  private static void xor1(byte[] d, int dO, byte[] a, int aO, int p) {
    for (int i = 0; i < p; i += 8) LONGS.set(d, dO + i, g(d, dO + i) ^ g(a, aO + i));
  }

  private static void xor2(byte[] d, int dO, byte[] a, int aO, byte[] b, int bO, int p) {
    for (int i = 0; i < p; i += 8) LONGS.set(d, dO + i, g(d, dO + i) ^ g(a, aO + i) ^ g(b, bO + i));
  }

  private static void xor3(byte[] d, int dO, byte[] a, int aO, byte[] b, int bO, byte[] c, int cO, int p) {
    for (int i = 0; i < p; i += 8) LONGS.set(d, dO + i, g(d, dO + i) ^ g(a, aO + i) ^ g(b, bO + i) ^ g(c, cO + i));
  }

  private static void xor4(byte[] d, int dO, byte[] a, int aO, byte[] b, int bO, byte[] c, int cO, byte[] e, int eO,
      int p) {
    for (int i = 0; i < p; i += 8)
      LONGS.set(d, dO + i, g(d, dO + i) ^ g(a, aO + i) ^ g(b, bO + i) ^ g(c, cO + i) ^ g(e, eO + i));
  }
}
