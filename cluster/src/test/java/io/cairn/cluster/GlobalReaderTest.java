package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A committed global checkpoint read back whole, in one process, from outside the job. */
class GlobalReaderTest {
  @TempDir
  Path dir;

  static final int N = 1_001;

  @Test
  void readsDistributedArraysWholeAndReplicatedRegionsFromRankZero() throws Exception {
    InProcess.run(dir, 3, Protocol.BLOCKING, rank -> {
      Comm c = rank.comm();
      DistributedArray u = DistributedArray.create(c, "u", N);
      DistributedFloatArray w = DistributedFloatArray.create(c, "w", N - 1, 10);
      long[] step = {0};
      ParallelCheckpointer ck = rank.checkpointer().configuration("reader test");
      ck.protect(u).protect(w).protect("step", step);
      rank.run(() -> {
        for (long s = step[0] + 1; s <= 2; s++) {
          for (int i = 0; i < u.local().length; i++) u.local()[i] = (u.lo() + i) * 1.5 + s;
          for (int i = 0; i < w.local().length; i++) w.local()[i] = -(w.lo() + i) - s;
          step[0] = s;
          ck.checkpoint(s);
        }
      });
    });
    try (GlobalReader g = GlobalReader.open(dir, 0, Map.of())) {
      assertThat(g.version().step()).isEqualTo(2);
      assertThat(g.version().ranks()).isEqualTo(3);
      assertThat(g.metadata()).containsEntry("cairn.configuration", "reader test");
      assertThat(g.regions()).contains("darray.u", "darray.w", "step");
      double[] u = g.doubles("u");
      float[] w = g.floats("w");
      for (int i = 0; i < N; i++) assertThat(u[i]).isEqualTo(i * 1.5 + 2);
      for (int i = 0; i < N - 1; i++) assertThat(w[i]).isEqualTo(-i - 2f);
      long[] step = new long[1];
      g.read("step", step);
      assertThat(step[0]).isEqualTo(2);
      assertThatThrownBy(() -> g.floats("u")).hasMessageContaining("holds doubles");
      assertThatThrownBy(() -> g.doubles("nope")).hasMessageContaining("no region 'darray.nope'");
      assertThatThrownBy(() -> g.read("step", new long[2])).hasMessageContaining("length");
    }
    long older = GlobalVersion.list(dir).stream().filter(v -> v.step() == 1).findFirst().orElseThrow().number();
    try (GlobalReader g = GlobalReader.open(dir, older, Map.of())) {
      assertThat(g.doubles("u")[N - 1]).isEqualTo((N - 1) * 1.5 + 1);
    }
    assertThatThrownBy(() -> GlobalReader.open(dir, 99, Map.of()))
        .hasMessageContaining("global version 99 is not committed");
    assertThatThrownBy(() -> GlobalReader.open(dir.resolve("empty"), 0, Map.of()))
        .hasMessageContaining("no committed global checkpoint");
  }
}
