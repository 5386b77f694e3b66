package io.cairn;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Object regions count against {@code async.staging-limit} like arrays (issue 24, defect 3): their bytes are
 * known only after {@code save()}, so each capture counts its real size and the next checkpoint expects the
 * same; checkpoints taken without awaiting wait (or skip) instead of piling serialised state up until the
 * heap runs out.
 */
class AsyncObjectStagingTest {
  @TempDir
  Path dir;

  @Test
  void objectBytesInFlightFillTheStagingLimit() throws Exception {
    AsyncTest.GatedStorage st = new AsyncTest.GatedStorage(dir.resolve("local/a"));
    byte[] payload = new byte[64_000]; // one fits in 100 KiB of staging, two do not
    try (Checkpointer c = Cairn.builder().name("a").directory(dir).levels("local").async(true)
        .set("level.local.keep", "10")
        .set("async.staging-limit", "100KiB").set("async.when-full", "skip").set("signals", "false")
        .environment(Map.of()).storage(spec -> st).open()) {
      c.protect("o", new Checkpointable() {
        @Override
        public void save(StateWriter out) { out.writeBytes(payload); }
        @Override
        public void load(StateReader in) throws java.io.IOException { in.readBytes(); }
      });
      Checkpoint first = c.checkpoint();
      Checkpoint second;
      try {
        second = c.checkpoint(); // the first's 64 KB of object bytes are still in flight
      } finally {
        st.gate.countDown(); // a failure must not leave close() waiting for a gated flush
      }
      assertThat(second.skipped()).as("second checkpoint skipped while the first's object bytes fill the staging")
          .isTrue();
      first.await();
      Checkpoint third = c.checkpoint();
      assertThat(third.skipped()).isFalse();
      assertThat(third.await().number()).isEqualTo(2);
    }
  }
}
