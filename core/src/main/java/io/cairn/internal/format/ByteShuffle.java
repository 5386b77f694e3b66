package io.cairn.internal.format;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Byte shuffle (the filter of Blosc and HDF5): a chunk of {@code n} elements of {@code s} bytes is
 * rewritten as {@code s} streams of {@code n} bytes, stream {@code k} holding byte {@code k} (in memory
 * order) of every element; bytes after the last whole element stay at the end as they are. The sign,
 * exponent and high mantissa bytes of neighbouring doubles of a smooth field are nearly equal, so
 * their streams compress well where the interleaved bytes do not. Parameter: the element size.
 *
 * <p>8- and 4-byte elements go through an in-register transpose (8 elements, one 64-bit or 32-bit
 * word per stream); other sizes through a plain loop.
 */
final class ByteShuffle implements ChunkTransform {
  private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  @Override
  public int id() { return 3; }
  @Override
  public String name() { return "shuffle"; }
  @Override
  public int param(int elementSize) { return elementSize >= 2 && elementSize <= 255 ? elementSize : -1; }
  @Override
  public boolean validParam(int param) { return param >= 2; }
  @Override
  public boolean keepsLength() { return true; }
  @Override
  public int maxEncoded(int n) { return n; }

  @Override
  public int encode(ByteBuffer src, ByteBuffer dst, int param) {
    int n = src.remaining();
    shuffle(MemorySegment.ofBuffer(src), MemorySegment.ofBuffer(dst.duplicate().clear()), n, param);
    return n;
  }

  @Override
  public void decode(ByteBuffer src, int len, ByteBuffer dst, int outLen, int param) throws IOException {
    if (len != outLen) throw new IOException("shuffled chunk: " + len + " bytes, expected " + outLen);
    unshuffle(MemorySegment.ofBuffer(src.duplicate().clear()), MemorySegment.ofBuffer(dst.duplicate().clear()), len,
        param);
  }

  /** {@code len} bytes of {@code in} as {@code size} byte streams in {@code out}. */
  static void shuffle(MemorySegment in, MemorySegment out, int len, int size) {
    int m = len / size;
    int i = size == 8 ? shuffle8(in, out, m) : size == 4 ? shuffle4(in, out, m) : 0;
    for (; i < m; i++)
      for (int k = 0; k < size; k++)
        out.set(ValueLayout.JAVA_BYTE, (long) k * m + i, in.get(ValueLayout.JAVA_BYTE, (long) i * size + k));
    long whole = (long) m * size;
    if (whole < len) MemorySegment.copy(in, whole, out, whole, len - whole);
  }

  /** Whole groups of 8 elements of 8 bytes; returns the elements done. */
  private static int shuffle8(MemorySegment in, MemorySegment out, int m) {
    int i = 0;
    {
      for (; i + 8 <= m; i += 8) {
        long base = (long) i * 8;
        long w0 = in.get(LONG, base), w1 = in.get(LONG, base + 8), w2 = in.get(LONG, base + 16),
            w3 = in.get(LONG, base + 24);
        long w4 = in.get(LONG, base + 32), w5 = in.get(LONG, base + 40), w6 = in.get(LONG, base + 48),
            w7 = in.get(LONG, base + 56);
        long a, b;
        // 4-byte blocks
        a = w0;
        b = w4;
        w0 = (a & 0xFFFFFFFFL) | (b << 32);
        w4 = (a >>> 32) | (b & 0xFFFFFFFF00000000L);
        a = w1;
        b = w5;
        w1 = (a & 0xFFFFFFFFL) | (b << 32);
        w5 = (a >>> 32) | (b & 0xFFFFFFFF00000000L);
        a = w2;
        b = w6;
        w2 = (a & 0xFFFFFFFFL) | (b << 32);
        w6 = (a >>> 32) | (b & 0xFFFFFFFF00000000L);
        a = w3;
        b = w7;
        w3 = (a & 0xFFFFFFFFL) | (b << 32);
        w7 = (a >>> 32) | (b & 0xFFFFFFFF00000000L);
        // 2-byte blocks
        a = w0;
        b = w2;
        w0 = (a & 0x0000FFFF0000FFFFL) | ((b << 16) & 0xFFFF0000FFFF0000L);
        w2 = ((a >>> 16) & 0x0000FFFF0000FFFFL) | (b & 0xFFFF0000FFFF0000L);
        a = w1;
        b = w3;
        w1 = (a & 0x0000FFFF0000FFFFL) | ((b << 16) & 0xFFFF0000FFFF0000L);
        w3 = ((a >>> 16) & 0x0000FFFF0000FFFFL) | (b & 0xFFFF0000FFFF0000L);
        a = w4;
        b = w6;
        w4 = (a & 0x0000FFFF0000FFFFL) | ((b << 16) & 0xFFFF0000FFFF0000L);
        w6 = ((a >>> 16) & 0x0000FFFF0000FFFFL) | (b & 0xFFFF0000FFFF0000L);
        a = w5;
        b = w7;
        w5 = (a & 0x0000FFFF0000FFFFL) | ((b << 16) & 0xFFFF0000FFFF0000L);
        w7 = ((a >>> 16) & 0x0000FFFF0000FFFFL) | (b & 0xFFFF0000FFFF0000L);
        // bytes
        a = w0;
        b = w1;
        w0 = (a & 0x00FF00FF00FF00FFL) | ((b << 8) & 0xFF00FF00FF00FF00L);
        w1 = ((a >>> 8) & 0x00FF00FF00FF00FFL) | (b & 0xFF00FF00FF00FF00L);
        a = w2;
        b = w3;
        w2 = (a & 0x00FF00FF00FF00FFL) | ((b << 8) & 0xFF00FF00FF00FF00L);
        w3 = ((a >>> 8) & 0x00FF00FF00FF00FFL) | (b & 0xFF00FF00FF00FF00L);
        a = w4;
        b = w5;
        w4 = (a & 0x00FF00FF00FF00FFL) | ((b << 8) & 0xFF00FF00FF00FF00L);
        w5 = ((a >>> 8) & 0x00FF00FF00FF00FFL) | (b & 0xFF00FF00FF00FF00L);
        a = w6;
        b = w7;
        w6 = (a & 0x00FF00FF00FF00FFL) | ((b << 8) & 0xFF00FF00FF00FF00L);
        w7 = ((a >>> 8) & 0x00FF00FF00FF00FFL) | (b & 0xFF00FF00FF00FF00L);
        out.set(LONG, i, w0);
        out.set(LONG, (long) m + i, w1);
        out.set(LONG, 2L * m + i, w2);
        out.set(LONG, 3L * m + i, w3);
        out.set(LONG, 4L * m + i, w4);
        out.set(LONG, 5L * m + i, w5);
        out.set(LONG, 6L * m + i, w6);
        out.set(LONG, 7L * m + i, w7);
      }
    }
    return i;
  }

