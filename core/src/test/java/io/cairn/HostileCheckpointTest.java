package io.cairn;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.testing.TestCheckpointers;
import io.cairn.internal.Settings;
import io.cairn.internal.engine.LevelStore;
import io.cairn.internal.format.BlockRef;
import io.cairn.internal.format.Codec;
import io.cairn.internal.format.Kind;
import io.cairn.internal.format.Manifest;
import io.cairn.internal.format.RegionEntry;
import io.cairn.internal.store.DirectoryStorage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints crafted to exhaust their reader: manifests with a valid CRC that claim a huge block
 * size, repeat one chunk, give an array region no bytes, or claim a huge object. Each is refused at
 * decode (or its allocation fails cleanly), the restore falls back to the older version, and
 * {@code verify} reports the crafted one. Plus a legitimate checkpoint with the largest block size
 * written and restored in a small heap (child JVM, {@link MemoryChild}).
 */
class HostileCheckpointTest {
  @TempDir
  Path dir;

  Checkpointer.Builder builder() {
    return TestCheckpointers.builder("h", dir, "local").set("level.local.keep", "5").set("block-size", "16KiB")
        .set("files.dir", dir.resolve("files").toString());
  }

  Path runDir() { return dir.resolve("local/h"); }

  /** Rewrites version {@code v}'s manifest through {@code edit}, with a valid CRC. */
  void craft(long v, UnaryOperator<Manifest> edit) throws Exception {
    Path mf = runDir().resolve(LevelStore.dir(v)).resolve("manifest");
    Manifest m = Manifest.decode(Files.readAllBytes(mf), mf.toString());
    Files.write(mf, edit.apply(m).encode());
  }

  static Manifest withRegions(Manifest m, int blockSize, List<RegionEntry> regions) {
    return new Manifest(m.run(), m.version(), m.createdMillis(), m.parent(), m.writer(), m.label(), m.step(),
        m.metadata(), blockSize,
        m.littleEndian(), regions);
  }

  static Manifest replace(Manifest m, String name, UnaryOperator<RegionEntry> edit) {
    List<RegionEntry> rs = new ArrayList<>();
    for (RegionEntry r : m.regions()) rs.add(r.name().equals(name) ? edit.apply(r) : r);
    return withRegions(m, m.blockSize(), rs);
  }

  /** Two versions of an int array (values 1, then 2); returns nothing: version 2 is then crafted. */
  void twoVersions() {
    int[] a = new int[10_000];
    try (Checkpointer c = builder().open()) {
      c.protect("a", a);
      for (int k = 1; k <= 2; k++) {
        Arrays.fill(a, k);
        c.checkpoint().await();
      }
    }
  }

  /** Restores the newest: must be version 1 (the crafted version 2 refused), array all 1. */
  void restoresVersionOneAndVerifyReportsTwo(String expectedError) throws Exception {
    int[] a = new int[10_000];
    try (Checkpointer c = builder().open()) {
      c.protect("a", a);
      assertThat(c.restoreLatest().orElseThrow().number()).isEqualTo(1);
    }
    assertThat(a).containsOnly(1);
    LevelStore ls = new LevelStore(new Settings().levels(dir).getFirst(), new DirectoryStorage(runDir()), 8);
    LevelStore.Verified v2 = ls.verify(2, new LevelStore.Scratch());
    assertThat(v2.check()).isEqualTo(LevelStore.Check.DAMAGED);
    assertThat(v2.error()).contains(expectedError);
    assertThat(ls.verify(1, new LevelStore.Scratch()).check()).isEqualTo(LevelStore.Check.OK);
  }

  @Test
  void aManifestClaimingAOneGibBlockSizeIsRefused() throws Exception {
    twoVersions();
    craft(2, m -> withRegions(m, 1 << 30, m.regions()));
    restoresVersionOneAndVerifyReportsTwo("block size 1073741824 is out of range");
  }

  @Test
  void anArrayRegionWithNoBytesIsRefused() throws Exception {
    twoVersions();
    // before: "restored" successfully, leaving the array as it was, and verify said ok
    craft(2, m -> replace(m, "a", r -> new RegionEntry(r.name(), r.kind(), r.length(), 0, List.of())));
    restoresVersionOneAndVerifyReportsTwo("should hold 40000 bytes but records 0");
  }

