package io.cairn.dl;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.Checkpointer;
import io.cairn.Metadata;
import io.cairn.dl.rng.Keys;
import io.cairn.dl.rng.Stream;
import io.cairn.testing.TestCheckpointers;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ZeRO-style sharded optimizer moments: W workers each save their shard; a run with W' restores. */
class ShardedArrayTest {
  static {
    org.assertj.core.api.Assertions.setMaxElementsForPrinting(16);
  }
  @TempDir
  Path dir;
  static final int N = 10_007;

  private Checkpointer open() {
    return TestCheckpointers.builder("sharded", dir).set("interval", "none").open();
  }

  private static float[] grad(int step) {
    Stream s = new Keys(3).stream("grad", 0, step, 0);
    float[] g = new float[N];
    for (int i = 0; i < N; i++) g[i] = (float) s.normal();
    return g;
  }

  /** Element-wise momentum update on each worker's shard, in parallel. */
  private static void step(ShardedArray m, float[] g, ExecutorService pool) throws Exception {
    List<Future<?>> fs = new java.util.ArrayList<>();
    for (int w = 0; w < m.workers(); w++) {
      int id = w;
      fs.add(pool.submit(() -> {
        float[] sh = m.shard(id);
        int o = m.start(id);
        for (int i = 0; i < sh.length; i++) sh[i] = 0.9f * sh[i] + 0.1f * g[o + i];
      }));
    }
    for (Future<?> f : fs) f.get();
  }

  @Test
  void restoreWithAnotherWorkerCountIsBitIdentical() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      // reference: unsharded
      float[] ref = new float[N];
      for (int s = 0; s < 10; s++) {
        float[] g = grad(s);
        for (int i = 0; i < N; i++) ref[i] = 0.9f * ref[i] + 0.1f * g[i];
      }
      // 4 workers to step 5, checkpoint
      ShardedArray m4 = new ShardedArray("opt.m", N, 4);
      try (Checkpointer ck = open()) {
        m4.protect(ck);
        for (int s = 0; s < 5; s++) step(m4, grad(s), pool);
        ck.checkpoint(m4.annotate(Metadata.create().step(5)));
      }
      for (int w : new int[]{1, 3, 7}) {
        try (Checkpointer ck = open()) {
          ShardedArray mw = ShardedArray.restoreResharded(ck, List.of("opt.m"), w).orElseThrow().getFirst();
          assertThat(mw.workers()).isEqualTo(w);
          for (int s = 5; s < 10; s++) step(mw, grad(s), pool);
          assertThat(mw.gather()).as("restored into %d workers", w).isEqualTo(ref);
        }
      }
      // the new layout is what later checkpoints hold
      try (Checkpointer ck = open()) {
        ShardedArray m2 = ShardedArray.restoreResharded(ck, List.of("opt.m"), 2).orElseThrow().getFirst();
        ck.checkpoint(m2.annotate(Metadata.create().step(5)));
        assertThat(ck.versions().getLast().metadata()).containsEntry("dl.shards.opt.m", "2:" + N);
      }
      try (Checkpointer ck = open()) {
        ShardedArray m5 = ShardedArray.restoreResharded(ck, List.of("opt.m"), 5).orElseThrow().getFirst();
        for (int s = 5; s < 10; s++) step(m5, grad(s), pool);
        assertThat(m5.gather()).isEqualTo(ref);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
