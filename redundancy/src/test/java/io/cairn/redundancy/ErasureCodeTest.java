package io.cairn.redundancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.redundancy.internal.ByteAtATime;
import io.cairn.redundancy.internal.Gf256;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ErasureCodeTest {

  @Test
  void fieldArithmetic() {
    for (int a = 1; a < 256; a++) {
      assertThat(Gf256.mul(a, Gf256.inv(a))).isEqualTo(1);
      for (int b = 0; b < 256; b += 17) {
        assertThat(Gf256.mul(a, b)).isEqualTo(slowMul(a, b));
        assertThat(Gf256.div(Gf256.mul(a, b), a)).isEqualTo(b);
      }
    }
  }

  private static int slowMul(int a, int b) { // carry-less multiply and reduce
    int p = 0;
    for (int i = 0; i < 8; i++) if ((b >>> i & 1) != 0) p ^= a << i;
    for (int i = 15; i >= 8; i--) if ((p >>> i & 1) != 0) p ^= 0x11d << (i - 8);
    return p;
  }

  @Test
  void firstParityIsPlainXor() {
    ErasureCode code = ErasureCode.xor(5);
    Random rnd = new Random(1);
    int len = code.blockSize() * 2;
    byte[][] data = randomShards(rnd, 5, len);
    byte[][] par = new byte[1][len];
    code.encode(data, par, len);
    byte[] x = new byte[len];
    for (byte[] d : data) for (int i = 0; i < len; i++) x[i] ^= d[i];
    assertThat(par[0]).isEqualTo(x);
  }

  @Test
  void sameCodeAsByteWiseReedSolomonOnBitTransposedData() {
    Random rnd = new Random(2);
    for (int[] km : new int[][]{{8, 2}, {4, 3}, {3, 1}, {10, 4}}) {
      ErasureCode code = ErasureCode.reedSolomon(km[0], km[1], 64);
      int len = code.blockSize() * 3;
      byte[][] data = randomShards(rnd, km[0], len);
      byte[][] par = new byte[km[1]][len];
      code.encode(data, par, len);
      byte[][] std = new byte[km[0]][];
      for (int j = 0; j < km[0]; j++) std[j] = unslice(data[j], 64);
      byte[][] ref = new byte[km[1]][len];
      new ByteAtATime(code.parityMatrix()).encode(std, ref, len);
      for (int i = 0; i < km[1]; i++) assertThat(unslice(par[i], 64)).as("parity %d of %s", i, code).isEqualTo(ref[i]);
    }
  }

  /** Symbol e of a block = bit e of its 8 packets; returns the symbols in order. */
  static byte[] unslice(byte[] sliced, int p) {
    byte[] out = new byte[sliced.length];
    for (int base = 0; base < sliced.length; base += 8 * p)
      for (int e = 0; e < 8 * p; e++) {
        int s = 0;
        for (int b = 0; b < 8; b++) s |= ((sliced[base + b * p + (e >>> 3)] >>> (e & 7)) & 1) << b;
        out[base + e] = (byte) s;
      }
    return out;
  }

  @Test
  void randomErasuresUpToMAreRebuiltExactly() {
    Random rnd = new Random(3);
    for (int trial = 0; trial < 150; trial++) {
      int k = 1 + rnd.nextInt(10), m = 1 + rnd.nextInt(4);
      ErasureCode code = ErasureCode.reedSolomon(k, m, 8 * (1 + rnd.nextInt(16)));
      int len = code.blockSize() * (1 + rnd.nextInt(3));
      byte[][] shards = new byte[k + m][];
      byte[][] data = randomShards(rnd, k, len);
      byte[][] par = new byte[m][len];
      code.encode(data, par, len);
      for (int j = 0; j < k; j++) shards[j] = data[j];
      for (int i = 0; i < m; i++) shards[k + i] = par[i];
      byte[][] orig = new byte[k + m][];
      for (int i = 0; i < k + m; i++) orig[i] = shards[i].clone();
      boolean[] present = erase(rnd, shards, rnd.nextInt(m + 1));
      code.reconstruct(shards, present, len);
      for (int i = 0; i < k + m; i++)
        assertThat(shards[i]).as("shard %d of %s, trial %d", i, code, trial).isEqualTo(orig[i]);
    }
  }

  @Test
  void everyChoiceOfKShardsRebuilds() {
    ErasureCode code = ErasureCode.reedSolomon(4, 3, 16);
    Random rnd = new Random(4);
    int len = code.blockSize();
    byte[][] data = randomShards(rnd, 4, len);
    byte[][] par = new byte[3][len];
    code.encode(data, par, len);
    for (int mask = 0; mask < 128; mask++) {
      if (Integer.bitCount(mask) > 3) continue;
      byte[][] s = new byte[7][];
      boolean[] present = new boolean[7];
      for (int i = 0; i < 7; i++) {
        present[i] = (mask >>> i & 1) == 0;
        s[i] = present[i] ? (i < 4 ? data[i] : par[i - 4]).clone() : new byte[len];
      }
      code.reconstruct(s, present, len);
      for (int j = 0; j < 4; j++) assertThat(s[j]).isEqualTo(data[j]);
      for (int i = 0; i < 3; i++) assertThat(s[4 + i]).isEqualTo(par[i]);
    }
  }

  @Test
  void everyErasurePatternUpToMIsRebuiltForSeveralShapes() {
    Random rnd = new Random(9);
    for (int[] km : new int[][]{{8, 2}, {20, 2}, {10, 4}, {5, 3}, {12, 1}}) {
      int k = km[0], m = km[1], n = k + m;
      ErasureCode code = ErasureCode.reedSolomon(k, m, 8);
      int len = code.blockSize();
      byte[][] data = randomShards(rnd, k, len);
      byte[][] par = new byte[m][len];
      code.encode(data, par, len);
      for (long mask = 0; mask < (1L << n); mask++) {
        if (Long.bitCount(mask) > m || Long.bitCount(mask) == 0) continue;
        byte[][] sh = new byte[n][];
        boolean[] present = new boolean[n];
        for (int i = 0; i < n; i++) {
          present[i] = (mask >>> i & 1) == 0;
          sh[i] = present[i] ? (i < k ? data[i] : par[i - k]) : new byte[len];
        }
        code.reconstruct(sh, present, len);
        for (int j = 0; j < k; j++)
          assertThat(sh[j]).as("%s erasures %s", code, Long.toBinaryString(mask)).isEqualTo(data[j]);
        for (int i = 0; i < m; i++) assertThat(sh[k + i]).isEqualTo(par[i]);
      }
    }
  }

  @Test
  void offsetsWithinLargerArrays() {
    ErasureCode code = ErasureCode.reedSolomon(3, 2, 32);
    Random rnd = new Random(5);
    int len = code.blockSize() * 2;
    byte[] big = new byte[3 * len + 100];
    rnd.nextBytes(big);
    byte[][] data = {big, big, big};
    int[] off = {7, 7 + len, 7 + 2 * len};
    byte[] parBuf = new byte[2 * len + 5];
    code.encode(data, off, new byte[][]{parBuf, parBuf}, new int[]{5, 5 + len}, len);
    byte[][] plain = new byte[3][];
    for (int j = 0; j < 3; j++) plain[j] = java.util.Arrays.copyOfRange(big, off[j], off[j] + len);
    byte[][] par = new byte[2][len];
    code.encode(plain, par, len);
    assertThat(java.util.Arrays.copyOfRange(parBuf, 5, 5 + len)).isEqualTo(par[0]);
    assertThat(java.util.Arrays.copyOfRange(parBuf, 5 + len, 5 + 2 * len)).isEqualTo(par[1]);
  }

  @Test
  void moreThanMMissingIsAClearError() {
    Random rnd = new Random(6);
    for (int trial = 0; trial < 20; trial++) {
      int k = 2 + rnd.nextInt(6), m = 1 + rnd.nextInt(3);
      ErasureCode code = ErasureCode.reedSolomon(k, m, 8);
      int len = code.blockSize();
      byte[][] s = randomShards(rnd, k + m, len);
      boolean[] present = erase(rnd, s, Math.min(k + m, m + 1 + rnd.nextInt(2)));
      assertThatThrownBy(() -> code.reconstruct(s, present, len))
          .isInstanceOf(NotEnoughShardsException.class)
          .hasMessageContaining("can rebuild at most " + m)
          .satisfies(e -> assertThat(((NotEnoughShardsException) e).missing()).hasSizeGreaterThan(m));
    }
  }

  @Test
  void rejectsBadLengthsAndShapes() {
    ErasureCode code = ErasureCode.reedSolomon(2, 1, 8);
    assertThatThrownBy(() -> code.encode(new byte[2][64], new byte[1][64], 63)).hasMessageContaining("block size");
    assertThatThrownBy(() -> code.encode(new byte[3][64], new byte[1][64], 64)).hasMessageContaining("need 2 data");
    assertThatThrownBy(() -> code.encode(new byte[2][64], new byte[1][32], 64)).hasMessageContaining("exceeds");
    assertThatThrownBy(() -> ErasureCode.reedSolomon(250, 7)).hasMessageContaining("k + m <= 256");
    assertThat(code.paddedLength(0)).isEqualTo(64);
    assertThat(code.paddedLength(65)).isEqualTo(128);
  }

  static byte[][] randomShards(Random rnd, int n, int len) {
    byte[][] s = new byte[n][len];
    for (byte[] b : s) rnd.nextBytes(b);
    return s;
  }

  static boolean[] erase(Random rnd, byte[][] shards, int count) {
    List<Integer> idx = new ArrayList<>();
    for (int i = 0; i < shards.length; i++) idx.add(i);
    Collections.shuffle(idx, rnd);
    boolean[] present = new boolean[shards.length];
    java.util.Arrays.fill(present, true);
    for (int c = 0; c < count; c++) {
      int i = idx.get(c);
      present[i] = false;
      shards[i] = new byte[shards[i].length];
      rnd.nextBytes(shards[i]); // garbage must be overwritten
    }
    return present;
  }
}