  @Test
  void aChunkLongerThanTheBlockSizeIsRefused() throws Exception {
    twoVersions();
    craft(2, m -> replace(m, "a", r -> {
      BlockRef b = r.blocks().getFirst();
      List<BlockRef> bs = new ArrayList<>(r.blocks());
      bs.set(0, new BlockRef(b.pack(), b.offset(), 200 << 20, 200 << 20, Codec.NONE, b.storedCrc(), b.rawHash()));
      return new RegionEntry(r.name(), r.kind(), r.length(), r.byteLength(), bs);
    }));
    restoresVersionOneAndVerifyReportsTwo("region 'a'");
  }

  @Test
  void aFileRegionRepeatingOneChunkIsRefused() throws Exception {
    byte[] one = new byte[16 << 10]; // exactly one block
    Arrays.fill(one, (byte) 'x');
    try (Checkpointer c = builder().open()) {
      c.protect("a", new int[10_000]);
      Files.write(c.routeFile("f.bin"), one);
      c.checkpoint().await();
      c.checkpoint().await();
    }
    // version 2: the file's one chunk referenced 512 times (a 23 KB checkpoint expanding to 8 MiB)
    craft(2, m -> replace(m, "f.bin", r -> new RegionEntry(r.name(), Kind.FILE, 512L * one.length, 512L * one.length,
        Collections.nCopies(512, r.blocks().getFirst()))));
    Files.delete(dir.resolve("files/f.bin"));
    try (Checkpointer c = builder().open()) {
      c.protect("a", new int[10_000]);
      assertThat(c.restoreLatest().orElseThrow().number()).isEqualTo(1);
    }
    assertThat(Files.size(dir.resolve("files/f.bin"))).isEqualTo(one.length);
    LevelStore ls = new LevelStore(new Settings().levels(dir).getFirst(), new DirectoryStorage(runDir()), 8);
    assertThat(ls.verify(2, new LevelStore.Scratch()).error()).contains("already used by this version");
  }

  @Test
  void aHugeObjectRegionFailsCleanlyAndFallsBackInASmallHeap() throws Exception {
    // a valid-looking manifest whose object region claims 2 GiB - 16 in 8 chunks of 256 MiB: decode
    // accepts the sizes; the reader cannot allocate it in a 96 MiB heap: a clean fallback, not an Error
    run(0, "write-object");
    craft(2, m -> {
      long bytes = Manifest.MAX_OBJECT;
      int bs = 256 << 20;
      List<BlockRef> blocks = new ArrayList<>();
      for (long off = 0, i = 0; off < bytes; off += bs, i++)
        blocks.add(new BlockRef(2, 32 + i * 64, (int) Math.min(bs, bytes - off), (int) Math.min(bs, bytes - off),
            Codec.NONE, 0, 0));
      RegionEntry blob = m.regions().getFirst();
      return withRegions(m, bs, List.of(new RegionEntry(blob.name(), Kind.OBJECT, bytes, bytes, blocks)));
    });
    String out = run(0, "restore-object");
    assertThat(out).contains("restored 1");
  }

  @Test
  void theLargestBlockSizeWritesAndRestoresInASmallHeap() throws Exception {
    // block-size = 256MiB at -Xmx96m: before, the checkpoint died of an Error (three raw buffers of the
    // block size) and the restore reserved four read-ahead slots of the block size
    String out = run(0, "big-block");
    assertThat(out).contains("restored 1 ok");
    // state too large for the buffers: a CairnException naming the cause, not an Error
    out = run(0, "too-big");
    assertThat(out).contains("CairnException").contains("not enough memory for the checkpoint buffers");
  }

  @Test
  void aCheckpointOfTwoLargestBlocksRestoresAtOneGibHeap() throws Exception {
    // the reported case: block-size = 256MiB written at -Xmx1g could not be restored there (four
    // read-ahead slots of 256 MiB). 640 MiB of heap and 320 MiB on disk: soak runs only
    org.junit.jupiter.api.Assumptions.assumeTrue(Boolean.getBoolean("cairn.soak"),
        "320 MiB of state: with -Dcairn.soak=true");
    assertThat(run(0, "big-state", "-Xmx1g")).contains("restored 1 ok");
  }

  String run(int expectedExit, String mode) throws Exception {
    return run(expectedExit, mode, "-Xmx96m", "-XX:MaxDirectMemorySize=96m");
  }

  String run(int expectedExit, String mode, String... jvm) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
    cmd.addAll(List.of(jvm));
    cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
        MemoryChild.class.getName(),
        dir.toString(), mode));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("exit code of %s; output:\n%s", mode, out).isEqualTo(expectedExit);
    return out;
  }
}