  /** Whole groups of 4 elements of 4 bytes; returns the elements done. */
  private static int shuffle4(MemorySegment in, MemorySegment out, int m) {
    int i = 0;
    {
      for (; i + 4 <= m; i += 4) {
        long base = (long) i * 4;
        int w0 = in.get(INT, base), w1 = in.get(INT, base + 4), w2 = in.get(INT, base + 8), w3 = in.get(INT, base + 12);
        int a, b;
        a = w0;
        b = w2;
        w0 = (a & 0x0000FFFF) | (b << 16);
        w2 = (a >>> 16) | (b & 0xFFFF0000);
        a = w1;
        b = w3;
        w1 = (a & 0x0000FFFF) | (b << 16);
        w3 = (a >>> 16) | (b & 0xFFFF0000);
        a = w0;
        b = w1;
        w0 = (a & 0x00FF00FF) | ((b << 8) & 0xFF00FF00);
        w1 = ((a >>> 8) & 0x00FF00FF) | (b & 0xFF00FF00);
        a = w2;
        b = w3;
        w2 = (a & 0x00FF00FF) | ((b << 8) & 0xFF00FF00);
        w3 = ((a >>> 8) & 0x00FF00FF) | (b & 0xFF00FF00);
        out.set(INT, i, w0);
        out.set(INT, (long) m + i, w1);
        out.set(INT, 2L * m + i, w2);
        out.set(INT, 3L * m + i, w3);
      }
    }
    return i;
  }

  /** The inverse of {@link #shuffle}. */
  static void unshuffle(MemorySegment in, MemorySegment out, int len, int size) {
    int m = len / size;
    int i = size == 8 ? unshuffle8(in, out, m) : size == 4 ? unshuffle4(in, out, m) : 0;
    for (; i < m; i++)
      for (int k = 0; k < size; k++)
        out.set(ValueLayout.JAVA_BYTE, (long) i * size + k, in.get(ValueLayout.JAVA_BYTE, (long) k * m + i));
    long whole = (long) m * size;
    if (whole < len) MemorySegment.copy(in, whole, out, whole, len - whole);
  }

