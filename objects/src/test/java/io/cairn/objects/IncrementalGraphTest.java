package io.cairn.objects;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.Checkpointer;
import io.cairn.testing.TestCheckpointers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Object graphs on an incremental level: an unchanged graph serialises to the same bytes, so its
 * blocks are hashed and referenced, not written again; large arrays sit before the small objects, so
 * a change among the small objects does not move them.
 */
class IncrementalGraphTest {
  @TempDir
  Path dir;

  static final class State {
    double[] big = new double[1 << 20]; // 8 MiB, out of the object stream
    Map<Integer, int[]> small = new HashMap<>();
    long step;
  }

  long stored() {
    try (Stream<Path> w = Files.walk(dir)) {
      return w.filter(Files::isRegularFile).mapToLong(p -> {
        try {
          return Files.size(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }).sum();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void unchangedGraphsAndUnchangedLargeArraysAreNotWrittenAgain() {
    State s = new State();
    for (int i = 0; i < s.big.length; i++) s.big[i] = Math.sin(i);
    for (int i = 0; i < 20_000; i++) s.small.put(i, new int[]{i, i * 2});
    try (Checkpointer c = TestCheckpointers.builder("inc", dir).set("level.local.incremental", "true")
        .set("incremental.full-every", "100").set("level.local.keep", "10").set("block-size", "256KiB").open()) {
      c.protect("state", s);
      long b0 = stored();
      c.checkpoint().await();
      long full = stored() - b0;
      assertThat(full).isGreaterThan(8L << 20);

      long b1 = stored();
      c.checkpoint().await();
      long unchanged = stored() - b1;

      s.step = 7;
      for (int i = 0; i < 20_000; i += 3) s.small.put(i, new int[]{-i});
      s.small.put(99_999, new int[100]);
      long b2 = stored();
      c.checkpoint().await();
      long smallChanged = stored() - b2;
      System.out.printf("IncrementalGraphTest: full %d bytes, unchanged %d, small objects changed %d%n", full,
          unchanged, smallChanged);
      assertThat(unchanged).as("an unchanged graph writes no block again").isLessThan(full / 100);
      assertThat(smallChanged).as("the large array is not written again when small objects change")
          .isLessThan(2L << 20);
    }
    State back = new State();
    try (Checkpointer c = TestCheckpointers.builder("inc", dir).set("level.local.incremental", "true").open()) {
      c.protect("state", back);
      c.restoreLatest();
    }
    assertThat(back.step).isEqualTo(7);
    assertThat(back.big).isEqualTo(s.big);
    assertThat(back.small).hasSize(s.small.size());
    assertThat(back.small.get(3)).containsExactly(-3);
    assertThat(back.small.get(4)).containsExactly(4, 8);
  }
}
