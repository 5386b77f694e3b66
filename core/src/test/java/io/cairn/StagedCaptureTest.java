package io.cairn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Async checkpoints whose background write follows the capture chunk by chunk: what is written is what
 * was captured, with several regions of every kind; a capture that fails midway commits nothing and is
 * reported once, by {@code checkpoint()}.
 */
class StagedCaptureTest {
  @TempDir
  Path dir;

  Checkpointer.Builder builder() {
    return Cairn.builder().name("s").directory(dir).levels("local", "persistent").async(true).set("block-size", "64KiB")
        .set("level.local.incremental", "true").set("level.persistent.codec", "lz4").set("level.local.keep", "3")
        .set("signals", "false").environment(Map.of());
  }

  static double[] random(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] a = new double[n];
    for (int i = 0; i < n; i++) a[i] = r.nextDouble();
    return a;
  }

  @Test
  void whatIsWrittenIsWhatWasCaptured() throws Exception {
    double[] a = random(1 << 19, 1); // 4 MiB: 64 chunks, the write starts long before the copy ends
    long[] b = new long[100_000];
    byte[] c = new byte[1 << 20];
    long[] counter = {0};
    Checkpointable obj = new Checkpointable() {
      @Override
      public void save(StateWriter out) { out.writeLong(counter[0]); }
      @Override
      public void load(StateReader in) throws java.io.IOException { counter[0] = in.readLong(); }
    };
    double[][] expectA = new double[4][];
    try (Checkpointer ck = builder().open()) {
      ck.protect("a", a).protect("b", b).protect("obj", obj).protect("c", c);
      Path f = ck.routeFile("notes.txt");
      for (int v = 1; v <= 4; v++) {
        Arrays.fill(b, v);
        Arrays.fill(c, (byte) v);
        counter[0] = v;
        a[v * 1000] = -v;
        expectA[v - 1] = a.clone();
        Files.writeString(f, "version " + v);
        Checkpoint cp = ck.checkpoint();
        Arrays.fill(a, 7.0); // the program goes on at once: none of this may reach the version
        Arrays.fill(b, -1);
        if (v == 2) cp.await();
        System.arraycopy(expectA[v - 1], 0, a, 0, a.length);
      }
    }
    for (int v = 2; v <= 4; v++) { // version 1 is beyond both levels' keep
      try (Checkpointer ck = builder().open()) {
        double[] ra = new double[a.length];
        long[] rb = new long[b.length];
        byte[] rc = new byte[c.length];
        ck.protect("a", ra).protect("b", rb).protect("obj", obj).protect("c", rc);
        ck.restore(v);
        assertThat(ra).as("version %d", v).isEqualTo(expectA[v - 1]);
        assertThat(rb).containsOnly((long) v);
        assertThat(rc).containsOnly((byte) v);
        assertThat(counter[0]).isEqualTo(v);
        assertThat(Files.readString(ck.routeFile("notes.txt"))).isEqualTo("version " + v);
      }
    }
  }

  @Test
  void aCaptureThatFailsMidwayCommitsNothingAndIsReportedOnce() throws Exception {
    double[] a = random(1 << 19, 2);
    boolean[] fail = {false};
    Checkpointable flaky = new Checkpointable() {
      @Override
      public void save(StateWriter out) {
        if (fail[0]) throw new IllegalStateException("save refused");
        out.writeLong(1);
      }
      @Override
      public void load(StateReader in) throws java.io.IOException { in.readLong(); }
    };
    try (Checkpointer ck = builder().open()) {
      ck.protect("a", a).protect("flaky", flaky); // the writer is already writing 'a' when 'flaky' fails
      assertThat(ck.checkpoint().await().number()).isEqualTo(1);
      fail[0] = true;
      assertThatThrownBy(ck::checkpoint).isInstanceOf(CairnException.class).hasMessageContaining("cannot capture state")
          .hasMessageContaining("save refused");
      fail[0] = false;
      assertThat(ck.due()).isFalse(); // not reported a second time
      long v = ck.checkpoint().await().number();
      assertThat(ck.versions().stream().map(Version::number).toList()).containsExactly(1L, v).doesNotContain(2L);
    }
    try (var s = Files.list(dir.resolve("local/s"))) {
      assertThat(s.map(p -> p.getFileName().toString())).doesNotContain("v0000000002");
    }
  }
}
