package io.cairn.dl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.Checkpointer;
import io.cairn.Metadata;
import io.cairn.Version;
import io.cairn.dl.embed.DifferentialCheckpoint;
import io.cairn.dl.embed.EmbeddingTable;
import io.cairn.dl.rng.Keys;
import io.cairn.dl.rng.Stream;
import io.cairn.dl.train.Trainer;
import io.cairn.testing.TestCheckpointers;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DifferentialCheckpointTest {
  static {
    org.assertj.core.api.Assertions.setMaxElementsForPrinting(16);
  }
  @TempDir
  Path dir;

  static final int ROWS = 20_000, DIM = 16;

  private static Checkpointer open(Path d, String name) {
    return TestCheckpointers.builder(name, d).set("level.local.keep", "3").set("interval", "none").open();
  }

  /** Sparse training-like updates: each step touches 64 random rows. */
  private static void steps(EmbeddingTable t, int from, int to) {
    Keys k = new Keys(5);
    float[] g = new float[DIM];
    for (int s = from; s < to; s++) {
      Stream st = k.stream("ids", 0, s, 0);
      for (int i = 0; i < 64; i++) {
        int r = st.nextInt(ROWS);
        for (int j = 0; j < DIM; j++) g[j] = (float) st.normal();
        t.update(r, g, 0.01f);
      }
    }
  }

  private static float[] run(Path d, DifferentialCheckpoint.Encoding enc, int crashAfter, List<Long> deltaBytes) {
    EmbeddingTable t = new EmbeddingTable(ROWS, DIM).init(new Keys(1), 0.1);
    try (Checkpointer main = open(d, "main"); Checkpointer base = open(d, "emb-base")) {
      DifferentialCheckpoint dc = new DifferentialCheckpoint(t, base, enc, 0.3);
      main.protect("emb", dc);
      for (int c = 0; c < crashAfter; c++) {
        steps(t, c * 10, c * 10 + 10);
        Version v = main.checkpoint(Metadata.create().step(c)).await();
        if (deltaBytes != null) deltaBytes.add(v.bytes());
      }
      return t.data().clone();
    }
  }

  private static float[] restore(Path d, DifferentialCheckpoint.Encoding enc) {
    EmbeddingTable t = new EmbeddingTable(ROWS, DIM); // zeros: everything must come from the checkpoints
    try (Checkpointer main = open(d, "main"); Checkpointer base = open(d, "emb-base")) {
      DifferentialCheckpoint dc = new DifferentialCheckpoint(t, base, enc, 0.3);
      main.protect("emb", dc);
      assertThat(main.restoreLatest()).isPresent();
      dc.applyAfterRestore();
      return t.data().clone();
    }
  }

  @Test
  void exactDeltasAreSmallAndRestoreBitIdentical() {
    List<Long> sizes = new java.util.ArrayList<>();
    float[] saved = run(dir.resolve("x"), DifferentialCheckpoint.Encoding.EXACT, 6, sizes);
    assertThat(restore(dir.resolve("x"), DifferentialCheckpoint.Encoding.EXACT)).isEqualTo(saved);
    long full = 4L * ROWS * DIM;
    // first checkpoint writes the base (delta empty); later deltas hold <= 640 rows of 64 bytes each
    for (long b : sizes) assertThat(b).isLessThan(full / 5);
    assertThat(sizes.getLast()).isGreaterThan(sizes.getFirst());
  }

  @Test
  void quantizedIsSmallerButLossyAndMarkedSo() {
    float[] saved = run(dir.resolve("q"), DifferentialCheckpoint.Encoding.QUANTIZED_8BIT, 4, null);
    float[] back = restore(dir.resolve("q"), DifferentialCheckpoint.Encoding.QUANTIZED_8BIT);
    assertThat(back).isNotEqualTo(saved);
    for (int r = 0; r < ROWS; r++) {
      float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;
      for (int j = 0; j < DIM; j++) { lo = Math.min(lo, saved[r * DIM + j]); hi = Math.max(hi, saved[r * DIM + j]); }
      float tol = (hi - lo) / 255f * 0.5f + 1e-6f;
      for (int j = 0; j < DIM; j++)
        assertThat(Math.abs(back[r * DIM + j] - saved[r * DIM + j])).isLessThanOrEqualTo(tol);
    }
    try (Checkpointer base = open(dir.resolve("q"), "emb-base")) {
      assertThat(base.versions().getLast().label()).contains("LOSSY");
      // 16 one-byte values + a float min and step per row, against 16 floats: 24/64 of the size
      assertThat(base.versions().getLast().bytes()).isLessThan((long) (0.4 * 4 * ROWS * DIM));
    }
    // never in a faithful-replay training state
    try (Trainer t = DemoRun.trainer(new DemoRun.Options()); Checkpointer b = open(dir.resolve("q2"), "b")) {
      DifferentialCheckpoint lossy = new DifferentialCheckpoint(new EmbeddingTable(10, 4), b,
          DifferentialCheckpoint.Encoding.QUANTIZED_8BIT, 0.5);
      assertThatThrownBy(() -> TrainingState.of(t).extra("emb", lossy, TrainingState.Role.REPLAY))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("LOSSY");
    }
  }
}