  private static int unshuffle8(MemorySegment in, MemorySegment out, int m) {
    int i = 0;
    {
      for (; i + 8 <= m; i += 8) {
        long w0 = in.get(LONG, i), w1 = in.get(LONG, (long) m + i), w2 = in.get(LONG, 2L * m + i),
            w3 = in.get(LONG, 3L * m + i);
        long w4 = in.get(LONG, 4L * m + i), w5 = in.get(LONG, 5L * m + i), w6 = in.get(LONG, 6L * m + i),
            w7 = in.get(LONG, 7L * m + i);
        long a, b;
        a = w0;
        b = w4;
        w0 = (a & 0xFFFFFFFFL) | (b << 32);
        w4 = (a >>> 32) | (b & 0xFFFFFFFF00000000L);
        a = w1;
        b = w5;
        w1 = (a & 0xFFFFFFFFL) | (b << 32);
        w5 = (a >>> 32) | (b & 0xFFFFFFFF00000000L);
        a = w2;
        b = w6;
        w2 = (a & 0xFFFFFFFFL) | (b << 32);
        w6 = (a >>> 32) | (b & 0xFFFFFFFF00000000L);
        a = w3;
        b = w7;
        w3 = (a & 0xFFFFFFFFL) | (b << 32);
        w7 = (a >>> 32) | (b & 0xFFFFFFFF00000000L);
        a = w0;
        b = w2;
        w0 = (a & 0x0000FFFF0000FFFFL) | ((b << 16) & 0xFFFF0000FFFF0000L);
        w2 = ((a >>> 16) & 0x0000FFFF0000FFFFL) | (b & 0xFFFF0000FFFF0000L);
        a = w1;
        b = w3;
        w1 = (a & 0x0000FFFF0000FFFFL) | ((b << 16) & 0xFFFF0000FFFF0000L);
        w3 = ((a >>> 16) & 0x0000FFFF0000FFFFL) | (b & 0xFFFF0000FFFF0000L);
        a = w4;
        b = w6;
        w4 = (a & 0x0000FFFF0000FFFFL) | ((b << 16) & 0xFFFF0000FFFF0000L);
        w6 = ((a >>> 16) & 0x0000FFFF0000FFFFL) | (b & 0xFFFF0000FFFF0000L);
        a = w5;
        b = w7;
        w5 = (a & 0x0000FFFF0000FFFFL) | ((b << 16) & 0xFFFF0000FFFF0000L);
        w7 = ((a >>> 16) & 0x0000FFFF0000FFFFL) | (b & 0xFFFF0000FFFF0000L);
        a = w0;
        b = w1;
        w0 = (a & 0x00FF00FF00FF00FFL) | ((b << 8) & 0xFF00FF00FF00FF00L);
        w1 = ((a >>> 8) & 0x00FF00FF00FF00FFL) | (b & 0xFF00FF00FF00FF00L);
        a = w2;
        b = w3;
        w2 = (a & 0x00FF00FF00FF00FFL) | ((b << 8) & 0xFF00FF00FF00FF00L);
        w3 = ((a >>> 8) & 0x00FF00FF00FF00FFL) | (b & 0xFF00FF00FF00FF00L);
        a = w4;
        b = w5;
        w4 = (a & 0x00FF00FF00FF00FFL) | ((b << 8) & 0xFF00FF00FF00FF00L);
        w5 = ((a >>> 8) & 0x00FF00FF00FF00FFL) | (b & 0xFF00FF00FF00FF00L);
        a = w6;
        b = w7;
        w6 = (a & 0x00FF00FF00FF00FFL) | ((b << 8) & 0xFF00FF00FF00FF00L);
        w7 = ((a >>> 8) & 0x00FF00FF00FF00FFL) | (b & 0xFF00FF00FF00FF00L);
        long base = (long) i * 8;
        out.set(LONG, base, w0);
        out.set(LONG, base + 8, w1);
        out.set(LONG, base + 16, w2);
        out.set(LONG, base + 24, w3);
        out.set(LONG, base + 32, w4);
        out.set(LONG, base + 40, w5);
        out.set(LONG, base + 48, w6);
        out.set(LONG, base + 56, w7);
      }
    }
    return i;
  }

  private static int unshuffle4(MemorySegment in, MemorySegment out, int m) {
    int i = 0;
    {
      for (; i + 4 <= m; i += 4) {
        int w0 = in.get(INT, i), w1 = in.get(INT, (long) m + i), w2 = in.get(INT, 2L * m + i),
            w3 = in.get(INT, 3L * m + i);
        int a, b;
        a = w0;
        b = w2;
        w0 = (a & 0x0000FFFF) | (b << 16);
        w2 = (a >>> 16) | (b & 0xFFFF0000);
        a = w1;
        b = w3;
        w1 = (a & 0x0000FFFF) | (b << 16);
        w3 = (a >>> 16) | (b & 0xFFFF0000);
        a = w0;
        b = w1;
        w0 = (a & 0x00FF00FF) | ((b << 8) & 0xFF00FF00);
        w1 = ((a >>> 8) & 0x00FF00FF) | (b & 0xFF00FF00);
        a = w2;
        b = w3;
        w2 = (a & 0x00FF00FF) | ((b << 8) & 0xFF00FF00);
        w3 = ((a >>> 8) & 0x00FF00FF) | (b & 0xFF00FF00);
        long base = (long) i * 4;
        out.set(INT, base, w0);
        out.set(INT, base + 4, w1);
        out.set(INT, base + 8, w2);
        out.set(INT, base + 12, w3);
      }
    }
    return i;
  }
}
