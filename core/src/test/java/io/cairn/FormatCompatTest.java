package io.cairn;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints written by an older Cairn stay readable. {@code src/test/resources/format-v1} was written by
 * main at 3f88e8c (pack and manifest format 1, codec byte per chunk) with {@link #write}: two levels, lz4
 * and zstd (incremental, two versions). Run with {@code -Dcairn.fixture.write=DIR} to write the same
 * checkpoints with this Cairn's format (how the fixture was made).
 */
class FormatCompatTest {
  @TempDir
  Path dir;

  static Checkpointer.Builder builder(Path base) {
    return Cairn.builder().name("fmt").directory(base).levels("fast", "small")
        .set("level.fast.kind", "local").set("level.fast.codec", "lz4").set("level.fast.keep", "3")
        .set("level.small.kind", "local").set("level.small.codec", "zstd").set("level.small.incremental", "true")
        .set("level.small.keep", "3").set("block-size", "4KiB").set("signals", "false").environment(Map.of());
  }

  /** The state at step {@code k} (deterministic). */
  static final class State {
    final double[] heat = new double[3000];
    final float[] f = new float[1500];
    final int[] ints = new int[2000];
    final long[] longs = new long[700];
    byte[] text;

    State(int k) {
      for (int i = 0; i < heat.length; i++) heat[i] = 300 + 20 * Math.sin(i * 0.003) + (i > 2000 ? k : 0);
      for (int i = 0; i < f.length; i++) f[i] = (float) Math.cos(i * 0.01) * (1 + k);
      for (int i = 0; i < ints.length; i++) ints[i] = i * 7 + (k * 1_000_003 ^ i) % 97;
      for (int i = 0; i < longs.length; i++) longs[i] = (long) i * i * 31 + k;
      text = ("step " + k + ": the quick brown fox jumps over the lazy dog\n").repeat(120)
          .getBytes(StandardCharsets.UTF_8);
    }

    Checkpointer protect(Checkpointer c) {
      return c.protect("heat", heat).protect("f", f).protect("ints", ints).protect("longs", longs).protect("text",
          text);
    }
  }

  /** Writes the fixture: version 1 (state 1) and version 2 (state 2: incremental in level 'small'), in one run. */
  static void write(Path base) {
    try (Checkpointer c = builder(base).open()) {
      State s = new State(1);
      s.protect(c);
      c.checkpoint(Metadata.create().step(1)).await();
      State two = new State(2);
      System.arraycopy(two.heat, 0, s.heat, 0, s.heat.length);
      System.arraycopy(two.f, 0, s.f, 0, s.f.length);
      System.arraycopy(two.ints, 0, s.ints, 0, s.ints.length);
      System.arraycopy(two.longs, 0, s.longs, 0, s.longs.length);
      System.arraycopy(two.text, 0, s.text, 0, s.text.length);
      c.checkpoint(Metadata.create().step(2)).await();
    }
  }

  @Test
  void writeFixtureWhenAsked() {
    String to = System.getProperty("cairn.fixture.write");
    if (to != null) write(Path.of(to));
  }

  @Test
  void versionOneCheckpointsRestoreBitIdentically() throws IOException, URISyntaxException {
    Path src = Path.of(getClass().getResource("/format-v1").toURI());
    Path base = dir.resolve("base");
    copyTree(src, base);
    for (long v = 1; v <= 2; v++) {
      try (Checkpointer c = builder(base).open()) {
        State s = new State(0);
        State want = new State((int) v);
        s.protect(c);
        Version got = c.restore(v);
        assertThat(got.number()).isEqualTo(v);
        assertThat(s.heat).isEqualTo(want.heat);
        assertThat(s.f).isEqualTo(want.f);
        assertThat(s.ints).isEqualTo(want.ints);
        assertThat(s.longs).isEqualTo(want.longs);
        assertThat(s.text).isEqualTo(want.text);
      }
    }
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> all = Files.walk(from)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) Files.createDirectories(t);
        else if (!p.getFileName().toString().equals(".lock")) Files.copy(p, t);
      }
    }
  }

}
