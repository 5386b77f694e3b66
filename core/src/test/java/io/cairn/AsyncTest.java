package io.cairn;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.testing.TestCheckpointers;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The asynchronous pipeline: staging copy, bounded staging memory (block / skip), callbacks, drain on close. */
class AsyncTest {
  @TempDir
  Path dir;

  /** A store whose writes wait for a gate: the background flush stays in flight until the test opens it. */
  static final class GatedStorage extends FaultTest.FullDisk {
    final CountDownLatch gate = new CountDownLatch(1);
    GatedStorage(Path root) { super(root, Long.MAX_VALUE / 2); }
    @Override
    public Output create(String name) throws IOException {
      try {
        gate.await();
      } catch (InterruptedException e) {
        throw new IOException(e);
      }
      return super.create(name);
    }
  }

  Checkpointer.Builder builder(GatedStorage st, String whenFull) {
    return TestCheckpointers.builder("a", dir, "local").async(true).set("level.local.keep", "10")
        .set("async.staging-limit", "100KiB").set("async.when-full", whenFull)
        .storage(spec -> st);
  }

  @Test
  void stateChangedAfterCaptureDoesNotLeakIntoTheVersion() throws Exception {
    GatedStorage st = new GatedStorage(dir.resolve("local/a"));
    long[] s = new long[8000];
    try (Checkpointer c = builder(st, "block").open()) {
      c.protect("s", s);
      Arrays.fill(s, 1);
      Checkpoint cp = c.checkpoint();
      Arrays.fill(s, 2); // the program goes on while version 1 is still being written
      assertThat(cp.isDone()).isFalse();
      CountDownLatch called = new CountDownLatch(1);
      cp.committed().thenAccept(v -> called.countDown());
      st.gate.countDown();
      assertThat(cp.await(Duration.ofSeconds(30)).number()).isEqualTo(1);
      assertThat(called.await(10, TimeUnit.SECONDS)).isTrue();
      c.restore(1);
      assertThat(s).containsOnly(1L);
    }
  }

  @Test
  void fullStagingSkipsAndSaysSo() throws Exception {
    GatedStorage st = new GatedStorage(dir.resolve("local/a"));
    long[] s = new long[8000]; // 64 KB: one fits in 100 KiB of staging, two do not
    try (Checkpointer c = builder(st, "skip").open()) {
      c.protect("s", s);
      Checkpoint first = c.checkpoint();
      Checkpoint second = c.checkpoint();
      assertThat(second.skipped()).isTrue();
      assertThat(second.committed()).isCompletedExceptionally();
      st.gate.countDown();
      first.await();
      Checkpoint third = c.checkpoint();
      assertThat(third.skipped()).isFalse();
      assertThat(third.await().number()).isEqualTo(2);
    }
  }

  @Test
  void fullStagingBlocksUntilAFlushEnds() throws Exception {
    GatedStorage st = new GatedStorage(dir.resolve("local/a"));
    long[] s = new long[8000];
    try (Checkpointer c = builder(st, "block").open()) {
      c.protect("s", s);
      c.checkpoint();
      Thread opener = Thread.ofVirtual().start(() -> {
        try {
          Thread.sleep(300);
        } catch (InterruptedException ignored) {
        }
        st.gate.countDown();
      });
      Checkpoint second = c.checkpoint(); // blocks until the first flush released its staging memory
      assertThat(st.gate.getCount()).isZero();
      assertThat(second.await().number()).isEqualTo(2);
      opener.join();
    }
  }

  @Test
  void closeDrainsEverythingInFlight() {
    long[] s = new long[20_000];
    try (Checkpointer c = TestCheckpointers.builder("d", dir, "local", "persistent").async(true)
        .set("level.local.keep", "20").set("level.persistent.keep", "20").set("level.persistent.every", "1")
        .open()) {
      c.protect("s", s);
      for (int k = 1; k <= 10; k++) {
        Arrays.fill(s, k);
        c.checkpoint();
      }
    }
    try (Checkpointer c = TestCheckpointers.builder("d", dir, "local", "persistent")
        .open()) {
      List<Version> vs = c.versions();
      assertThat(vs).hasSize(10);
      assertThat(vs.getLast().levels()).containsExactly("local", "persistent");
      c.protect("s", s);
      c.restoreLatest();
      assertThat(s).containsOnly(10L);
    }
  }

}
