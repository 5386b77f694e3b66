package io.cairn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.testing.TestCheckpointers;
import io.cairn.internal.engine.LevelStore;
import io.cairn.internal.format.BlockRef;
import io.cairn.internal.format.Manifest;
import io.cairn.internal.format.PackFormat;
import io.cairn.internal.store.DirectoryStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Restoring some regions only (VeloC's selective recovery), listing a version's regions, and pinning or deleting versions. */
class PinAndPartialRestoreTest {
  @TempDir
  Path dir;

  private Checkpointer.Builder builder(String... extra) {
    Checkpointer.Builder b = TestCheckpointers.builder("p", dir, "local").set("level.local.keep", "2")
        .set("block-size", "64KiB");
    for (int i = 0; i + 1 < extra.length; i += 2) b.set(extra[i], extra[i + 1]);
    return b;
  }

  /** Saved state: a (doubles), b (ints, 1 MiB), o (an object), and a routed file. */
  private long saveOne() throws IOException {
    double[] a = {1, 2, 3};
    int[] b = new int[1 << 18];
    for (int i = 0; i < b.length; i++) b[i] = i * 7;
    long[] o = {42};
    try (Checkpointer c = builder().open()) {
      c.protect("a", a).protect("b", b).protect("o", counter(o));
      Files.writeString(c.routeFile("notes.txt"), "hello");
      return c.checkpoint().await().number();
    }
  }

  private static Checkpointable counter(long[] o) {
    return new Checkpointable() {
      @Override
      public void save(StateWriter out) { out.writeLong(o[0]); }
      @Override
      public void load(StateReader in) throws IOException { o[0] = in.readLong(); }
    };
  }

  @Test
  void restoresOnlyTheNamedRegionsAndDoesNotNeedTheOthersProtected() throws Exception {
    long v = saveOne();
    try (Checkpointer c = builder().open()) {
      assertThat(c.regions(v)).containsExactly(new Checkpointer.Region("a", "double[]", 3),
          new Checkpointer.Region("b", "int[]", 1 << 18),
          new Checkpointer.Region("o", "object", 8), new Checkpointer.Region("notes.txt", "file", 5));
      Files.delete(c.routeFile("notes.txt")); // as after a move to another node
      double[] a = new double[3];
      c.protect("a", a); // b and o are not protected at all
      Version got = c.restoreLatest(List.of("a")).orElseThrow();
      assertThat(got.number()).isEqualTo(v);
      assertThat(a).containsExactly(1, 2, 3);
      assertThat(c.routeFile("notes.txt")).doesNotExist(); // not asked for
      long[] o = {0};
      c.protect("o", counter(o));
      c.restore(v, List.of("o", "notes.txt"));
      assertThat(o[0]).isEqualTo(42);
      assertThat(Files.readString(c.routeFile("notes.txt"))).isEqualTo("hello");
    }
  }

  @Test
  void onlyTheNamedRegionsAreRead() throws Exception {
    long v = saveOne();
    // damage a chunk of region b: a full restore of the version fails, restoring a alone does not read it
    LevelStore ls = new LevelStore(new io.cairn.internal.Settings().levels(dir).get(0),
        new DirectoryStorage(dir.resolve("local/p")), 8);
    Manifest m = ls.readManifest(v);
    BlockRef b0 = m.regions().get(1).blocks().getFirst();
    FaultTest.flip(dir.resolve("local/p").resolve(LevelStore.dir(b0.pack())).resolve("data.pack"),
        b0.offset() + PackFormat.CHUNK_HEADER + 10);
    try (Checkpointer c = builder().open()) {
      double[] a = new double[3];
      int[] b = new int[1 << 18];
      c.protect("a", a).protect("b", b).protect("o", counter(new long[1]));
      assertThatThrownBy(() -> c.restore(v)).hasMessageContaining("checksum mismatch")
          .hasMessageContaining("region 'b'");
      c.restore(v, List.of("a"));
      assertThat(a).containsExactly(1, 2, 3);
    }
  }

  @Test
  void aPartialRestoreSaysWhatIsWrong() throws Exception {
    long v = saveOne();
    try (Checkpointer c = builder().open()) {
      c.protect("a", new double[4]).protect("zz", new int[1]);
      assertThatThrownBy(() -> c.restore(v, List.of())).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> c.restore(v, List.of("a"))).isInstanceOf(StateMismatchException.class)
          .hasMessageContaining("'a' has length 4 but the checkpoint holds 3");
      assertThatThrownBy(() -> c.restore(v, List.of("zz")))
          .hasMessageContaining("'zz' is protected but not in the checkpoint");
      assertThatThrownBy(() -> c.restore(v, List.of("b"))).hasMessageContaining("'b' is asked for but not protected");
      assertThatThrownBy(() -> c.restore(v, List.of("nothing")))
          .hasMessageContaining("neither protected nor a file of the checkpoint");
      assertThatThrownBy(() -> c.regions(99)).hasMessageContaining("version 99").hasMessageContaining("not committed");
    }
  }

  @Test
  void pinnedVersionsSurviveRetentionAndRestartsUntilUnpinnedOrDeleted() throws Exception {
    long[] s = {0};
    try (Checkpointer c = builder("level.local.incremental", "true").open()) {
      c.protect("s", s);
      for (int i = 1; i <= 3; i++) {
        s[0] = i;
        c.checkpoint().await();
      }
      assertThat(c.pin(2)).containsExactly("local");
      for (int i = 4; i <= 6; i++) {
        s[0] = i;
        c.checkpoint().await();
      }
      assertThat(numbers(c)).containsExactly(2L, 5L, 6L); // keep 2, plus the pinned one
      assertThat(c.pinned()).containsExactly(2L);
      assertThatThrownBy(() -> c.pin(3)).hasMessageContaining("version 3").hasMessageContaining("not committed");
    }
    try (Checkpointer c = builder().open()) {
      c.protect("s", s);
      assertThat(c.pinned()).containsExactly(2L); // the mark is stored with the version
      c.restore(2);
      assertThat(s[0]).isEqualTo(2);
      assertThat(c.unpin(2)).containsExactly("local");
      s[0] = 7;
      c.checkpoint().await();
      assertThat(numbers(c)).containsExactly(6L, 7L);
      assertThat(c.pinned()).isEmpty();
    }
  }

  @Test
  void deleteRemovesAVersionButKeepsDataThatANewerIncrementalVersionUses() throws Exception {
    long[] big = new long[1 << 16]; // 512 KiB: 8 blocks of 64 KiB
    for (int i = 0; i < big.length; i++) big[i] = i;
    try (Checkpointer c = builder("level.local.incremental", "true", "level.local.keep", "5", "mode", "async").open()) {
      c.protect("big", big);
      c.checkpoint(); // 1: full
      big[0] = -1;
      c.checkpoint().await(); // 2: one block of its own, the rest from 1
      c.pin(1);
      assertThat(c.delete(1)).containsExactly("local");
      assertThat(numbers(c)).containsExactly(2L);
      assertThat(c.pinned()).isEmpty();
      assertThat(dir.resolve("local/p/v0000000001/manifest")).doesNotExist();
      assertThat(dir.resolve("local/p/v0000000001/data.pack")).exists(); // version 2 still reads blocks from it
      big[1] = -2;
      c.checkpoint().await(); // 3: full again (its base may have been the deleted version)
      c.delete(2);
      assertThat(dir.resolve("local/p/v0000000001")).doesNotExist(); // no remaining version needs it now
      java.util.Arrays.fill(big, 0);
      c.restore(3);
      assertThat(big[0]).isEqualTo(-1);
      assertThat(big[1]).isEqualTo(-2);
      assertThat(big[big.length - 1]).isEqualTo(big.length - 1);
      assertThatThrownBy(() -> c.delete(2)).hasMessageContaining("not committed");
    }
    try (Checkpointer ro = builder().readOnly(true).open()) {
      assertThatThrownBy(() -> ro.pin(3)).hasMessageContaining("read-only");
      assertThatThrownBy(() -> ro.delete(3)).hasMessageContaining("read-only");
    }
  }

  private static List<Long> numbers(Checkpointer c) {
    return c.versions().stream().map(Version::number).toList();
  }
}
