package io.cairn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.testing.TestCheckpointers;
import io.cairn.internal.store.DirectoryStorage;
import io.cairn.spi.Storage;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bit flips, truncation, full disks, read-only directories, two runs on one directory, restore loops. */
class FaultTest {
  @TempDir
  Path dir;

  Checkpointer.Builder builder() {
    return TestCheckpointers.smallChunks("f", dir, "local", "persistent").set("level.local.keep", "3")
        .set("level.persistent.keep", "3").set("level.persistent.every", "1");
  }

  /** Writes versions 1..n where the state of version k is all k. */
  void writeVersions(int n, Checkpointer.Builder b) {
    long[] s = new long[3000];
    try (Checkpointer c = b.open()) {
      c.protect("s", s);
      for (int k = 1; k <= n; k++) {
        Arrays.fill(s, k);
        c.checkpoint().await();
      }
    }
  }

  long restoredValue(Checkpointer.Builder b) {
    long[] s = new long[3000];
    try (Checkpointer c = b.open()) {
      c.protect("s", s);
      Version v = c.restoreLatest().orElseThrow();
      assertThat(s).containsOnly(v.number());
      return v.number();
    }
  }

  static List<Path> files(Path root, String name) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(p -> p.getFileName().toString().equals(name)).sorted().toList();
    }
  }

  static void flip(Path f, long pos) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
      raf.seek(pos);
      int b = raf.read();
      raf.seek(pos);
      raf.write(b ^ 0x10);
    }
  }

  @Test
  void bitFlipAnywhereInNewestFallsBackToOtherLevelThenOlderVersion() throws IOException {
    Random rnd = new Random(7);
    for (int trial = 0; trial < 30; trial++) {
      Path d = dir.resolve("t" + trial);
      Checkpointer.Builder b = TestCheckpointers.smallChunks("f", d, "local", "persistent")
          .set("level.persistent.every", "1");
      writeVersions(2, b);
      String victim = rnd.nextBoolean() ? "manifest" : "data.pack";
      // damage version 2 in local; on odd trials in persistent too -> must fall back to version 1
      Path local = files(d.resolve("local"), victim).getLast();
      flip(local, rnd.nextLong(Files.size(local)));
      long expect = 2;
      if (trial % 2 == 1) {
        Path pers = files(d.resolve("persistent"), victim).getLast();
        flip(pers, rnd.nextLong(Files.size(pers)));
        expect = 1;
      }
      assertThat(restoredValue(b)).as("trial %d (%s)", trial, victim).isEqualTo(expect);
    }
  }

  @Test
  void truncationOfEveryFileKindIsDetected() throws IOException {
    Random rnd = new Random(11);
    for (String victim : List.of("manifest", "data.pack")) {
      for (int trial = 0; trial < 8; trial++) {
        Path d = dir.resolve(victim + trial);
        Checkpointer.Builder b = TestCheckpointers.smallChunks("f", d, "local");
        writeVersions(3, b);
        Path f = files(d, victim).getLast();
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
          raf.setLength(rnd.nextLong(raf.length()));
        }
        assertThat(restoredValue(b)).isEqualTo(2);
      }
    }
  }

  @Test
  void damagedBookkeepingFilesNeverBlockARestore() throws IOException {
    Checkpointer.Builder b = builder();
    writeVersions(2, b);
    Random rnd = new Random(3);
    // stats.json, the lock file and an attempts counter: garbage, truncated, flipped
    Path run = dir.resolve("local/f");
    Files.write(run.resolve("stats.json"), new byte[]{'{', 0, (byte) 0xff, '"'});
    Files.write(run.resolve(".lock"), new byte[]{1, 2, 3});
    Files.createDirectories(run.resolve("attempts"));
    Files.writeString(run.resolve("attempts/v0000000002"), "not a number");
    byte[] junk = new byte[64];
    rnd.nextBytes(junk);
    Files.write(run.resolve("attempts/v0000000001"), junk);
    assertThat(restoredValue(b)).isEqualTo(2);
    // a stray file and a torn version directory (no manifest) are ignored
    Files.writeString(run.resolve("notes.txt"), "hello");
    Files.createDirectories(run.resolve("v0000000003"));
    Files.write(run.resolve("v0000000003/data.pack"), junk);
    assertThat(restoredValue(b)).isEqualTo(2);
    // and the next version number skips the torn directory
    long[] s = new long[3000];
    try (Checkpointer c = b.open()) {
      c.protect("s", s);
      c.restoreLatest();
      Arrays.fill(s, 4);
      assertThat(c.checkpoint().await().number()).isEqualTo(4);
    }
    assertThat(restoredValue(b)).isEqualTo(4);
  }

  @Test
  void allCopiesDamagedGivesClearError() throws IOException {
    Checkpointer.Builder b = TestCheckpointers.builder("f", dir, "local");
    writeVersions(1, b);
    flip(files(dir, "data.pack").getFirst(), 100);
    try (Checkpointer c = b.open()) {
      c.protect("s", new long[3000]);
      assertThatThrownBy(c::restoreLatest).isInstanceOf(CairnException.class)
          .hasMessageContaining("no valid checkpoint").hasMessageContaining("checksum mismatch")
          .hasMessageContaining("data.pack");
    }
  }

  @Test
  void unknownFormatVersionIsRejectedClearly() throws IOException {
    Checkpointer.Builder b = TestCheckpointers.builder("f", dir, "local");
    writeVersions(1, b);
    Path m = files(dir, "manifest").getFirst();
    try (RandomAccessFile raf = new RandomAccessFile(m.toFile(), "rw")) {
      raf.seek(8);
      raf.writeInt(99);
    }
    try (Checkpointer c = b.open()) {
      c.protect("s", new long[3000]);
      assertThatThrownBy(c::restoreLatest).hasMessageContaining("format version 99 is not supported");
    }
  }

  /** A store that runs out of space after a byte budget, like a full disk. */
  static class FullDisk implements Storage {
    final DirectoryStorage inner;
    final AtomicLong budget;
    FullDisk(Path root, long bytes) { inner = new DirectoryStorage(root); budget = new AtomicLong(bytes); }
    public String describe() { return inner.describe(); }
    public Output create(String name) throws IOException {
      Output o = inner.create(name);
      return new Output() {
        public void write(ByteBuffer src) throws IOException {
          if (budget.addAndGet(-src.remaining()) < 0) throw new IOException("No space left on device");
          o.write(src);
        }
        public long position() { return o.position(); }
        public void sync() throws IOException { o.sync(); }
        public void close() throws IOException { o.close(); }
      };
    }
    public Input open(String name) throws IOException { return inner.open(name); }
    public boolean exists(String name) throws IOException { return inner.exists(name); }
    public List<String> list(String d) throws IOException { return inner.list(d); }
    public void rename(String a, String b) throws IOException { inner.rename(a, b); }
    public void delete(String n) throws IOException { inner.delete(n); }
    public void deleteTree(String d) throws IOException { inner.deleteTree(d); }
    public void syncDir(String d) throws IOException { inner.syncDir(d); }
    public AutoCloseable lock(String n, String h) throws IOException { return inner.lock(n, h); }
  }

  @Test
  void fullDiskNeverCostsTheLastGoodCheckpoint() {
    for (boolean async : new boolean[]{false, true}) {
      Path d = dir.resolve("full" + async);
      FullDisk disk = new FullDisk(d.resolve("local/f"), 60_000);
      Checkpointer.Builder b = TestCheckpointers.smallChunks("f", d, "local").set("level.local.keep", "1")
          .async(async).storage(spec -> disk);
      long[] s = new long[3000]; // 24 KB per version: the third does not fit
      Checkpointer c = b.open();
      c.protect("s", s);
      Arrays.fill(s, 1);
      c.checkpoint().await();
      Arrays.fill(s, 2);
      c.checkpoint().await();
      Arrays.fill(s, 3);
      if (!async) {
        assertThatThrownBy(c::checkpoint).isInstanceOf(CairnException.class)
            .hasMessageContaining("No space left on device")
            .hasMessageContaining("older committed versions are intact");
      } else {
        Checkpoint p = c.checkpoint();
        assertThatThrownBy(p::await).hasMessageContaining("No space left on device");
        assertThatThrownBy(c::due).hasMessageContaining("background checkpoint failed");
      }
      c.close();
      disk.budget.set(Long.MAX_VALUE / 2);
      long[] r = new long[3000];
      try (Checkpointer c2 = b.open()) {
        c2.protect("s", r);
        assertThat(c2.restoreLatest().orElseThrow().number()).isEqualTo(2);
        assertThat(r).containsOnly(2L);
      }
    }
  }

  @Test
  void readOnlyDirectoryIsRefusedAndKeepsData() throws IOException {
    Assumptions.assumeFalse(isRoot() && !Boolean.getBoolean("cairn.test.rootReadonly"),
        "running as root: file permissions do not stop root, so the read-only case is tested with a read-only store instead");
    Checkpointer.Builder b = builder();
    writeVersions(1, b);
    Files.setPosixFilePermissions(dir.resolve("local/f"), PosixFilePermissions.fromString("r-xr-xr-x"));
    try {
      assertThatThrownBy(b::open).isInstanceOf(CairnException.class).hasMessageContaining("local");
    } finally {
      Files.setPosixFilePermissions(dir.resolve("local/f"), PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    assertThat(restoredValue(b)).isEqualTo(1);
  }

  static boolean isRoot() { return "root".equals(System.getProperty("user.name")); }

  @Test
  void readOnlyStoreFailsCheckpointButRestores() {
    Path d = dir.resolve("ro");
    Checkpointer.Builder b = TestCheckpointers.builder("f", d, "local");
    writeVersions(1, b);
    FullDisk ro = new FullDisk(d.resolve("local/f"), 0) {
      @Override
      public Output create(String name) throws IOException {
        throw new java.nio.file.AccessDeniedException(describe() + "/" + name + ": Read-only file system");
      }
    };
    long[] s = new long[3000];
    try (Checkpointer c = b.storage(spec -> ro).open()) {
      c.protect("s", s);
      assertThat(c.restoreLatest().orElseThrow().number()).isEqualTo(1);
      assertThatThrownBy(c::checkpoint).hasMessageContaining("Read-only file system").hasMessageContaining("local");
    }
    assertThat(restoredValue(TestCheckpointers.builder("f", d, "local"))).isEqualTo(1);
  }

  @Test
  void twoRunsOnOneDirectoryAreRefused() {
    try (Checkpointer first = builder().open()) {
      assertThatThrownBy(() -> builder().open()).isInstanceOf(CheckpointLockedException.class)
          .hasMessageContaining("in use by another run").hasMessageContaining("pid " + ProcessHandle.current().pid())
          .satisfies(e -> {
            CheckpointLockedException l = (CheckpointLockedException) e;
            assertThat(l.holder())
                .hasValueSatisfying(h -> assertThat(h).startsWith("pid " + ProcessHandle.current().pid() + " on "));
            assertThat(Path.of(l.directory())).exists().isDirectory();
            assertThat(l.getMessage()).contains(l.directory());
          });
    }
    builder().open().close(); // released on close
  }

  @Test
  void aStorageFactorySeesEachLevelAndNullKeepsTheDefault() {
    List<io.cairn.spi.LevelInfo> seen = new java.util.ArrayList<>();
    try (Checkpointer c = builder().set("level.persistent.every", "2").storage(l -> { seen.add(l); return null; })
        .open()) {
      c.protect("s", new long[]{7});
      c.checkpoint().await();
    }
    assertThat(seen).containsExactly(new io.cairn.spi.LevelInfo("local", "local", dir.resolve("local"), 3, 1),
        new io.cairn.spi.LevelInfo("persistent", "persistent", dir.resolve("persistent"), 3, 2));
    assertThat(dir.resolve("local/f/v0000000001")).isDirectory(); // the default storage wrote there
  }

  @Test
  void readOnlyOpenersShareTheDirectoryWithTheWriter() {
    long[] s = new long[3000];
    try (Checkpointer writer = builder().open()) {
      writer.protect("s", s);
      Arrays.fill(s, 5);
      writer.checkpoint();
      try (Checkpointer r1 = builder().readOnly(true).open(); Checkpointer r2 = builder().readOnly(true).open()) {
        long[] a = new long[3000], b = new long[3000];
        r1.protect("s", a);
        r2.protect("s", b);
        assertThat(r1.restoreLatest().orElseThrow().number()).isEqualTo(1);
        assertThat(r2.restoreLatest().orElseThrow().number()).isEqualTo(1);
        assertThat(a).containsOnly(5L);
        assertThat(b).containsOnly(5L);
      }
      Arrays.fill(s, 6);
      assertThat(writer.checkpoint().await().number()).isEqualTo(2);
    }
  }

  @Test
  void restoresThatEndWithoutANewCheckpointAreNotFailures() {
    // before: every restore was counted and three "crashed" runs made version 3 unrestorable; a run
    // that restores and stops without checkpointing is not evidence against the version (see
    // RestorePolicyTest for failures after restore, kills and refusals in real child JVMs)
    Checkpointer.Builder b = builder().set("restore.max-attempts", "2");
    writeVersions(3, b);
    for (int i = 0; i < 5; i++) assertThat(restoredValue(b)).isEqualTo(3);
  }

  @Test
  void configRejectsUnknownKeysAndBadValuesByName() throws IOException {
    assertThatThrownBy(() -> Cairn.builder().set("levles", "x"))
        .hasMessageContaining("unknown configuration key 'levles'");
    assertThatThrownBy(() -> Cairn.builder().set("level.local.keep", "0")).hasMessageContaining("'level.local.keep'")
        .hasMessageContaining(">= 1");
    assertThatThrownBy(() -> Cairn.builder().set("block-size", "12parsecs")).hasMessageContaining("block-size")
        .hasMessageContaining("not a size");
    assertThatThrownBy(() -> Cairn.builder().set("interval", "sometimes")).hasMessageContaining("one of");
    Path cfg = dir.resolve("cairn.properties");
    Files.writeString(cfg, "name = heat\nlevel.local.codec = brotli\n");
    assertThatThrownBy(() -> Cairn.builder().config(cfg)).hasMessageContaining("level.local.codec")
        .hasMessageContaining(cfg.toString());
    Files.writeString(cfg, "name = heat\nlevels = local\nlevel.local.keep = 4\n");
    assertThatThrownBy(
        () -> Cairn.builder().config(cfg).directory(dir).environment(Map.of("CAIRN_LEVEL_LOCAL_KEEP", "zero")).open())
        .hasMessageContaining("CAIRN_LEVEL_LOCAL_KEEP");
    assertThatThrownBy(() -> Cairn.builder().directory(dir).environment(Map.of("CAIRN_LEVEL_LOCAL_KEPP", "1")).open())
        .hasMessageContaining("CAIRN_LEVEL_LOCAL_KEPP");
    assertThatThrownBy(() -> Cairn.builder().directory(dir).environment(Map.of("CAIRN_INTERVAL_SECOND", "5")).open())
        .hasMessageContaining("CAIRN_INTERVAL_SECOND");
    // variables of other components (scripts, the launcher) are theirs, not the engine's
    Cairn.builder().directory(dir).set("signals", "false").environment(Map.of("CAIRN_SOAK", "true", "CAIRN_RANK", "3"))
        .open().close();
    assertThatThrownBy(() -> Cairn.builder().directory(dir).set("levels", "local,tape").environment(Map.of()).open())
        .hasMessageContaining("level 'tape' needs 'level.tape.kind'");
    try (Checkpointer c = Cairn.builder().config(cfg).directory(dir).set("signals", "false")
        .environment(Map.of("CAIRN_LEVEL_LOCAL_KEEP", "1")).open()) {
      c.protect("x", new int[4]);
      c.checkpoint();
      c.checkpoint();
      assertThat(c.versions()).hasSize(1);
    }
  }
}
