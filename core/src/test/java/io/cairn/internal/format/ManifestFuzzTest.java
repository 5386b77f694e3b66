package io.cairn.internal.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Seeded fuzzing of the manifest decoder: any damage is an IOException naming the file, never a crash or a silent success. */
class ManifestFuzzTest {
  static Manifest sample(Random r) {
    int blockSize = 1 << 16;
    List<RegionEntry> regions = new ArrayList<>();
    long nextOffset = PackFormat.HEADER;
    for (int i = 0; i < 1 + r.nextInt(5); i++) {
      Kind k = Kind.values()[r.nextInt(Kind.values().length)];
      long length = r.nextInt(6) == 0 ? 0 : 1 + r.nextInt(200_000);
      long bytes = length * k.elementSize;
      List<BlockRef> blocks = new ArrayList<>();
      for (long off = 0; off < bytes; off += blockSize) {
        int raw = (int) Math.min(blockSize, bytes - off);
        Codec c = Codec.values()[r.nextInt(3)];
        int stored = c == Codec.NONE ? raw : 1 + r.nextInt(raw);
        blocks.add(new BlockRef(1 + r.nextInt(10), nextOffset, stored, raw, c, r.nextInt(), r.nextLong()));
        nextOffset += PackFormat.CHUNK_HEADER + stored;
      }
      regions.add(new RegionEntry("region-" + i, k, length, bytes, blocks));
    }
    return new Manifest("run", 10, System.currentTimeMillis(), r.nextBoolean() ? -1 : 9, "1@host", "label", r.nextInt(),
        Map.of("k", "v"), blockSize, true, regions);
  }

  @Test
  void roundTrip() throws IOException {
    Random r = new Random(5);
    for (int i = 0; i < 200; i++) {
      Manifest m = sample(r);
      assertThat(Manifest.decode(m.encode(), "test")).isEqualTo(m);
    }
  }

  @Test
  void everyMutationIsRejectedAsCorrupt() {
    Random r = new Random(9);
    int trials = Boolean.getBoolean("cairn.soak") ? 200_000 : 20_000;
    for (int i = 0; i < trials; i++) {
      byte[] good = sample(r).encode();
      byte[] bad = good.clone();
      switch (r.nextInt(4)) {
        case 0 -> bad[r.nextInt(bad.length)] ^= (byte) (1 << r.nextInt(8));
        case 1 -> bad = java.util.Arrays.copyOf(bad, r.nextInt(bad.length));
        case 2 -> { for (int k = 0; k < 1 + r.nextInt(8); k++) bad[r.nextInt(bad.length)] = (byte) r.nextInt(); }
        default -> bad = java.util.Arrays.copyOf(bad, bad.length + 1 + r.nextInt(16));
      }
      if (java.util.Arrays.equals(bad, good)) continue;
      byte[] input = bad;
      assertThatThrownBy(() -> Manifest.decode(input, "m.bin")).isInstanceOf(IOException.class)
          .hasMessageContaining("m.bin");
    }
  }
}
