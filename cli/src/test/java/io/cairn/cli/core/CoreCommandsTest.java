package io.cairn.cli.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.Cairn;
import io.cairn.Checkpointer;
import io.cairn.Metadata;
import io.cairn.cli.CliRunner;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ls, inspect, verify and prune against checkpoints written through the API. */
class CoreCommandsTest {
  @TempDir
  Path dir;

  record Out(int code, String text) {}

  static Out run(String... args) {
    CliRunner.Result r = CliRunner.run(args);
    return new Out(r.code(), r.out());
  }

  void write(int versions) {
    long[] s = new long[100_000];
    try (Checkpointer c = Cairn.builder().name("job").directory(dir).levels("local", "persistent")
        .set("level.local.keep", "5").set("level.local.incremental", "true").set("level.persistent.codec", "zstd")
        .set("level.persistent.every", "2").set("level.persistent.keep", "5").set("signals", "false")
        .environment(Map.of()).open()) {
      c.protect("state", s);
      for (int k = 1; k <= versions; k++) {
        s[k] = k;
        c.checkpoint(Metadata.create().label("v" + k).step(k * 10L).put("who", "test")).await();
      }
    }
  }

  @Test
  void lsInspectVerifyPrune() throws Exception {
    write(4);
    String[] where = {"--dir", dir.toString(), "--name", "job"};
    Out ls = run(concat(new String[]{"ls"}, where));
    assertThat(ls.code()).isZero();
    assertThat(ls.text()).contains("local").contains("persistent").contains("v3").contains("incr. of 3");
    Out lsJson = run(concat(new String[]{"ls", "--json"}, where));
    assertThat(lsJson.text()).startsWith("{").contains("\"version\":4").contains("\"level\":\"persistent\"");

    Out inspect = run(concat(new String[]{"inspect", "4", "--json", "--level", "local"}, where));
    assertThat(inspect.code()).isZero();
    assertThat(inspect.text()).contains("\"incrementalOf\":3").contains("\"who\":\"test\"")
        .contains("\"name\":\"state\"")
        .contains("\"step\":40");
    assertThat(run(concat(new String[]{"inspect", "99"}, where)).code()).isEqualTo(2);

    Out verify = run(concat(new String[]{"verify"}, where));
    assertThat(verify.code()).isZero();
    assertThat(verify.text()).contains("all 6 copies valid");

    Path pack;
    try (Stream<Path> s = Files.walk(dir.resolve("persistent"))) {
      pack = s.filter(p -> p.getFileName().toString().equals("data.pack")).sorted().toList().getLast();
    }
    try (RandomAccessFile raf = new RandomAccessFile(pack.toFile(), "rw")) {
      raf.seek(raf.length() - 5);
      raf.write(0x55);
    }
    Out bad = run(concat(new String[]{"verify", "--json"}, where));
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.text()).contains("\"damaged\":1").contains("checksum mismatch");

    Out prune = run(concat(new String[]{"prune", "--keep", "1"}, where));
    assertThat(prune.code()).isZero();
    Out after = run(concat(new String[]{"ls", "--json"}, where));
    // local keeps version 4, and the older packs that its incremental chunks still reference
    assertThat(after.text()).contains("\"version\":4").doesNotContain("\"version\":2,");
    try (Checkpointer c = Cairn.builder().name("job").directory(dir).levels("local").set("signals", "false")
        .environment(Map.of()).open()) {
      long[] s = new long[100_000];
      c.protect("state", s);
      assertThat(c.restoreLatest().orElseThrow().number()).isEqualTo(4);
      assertThat(Arrays.copyOf(s, 6)).containsExactly(0, 1, 2, 3, 4, 0);
    }
  }

  @Test
  void pinUnpinAndDelete() throws Exception {
    write(4); // local: 1..4 (incremental); persistent (every 2nd): 1, 3
    String[] where = {"--dir", dir.toString(), "--name", "job"};
    Out pin = run(concat(new String[]{"pin", "2", "3"}, where));
    assertThat(pin.code()).isZero();
    assertThat(pin.text()).contains("version 2: pinned in local\n").contains("version 3: pinned in local, persistent");
    assertThat(run(concat(new String[]{"ls"}, where)).text()).contains("[pinned]");
    assertThat(run(concat(new String[]{"ls", "--json"}, where)).text()).contains("\"pinned\":true")
        .contains("\"pinned\":false");
    assertThat(run(concat(new String[]{"prune", "--keep", "1"}, where)).code()).isZero();
    assertThat(levelsOf()).containsExactly(Map.entry(1L, List.of("persistent")), Map.entry(2L, List.of("local")),
        Map.entry(3L, List.of("local", "persistent")), Map.entry(4L, List.of("local")));
    Out del = run(concat(new String[]{"pin", "--delete", "3", "9"}, where));
    assertThat(del.code()).as("version 9 does not exist").isEqualTo(1);
    assertThat(del.text()).contains("version 3: deleted in local, persistent").contains("version 9: not committed");
    assertThat(run(concat(new String[]{"pin", "--unpin", "2"}, where)).text()).contains("version 2: unpinned in local");
    assertThat(run(concat(new String[]{"prune", "--keep", "1"}, where)).code()).isZero();
    assertThat(levelsOf()).containsExactly(Map.entry(1L, List.of("persistent")), Map.entry(4L, List.of("local")));
    try (Checkpointer c = Cairn.builder().name("job").directory(dir).levels("local").set("signals", "false")
        .environment(Map.of()).open()) {
      long[] s = new long[100_000];
      c.protect("state", s);
      c.restore(4);
      assertThat(Arrays.copyOf(s, 6)).containsExactly(0, 1, 2, 3, 4, 0); // incremental chain intact after deleting 3
    }
  }

  /** Committed versions and the levels holding each. */
  private java.util.SortedMap<Long, List<String>> levelsOf() {
    try (Checkpointer c = Cairn.builder().name("job").directory(dir).levels("local", "persistent").readOnly(true)
        .set("signals", "false")
        .environment(Map.of()).open()) {
      java.util.SortedMap<Long, List<String>> m = new java.util.TreeMap<>();
      for (io.cairn.Version v : c.versions()) m.put(v.number(), v.levels());
      return m;
    }
  }

  static String[] concat(String[] a, String[] b) {
    String[] r = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }
}
