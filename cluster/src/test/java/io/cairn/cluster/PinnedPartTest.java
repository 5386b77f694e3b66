package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each rank keeps its part of the newest committed global version pinned (core retention never removes it), and only that one. */
class PinnedPartTest {
  @TempDir
  Path dir;

  private static void job(Path d, Protocol p, long upTo) throws Exception {
    InProcess.run(d, 2, p, rank -> {
      ParallelCheckpointer ck = rank.checkpointer();
      long[] step = {0};
      ck.protect("step", step);
      rank.run(() -> {
        long g = 0;
        while (step[0] < upTo) {
          step[0]++;
          g = ck.checkpoint(step[0]);
        }
        if (g > 0) ck.awaitCommitted(g);
      });
    });
  }

  /** The version directories holding a {@code pinned} mark for rank {@code k}'s run, per level. */
  private static List<String> pins(Path d, int k) throws IOException {
    try (Stream<Path> s = Files.walk(d)) {
      return s.filter(f -> f.getFileName().toString().equals("pinned"))
          .filter(f -> f.getParent().getParent().getFileName().toString().equals("r" + k + "of2"))
          .map(f -> f.getParent().getParent().getParent().getFileName() + "/" + f.getParent().getFileName()).sorted()
          .toList();
    }
  }

  @Test
  void theNewestCommittedPartIsPinnedAcrossCheckpointsAndRestarts() throws Exception {
    for (Protocol p : new Protocol[]{Protocol.BLOCKING, Protocol.CHANDY_LAMPORT}) {
      Path d = dir.resolve(p.id());
      for (long upTo : new long[]{7, 10}) { // the second run restores the newest global and goes on
        job(d, p, upTo);
        GlobalVersion last = GlobalVersion.list(d).getLast();
        assertThat(last.step()).isEqualTo(upTo);
        for (int k = 0; k < 2; k++) {
          String v = String.format("v%010d", last.versions().get(k));
          assertThat(pins(d, k)).as("%s, rank %d after step %d", p.id(), k, upTo).containsExactly("local/" + v,
              "persistent/" + v);
        }
      }
    }
  }
}
