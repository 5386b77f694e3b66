package io.cairn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.internal.engine.LevelStore;
import io.cairn.internal.format.BlockRef;
import io.cairn.internal.format.Manifest;
import io.cairn.internal.format.RegionEntry;
import io.cairn.internal.store.DirectoryStorage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code codec = lz4+shuffle / zstd+shuffle}: recorded per chunk, undone on read, refused when unknown. */
class ShuffleTest {
  @TempDir
  Path dir;

  Checkpointer.Builder builder(String codec) {
    return Cairn.builder().name("sh").directory(dir.resolve(codec)).levels("local").set("level.local.codec", codec)
        .set("block-size", "64KiB").set("signals", "false").environment(Map.of());
  }

  static double[] heat(int n) {
    double[] d = new double[n];
    for (int i = 0; i < n; i++) d[i] = 300 + 40 * Math.sin(i * 1e-4) * Math.cos(i * 3e-6) + 1e-3 * Math.sin(i * 0.37);
    return d;
  }

  long storedBytes(String codec, double[] data, float[] floats, int[] ints, byte[] text) throws Exception {
    try (Checkpointer c = builder(codec).open()) {
      c.protect("d", data).protect("f", floats).protect("i", ints).protect("t", text);
      long v = c.checkpoint().version();
      Path pack = dir.resolve(codec).resolve("local/sh").resolve(LevelStore.dir(v)).resolve("data.pack");
      long size = Files.size(pack);
      for (String n : List.of("d", "f", "i", "t")) c.unprotect(n);
      double[] d2 = new double[data.length];
      float[] f2 = new float[floats.length];
      int[] i2 = new int[ints.length];
      byte[] t2 = new byte[text.length];
      c.protect("d", d2).protect("f", f2).protect("i", i2).protect("t", t2);
      c.restore(v);
      assertThat(d2).as(codec).isEqualTo(data);
      assertThat(f2).as(codec).isEqualTo(floats);
      assertThat(i2).as(codec).isEqualTo(ints);
      assertThat(t2).as(codec).isEqualTo(text);
      return size;
    }
  }

  @Test
  void shuffledLevelsRoundTripAndCompressSmoothDoublesBetter() throws Exception {
    double[] d = heat(200_003); // an odd length: the last chunk ends with a partial element run
    float[] f = new float[50_001];
    for (int i = 0; i < f.length; i++) f[i] = (float) (20 + Math.sin(i * 1e-3));
    int[] ints = new int[30_000];
    Random r = new Random(1);
    for (int i = 0; i < ints.length; i++) ints[i] = i * 3 + r.nextInt(4);
    byte[] text = "a line of text for the byte region\n".repeat(2000).getBytes();
    long lz4 = storedBytes("lz4", d, f, ints, text), lz4s = storedBytes("lz4+shuffle", d, f, ints, text);
    long zstd = storedBytes("zstd", d, f, ints, text), zstds = storedBytes("zstd+shuffle", d, f, ints, text);
    assertThat(lz4s).isLessThan(lz4 * 9 / 10);
    assertThat(zstds).isLessThan(zstd * 9 / 10);
  }

  @Test
  void inspectNamesTheTransforms() throws Exception {
    try (Checkpointer c = builder("zstd+shuffle").open()) {
      c.protect("d", heat(20_000)).protect("t", new byte[10_000]);
      long v = c.checkpoint().version();
      LevelStore ls = new LevelStore(new io.cairn.internal.Settings.LevelSpec("local", "local", null, 2, 1,
          io.cairn.internal.format.Codec.NONE, false), new DirectoryStorage(dir.resolve("zstd+shuffle/local/sh")), 1);
      Manifest m = ls.readManifest(v);
      assertThat(m.regions().get(0).blocks().getFirst().describeTransforms()).isEqualTo("zstd+shuffle8");
      assertThat(m.regions().get(1).blocks().getFirst().describeTransforms()).isEqualTo("zstd"); // bytes: no shuffle
    }
  }

  @Test
  void configurationRefusesAShuffleWithoutCodec() {
    assertThatThrownBy(() -> builder("none+shuffle").open()).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("level.local.codec").hasMessageContaining("lz4+shuffle or zstd+shuffle");
    assertThatThrownBy(() -> builder("gzip").open())
        .hasMessageContaining("expected none, lz4, zstd, lz4+shuffle or zstd+shuffle");
  }

  @Test
  void anUnknownTransformIdIsRefusedNamingFileAndChunk() throws Exception {
    double[] d = heat(30_000);
    long v;
    try (Checkpointer c = builder("lz4").open()) {
      c.protect("d", d);
      v = c.checkpoint().version();
      c.checkpoint();
    }
    Path mf = dir.resolve("lz4/local/sh").resolve(LevelStore.dir(v)).resolve("manifest");
    Manifest m = Manifest.decode(Files.readAllBytes(mf), mf.toString());
    List<RegionEntry> regions = new ArrayList<>();
    for (RegionEntry r : m.regions()) {
      List<BlockRef> bs = new ArrayList<>(r.blocks());
      BlockRef b = bs.get(1);
      bs.set(1, new BlockRef(b.pack(), b.offset(), b.storedLen(), b.rawLen(), 0x09000000 | b.transforms() >>> 16,
          b.storedCrc(), b.rawHash()));
      regions.add(new RegionEntry(r.name(), r.kind(), r.length(), r.byteLength(), bs));
    }
    byte[] bad = new Manifest(m.run(), m.version(), m.createdMillis(), m.parent(), m.writer(), m.label(), m.step(),
        m.metadata(), m.blockSize(),
        m.littleEndian(), regions).encode();
    assertThatThrownBy(() -> Manifest.decode(bad, mf.toString()))
        .isInstanceOf(Manifest.UnsupportedFormatException.class)
        .hasMessageContaining(mf.toString()).hasMessageContaining("region 'd' chunk 1")
        .hasMessageContaining("transform id 9")
        .hasMessageContaining("1 lz4, 2 zstd, 3 shuffle");
    Files.write(mf, bad);
    try (Checkpointer c = builder("lz4").open()) {
      double[] back = new double[d.length];
      c.protect("d", back);
      assertThatThrownBy(() -> c.restore(v)).hasMessageContaining("transform id 9");
    }
  }
}
