package io.cairn;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.testing.TestCheckpointers;
import io.cairn.internal.engine.LevelStore;
import io.cairn.internal.format.BlockRef;
import io.cairn.internal.format.Manifest;
import io.cairn.internal.format.RegionEntry;
import io.cairn.internal.store.DirectoryStorage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded property test: random change patterns, codecs, retention, sync and async mode. Every kept
 * version restores bit-identically, pruning never removes a block a kept version needs, and an
 * incremental version writes only the changed blocks.
 */
class IncrementalPropertyTest {
  @TempDir
  Path dir;

  @Test
  void randomHistoriesRestoreEveryKeptVersionBitIdentically() throws Exception {
    int seeds = Boolean.getBoolean("cairn.soak") ? 60 : 12;
    for (int seed = 0; seed < seeds; seed++) {
      Random r = new Random(seed);
      String codec = List.of("none", "lz4", "zstd", "lz4+shuffle", "zstd+shuffle").get(r.nextInt(5));
      int keep = 1 + r.nextInt(4);
      int fullEvery = 2 + r.nextInt(5);
      boolean async = r.nextBoolean();
      Path d = dir.resolve("s" + seed);
      Checkpointer.Builder b = TestCheckpointers.smallChunks("p", d, "local").set("level.local.codec", codec)
          .set("level.local.incremental", "true").set("level.local.keep", "" + keep)
          .set("incremental.full-every", "" + fullEvery)
          .async(async);
      double[] smooth = new double[20_000];
      long[] rnd = new long[9_000];
      byte[] zeros = new byte[50_000];
      Map<Long, double[]> smoothAt = new HashMap<>();
      Map<Long, long[]> rndAt = new HashMap<>();
      try (Checkpointer c = b.open()) {
        c.protect("smooth", smooth).protect("rnd", rnd).protect("zeros", zeros);
        int versions = 6 + r.nextInt(10);
        List<Checkpoint> pending = new ArrayList<>();
        for (int k = 0; k < versions; k++) {
          double frac = List.of(0.0, 0.05, 0.3, 1.0).get(r.nextInt(4));
          for (int i = 0; i < smooth.length; i++) if (r.nextDouble() < frac / 8) smooth[i] = Math.sin(i * 0.001 + k);
          for (int i = 0; i < rnd.length; i++) if (r.nextDouble() < frac / 8) rnd[i] = r.nextLong();
          Checkpoint cp = c.checkpoint(Metadata.create().step(k));
          smoothAt.put(cp.version(), smooth.clone());
          rndAt.put(cp.version(), rnd.clone());
          pending.add(cp);
          if (r.nextInt(4) == 0) cp.await();
        }
        for (Checkpoint cp : pending) cp.await();
      }
      try (Checkpointer c = b.open()) {
        double[] s2 = new double[smooth.length];
        long[] r2 = new long[rnd.length];
        c.protect("smooth", s2).protect("rnd", r2).protect("zeros", new byte[zeros.length]);
        List<Version> kept = c.versions();
        assertThat(kept).as("seed %d keeps %d", seed, keep).hasSize(keep);
        for (Version v : kept) {
          c.restore(v.number());
          assertThat(s2).as("seed %d version %d codec %s", seed, v.number(), codec).isEqualTo(smoothAt.get(v.number()));
          assertThat(r2).isEqualTo(rndAt.get(v.number()));
        }
      }
    }
  }

  @Test
  void fivePercentChangeWritesAboutFivePercent() throws Exception {
    Path d = dir.resolve("inc");
    Checkpointer.Builder b = TestCheckpointers.builder("i", d, "local").set("level.local.incremental", "true")
        .set("level.local.keep", "5").set("block-size", "64KiB");
    long[] s = new long[(16 << 20) / 8]; // 16 MiB, 256 blocks
    Random r = new Random(3);
    for (int i = 0; i < s.length; i++) s[i] = r.nextLong();
    try (Checkpointer c = b.open()) {
      c.protect("s", s);
      c.checkpoint().await();
      int blocks = s.length * 8 / (64 << 10);
      int changed = blocks * 5 / 100;
      for (int k = 0; k < changed; k++) s[(k * 20 + 3) * (64 << 10) / 8] ^= 1;
      c.checkpoint().await();
    }
    LevelStore ls = new LevelStore(new io.cairn.internal.Settings().levels(d).get(0),
        new DirectoryStorage(d.resolve("local/i")), 8);
    Manifest full = ls.readManifest(1), inc = ls.readManifest(2);
    assertThat(inc.parent()).isEqualTo(1);
    double ratio = (double) inc.ownBytes() / full.ownBytes();
    assertThat(ratio).isLessThanOrEqualTo(0.07).isGreaterThan(0.03);
    // every block of version 2 is either its own or the same block of version 1
    RegionEntry r2 = inc.regions().getFirst();
    for (int i = 0; i < r2.blocks().size(); i++) {
      BlockRef br = r2.blocks().get(i);
      if (br.pack() == 1) assertThat(br).isEqualTo(full.regions().getFirst().blocks().get(i));
    }
  }
}
