package io.cairn.internal.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ByteShuffleTest {
  /** The definition, one byte at a time. */
  static byte[] reference(byte[] in, int size) {
    byte[] out = new byte[in.length];
    int m = in.length / size;
    for (int i = 0; i < m; i++) for (int k = 0; k < size; k++) out[k * m + i] = in[i * size + k];
    System.arraycopy(in, m * size, out, m * size, in.length - m * size);
    return out;
  }

  @Test
  void fastPathsMatchTheDefinitionAndInvert() {
    Random r = new Random(7);
    for (int size : new int[]{2, 3, 4, 8, 16}) {
      for (int len : new int[]{0, 1, 7, 8, 63, 64, 65, 100, 4096, 4099, 12_345}) {
        byte[] in = new byte[len];
        r.nextBytes(in);
        byte[] out = new byte[len], back = new byte[len];
        ByteShuffle.shuffle(MemorySegment.ofArray(in), MemorySegment.ofArray(out), len, size);
        assertThat(out).as("size %d len %d", size, len).isEqualTo(reference(in, size));
        ByteShuffle.unshuffle(MemorySegment.ofArray(out), MemorySegment.ofArray(back), len, size);
        assertThat(back).as("size %d len %d", size, len).isEqualTo(in);
      }
    }
  }

  @Test
  void asATransformOnDirectBuffers() throws Exception {
    ChunkTransform t = ChunkTransforms.SHUFFLE;
    assertThat(t.param(8)).isEqualTo(8);
    assertThat(t.param(1)).isEqualTo(-1);
    ByteBuffer src = ByteBuffer.allocateDirect(8000), mid = ByteBuffer.allocateDirect(8000),
        back = ByteBuffer.allocateDirect(8000);
    for (int i = 0; i < 1000; i++) src.putDouble(Math.sin(i * 0.01));
    src.flip();
    assertThat(t.encode(src.duplicate(), mid, 8)).isEqualTo(8000);
    t.decode(mid, 8000, back, 8000, 8);
    assertThat(back.limit(8000)).isEqualTo(src);
  }

  @Test
  void transformListsEncodeAndDescribe() throws Exception {
    int t = ChunkTransforms.push(0, ChunkTransforms.SHUFFLE, 8);
    t = ChunkTransforms.push(t, ChunkTransforms.ZSTD, 0);
    assertThat(ChunkTransforms.count(t)).isEqualTo(2);
    assertThat(ChunkTransforms.describe(t)).isEqualTo("zstd+shuffle8");
    assertThat(t).isEqualTo(0x02000308);
    assertThat(ChunkTransforms.describe(Codec.LZ4.id << 24)).isEqualTo("lz4"); // a version-1 codec byte
  }
}
