package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cluster.examples.Bank;
import io.cairn.cluster.internal.GlobalManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Chandy-Lamport job that ends right after a checkpoint (the bank's step 400 of 400): {@code checkpoint} returns
 * before the commit, and the job must not be declared finished before it (without the wait at the end of a rank's
 * body, the last global committed was the one of step 380, in every run).
 */
class JobEndTest {
  @TempDir
  Path dir;

  @Test
  void theLastGlobalOfAChandyLamportJobIsCommitted() throws Exception {
    int runs = Boolean.getBoolean("cairn.soak") ? 6 : 1;
    for (int t = 0; t < runs; t++) {
      Path d = dir.resolve("t" + t);
      try (Launcher.Job job = Jobs.builder(d, 4, "io.cairn.cluster.examples.Bank", "--steps", "400", "--every", "20")
          .protocol(Protocol.CHANDY_LAMPORT).nodes(2).start()) {
        assertThat(Jobs.await(job, Duration.ofSeconds(120))).as(Jobs.logs(d)).isZero();
      }
      assertThat(Files.readString(d.resolve("bank-result.txt")).trim()).isEqualTo("" + 4 * Bank.START);
      assertThat(GlobalManifest.read(d).getLast().step()).as("run %d: the global of the job's last step", t)
          .isEqualTo(400);
      assertThat(Jobs.logs(d)).doesNotContain("ABANDONING");
    }
  }
}
