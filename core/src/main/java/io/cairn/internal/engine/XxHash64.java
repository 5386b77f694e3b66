package io.cairn.internal.engine;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * xxHash64 (seed 0 in Cairn's chunks) over a {@link MemorySegment}, on the heap or off it, without first
 * copying a {@code double[]} or {@code long[]} into a direct buffer (lz4-java's {@code XXHash64} takes
 * only a direct buffer or a {@code byte[]}). It calls the native {@code XXH64} that lz4-java's own
 * library exports, through a critical FFM downcall that may read heap arrays in place; where that
 * library or symbol is absent, the same algorithm in Java (about 5x slower). Used for change
 * detection: an unchanged block is read once and never copied.
 */
final class XxHash64 {
  private XxHash64() {}

  private static final long P1 = 0x9E3779B185EBCA87L, P2 = 0xC2B2AE3D27D4EB4FL, P3 = 0x165667B19E3779F9L,
      P4 = 0x85EBCA77C2B2AE63L, P5 = 0x27D4EB2F165667C5L;
  private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  /** {@code XXH64(const void*, size_t, unsigned long long)} of liblz4-java, or null. */
  private static final java.lang.invoke.MethodHandle NATIVE = lookup();

  private static java.lang.invoke.MethodHandle lookup() {
    try {
      LevelStore.XXH.hash(java.nio.ByteBuffer.allocateDirect(1), 0, 1, 0); // lz4-java has loaded its library
      var sym = java.lang.foreign.SymbolLookup.loaderLookup().find("XXH64");
      if (sym.isEmpty()) return null;
      return java.lang.foreign.Linker.nativeLinker().downcallHandle(sym.get(),
          java.lang.foreign.FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
              ValueLayout.JAVA_LONG),
          java.lang.foreign.Linker.Option.critical(true));
    } catch (RuntimeException | LinkageError e) {
      return null;
    }
  }

  /** Whether the native function is used. */
  static boolean isNative() { return NATIVE != null; }

  static long hash(MemorySegment s, long off, long len, long seed) {
    if (NATIVE != null && len > 0) {
      try {
        return (long) NATIVE.invokeExact(s.asSlice(off, len), len, seed);
      } catch (Throwable e) {
        throw new IllegalStateException("XXH64 native call failed", e);
      }
    }
    return java(s, off, len, seed);
  }

  /** The algorithm in Java (the fallback). */
  static long java(MemorySegment s, long off, long len, long seed) {
    long end = off + len;
    long h;
    if (len >= 32) {
      long v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
      long limit = end - 32;
      do {
        v1 = round(v1, s.get(LONG, off));
        v2 = round(v2, s.get(LONG, off + 8));
        v3 = round(v3, s.get(LONG, off + 16));
        v4 = round(v4, s.get(LONG, off + 24));
        off += 32;
      } while (off <= limit);
      h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
      h = merge(h, v1);
      h = merge(h, v2);
      h = merge(h, v3);
      h = merge(h, v4);
    } else {
      h = seed + P5;
    }
    h += len;
    while (off + 8 <= end) {
      h ^= round(0, s.get(LONG, off));
      h = Long.rotateLeft(h, 27) * P1 + P4;
      off += 8;
    }
    if (off + 4 <= end) {
      h ^= (s.get(INT, off) & 0xFFFFFFFFL) * P1;
      h = Long.rotateLeft(h, 23) * P2 + P3;
      off += 4;
    }
    while (off < end) {
      h ^= (s.get(ValueLayout.JAVA_BYTE, off) & 0xFF) * P5;
      h = Long.rotateLeft(h, 11) * P1;
      off++;
    }
    h ^= h >>> 33;
    h *= P2;
    h ^= h >>> 29;
    h *= P3;
    h ^= h >>> 32;
    return h;
  }

  private static long round(long acc, long input) {
    acc += input * P2;
    acc = Long.rotateLeft(acc, 31);
    return acc * P1;
  }

  private static long merge(long acc, long val) {
    acc ^= round(0, val);
    return acc * P1 + P4;
  }
}
