package io.cairn.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class XxHash64Test {
  @Test
  void sameValuesAsLz4JavasXxHash64OnHeapAndOffHeap() {
    Random r = new Random(3);
    for (int len : new int[]{0, 1, 3, 4, 7, 8, 15, 31, 32, 33, 63, 64, 100, 1000, 4096, 65_537}) {
      byte[] b = new byte[len];
      r.nextBytes(b);
      ByteBuffer direct = ByteBuffer.allocateDirect(Math.max(1, len));
      direct.put(b).flip();
      long want = LevelStore.XXH.hash(direct, 0, len, 0);
      assertThat(XxHash64.hash(MemorySegment.ofArray(b), 0, len, 0)).as("len %d", len).isEqualTo(want);
      assertThat(XxHash64.hash(MemorySegment.ofBuffer(direct), 0, len, 0)).isEqualTo(want);
      assertThat(XxHash64.java(MemorySegment.ofArray(b), 0, len, 0)).as("java, len %d", len).isEqualTo(want);
    }
    double[] d = new double[1001];
    for (int i = 0; i < d.length; i++) d[i] = r.nextGaussian();
    MemorySegment heap = MemorySegment.ofArray(d);
    ByteBuffer copy = ByteBuffer.allocateDirect(8008);
    MemorySegment.copy(heap, 0, MemorySegment.ofBuffer(copy), 0, 8008);
    assertThat(XxHash64.hash(heap, 8, 8000, 0)).isEqualTo(LevelStore.XXH.hash(copy, 8, 8000, 0));
    assertThat(XxHash64.isNative()).as("lz4-java's XXH64 found through FFM").isTrue();
  }
}
