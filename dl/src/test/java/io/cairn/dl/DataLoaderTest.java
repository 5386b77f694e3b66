package io.cairn.dl;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.Checkpointer;
import io.cairn.dl.data.DataLoader;
import io.cairn.dl.data.SyntheticImages;
import io.cairn.testing.TestCheckpointers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataLoaderTest {
  @TempDir
  Path dir;
  final SyntheticImages data = new SyntheticImages(100, 8, 1, 0.2);

  private static List<String> take(DataLoader l, int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      DataLoader.Batch b = l.next();
      out.add(b.epoch() + "/" + b.index() + Arrays.toString(b.samples()) + Arrays.hashCode(b.inputs()[0]));
    }
    return out;
  }

  @Test
  void prefetchChangesNothingAndEveryEpochIsAPermutation() {
    try (DataLoader a = new DataLoader(data, 10, 5, 0, 0.1); DataLoader b = new DataLoader(data, 10, 5, 3, 0.1)) {
      assertThat(take(b, 35)).isEqualTo(take(a, 35));
    }
    try (DataLoader l = new DataLoader(data, 10, 5, 2, 0)) {
      for (int e = 0; e < 3; e++) {
        boolean[] seen = new boolean[100];
        for (int i = 0; i < 10; i++) for (int s : l.next().samples()) { assertThat(seen[s]).isFalse(); seen[s] = true; }
        for (boolean s : seen) assertThat(s).isTrue();
      }
    }
  }

  @Test
  void savedPositionResumesWithoutRepeatingOrSkipping() {
    List<String> ref;
    try (DataLoader l = new DataLoader(data, 10, 5, 3, 0.1)) {
      ref = take(l, 30);
    }
    try (Checkpointer ck = TestCheckpointers.builder("loader", dir).set("interval", "none").open();
        DataLoader l = new DataLoader(data, 10, 5, 3, 0.1)) {
      ck.protect("loader", l);
      assertThat(take(l, 13)).isEqualTo(ref.subList(0, 13));
      ck.checkpoint();
      take(l, 5); // lost work, with batches prefetched beyond it
    }
    try (Checkpointer ck = TestCheckpointers.builder("loader", dir).set("interval", "none").open();
        DataLoader l = new DataLoader(data, 10, 5, 3, 0.1)) {
      ck.protect("loader", l);
      assertThat(ck.restoreLatest()).isPresent();
      assertThat(take(l, 17)).isEqualTo(ref.subList(13, 30));
    }
  }

  @Test
  void beforeLastBatchResumesAtTheBatchInFlight() {
    List<String> ref;
    try (DataLoader l = new DataLoader(data, 10, 5, 0, 0)) {
      ref = take(l, 12);
    }
    try (Checkpointer ck = TestCheckpointers.builder("inflight", dir).set("interval", "none").open();
        DataLoader l = new DataLoader(data, 10, 5, 0, 0)) {
      ck.protect("loader", l.beforeLastBatch());
      take(l, 7); // the 7th batch is drawn, its update not applied: checkpoint "between draw and update"
      ck.checkpoint();
    }
    try (Checkpointer ck = TestCheckpointers.builder("inflight", dir).set("interval", "none").open();
        DataLoader l = new DataLoader(data, 10, 5, 0, 0)) {
      ck.protect("loader", l.beforeLastBatch());
      assertThat(ck.restoreLatest()).isPresent();
      assertThat(take(l, 6)).isEqualTo(ref.subList(6, 12));
    }
  }
}
