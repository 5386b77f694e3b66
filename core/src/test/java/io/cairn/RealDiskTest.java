package io.cairn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.testing.TestCheckpointers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real small file system (tmpfs of 512 KiB) that fills up, and one remounted read-only. Needs the
 * right to mount (root in CI); skips with a message elsewhere.
 */
class RealDiskTest {
  @TempDir
  Path dir;
  Path mnt;

  static int run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    return p.waitFor();
  }

  void mountTmpfs(String size) throws Exception {
    mnt = dir.resolve("mnt");
    Files.createDirectories(mnt);
    int rc = run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", mnt.toString());
    Assumptions.assumeTrue(rc == 0,
        "cannot mount a tmpfs here (needs root / CAP_SYS_ADMIN): the full-disk case is covered by FaultTest's failing store");
  }

  @AfterEach
  void unmount() throws Exception {
    if (mnt != null) run("umount", "-l", mnt.toString());
  }

  Checkpointer.Builder builder(boolean async) {
    return TestCheckpointers.builder("disk", mnt, "local").set("level.local.keep", "2").set("block-size", "16KiB")
        .async(async);
  }

  @Test
  void aFullFileSystemNeverCostsTheLastGoodCheckpoint() throws Exception {
    mountTmpfs("512k");
    for (boolean async : new boolean[]{false, true}) {
      long[] s = new long[20_000]; // 160 KB a version: with keep=2 the third does not fit next to two
      long lastGood = 0;
      try (Checkpointer c = builder(async).open()) {
        c.protect("s", s);
        for (int k = 1; k <= 6; k++) {
          Arrays.fill(s, k);
          try {
            lastGood = c.checkpoint().await().number();
          } catch (CairnException e) {
            assertThat(e).hasMessageContaining("No space left on device")
                .hasMessageContaining("older committed versions are intact");
          }
        }
      } catch (CairnException e) {
        assertThat(e).hasMessageContaining("No space left on device"); // async: reported again at close
      }
      assertThat(lastGood).isPositive();
      long[] r = new long[20_000];
      try (Checkpointer c = builder(false).open()) {
        c.protect("s", r);
        Version v = c.restoreLatest().orElseThrow();
        assertThat(v.number()).isEqualTo(lastGood);
        assertThat(r).containsOnly(r[0]);
      }
      run("sh", "-c", "rm -rf " + mnt + "/*");
    }
  }

  @Test
  void aDiskThatHoldsKeepVersionsButNotKeepPlusOneStillCommits() throws Exception {
    // before: retention ran only after a commit, so with room for two versions and keep = 2 the third
    // never committed (nor any later one). Now the oldest version beyond the newest keep - 1 is removed
    // first, the way retention would after this commit; the newest committed version never is.
    mountTmpfs("512k");
    long[] s = new long[24_000]; // 192 KB a version: two fit in 512 KiB, three do not
    try (Checkpointer c = builder(false).open()) {
      c.protect("s", s);
      for (int k = 1; k <= 6; k++) {
        Arrays.fill(s, k);
        assertThat(c.checkpoint().await().number()).isEqualTo(k);
        assertThat(c.versions().stream().map(Version::number).toList())
            .isEqualTo(k == 1 ? java.util.List.of(1L) : java.util.List.of(k - 1L, (long) k));
      }
    }
    long[] r = new long[24_000];
    try (Checkpointer c = builder(false).open()) {
      c.protect("s", r);
      assertThat(c.restoreLatest().orElseThrow().number()).isEqualTo(6);
      assertThat(r).containsOnly(6L);
    }
    // keep = 1 and no room for a second version: the newest committed one is never removed to make room
    run("sh", "-c", "rm -rf " + mnt + "/*");
    long[] big = new long[40_000]; // 320 KB: one fits, two do not
    Checkpointer.Builder one = builder(false).set("level.local.keep", "1");
    try (Checkpointer c = one.open()) {
      c.protect("s", big);
      Arrays.fill(big, 1);
      c.checkpoint().await();
      Arrays.fill(big, 2);
      assertThatThrownBy(c::checkpoint).isInstanceOf(CairnException.class)
          .hasMessageContaining("No space left on device");
    }
    long[] r1 = new long[40_000];
    try (Checkpointer c = one.open()) {
      c.protect("s", r1);
      assertThat(c.restoreLatest().orElseThrow().number()).isEqualTo(1);
      assertThat(r1).containsOnly(1L);
    }
  }

  @Test
  void aReadOnlyFileSystemIsReportedAndLosesNothing() throws Exception {
    mountTmpfs("4m");
    long[] s = new long[1000];
    Arrays.fill(s, 7);
    try (Checkpointer c = builder(false).open()) {
      c.protect("s", s);
      c.checkpoint();
    }
    assertThat(run("mount", "-o", "remount,ro", mnt.toString())).isZero();
    assertThatThrownBy(() -> builder(false).open()).isInstanceOf(CairnException.class)
        .hasMessageContaining(mnt.toString()).hasMessageContaining("local");
    // restoring from the read-only file system works when opened read-only
    long[] ro = new long[1000];
    try (Checkpointer c = builder(false).readOnly(true).open()) {
      c.protect("s", ro);
      assertThat(c.restoreLatest().orElseThrow().number()).isEqualTo(1);
      assertThat(ro).containsOnly(7L);
      assertThatThrownBy(c::checkpoint).isInstanceOf(IllegalStateException.class).hasMessageContaining("read-only");
    }
    assertThat(run("mount", "-o", "remount,rw", mnt.toString())).isZero();
    long[] r = new long[1000];
    try (Checkpointer c = builder(false).open()) {
      c.protect("s", r);
      assertThat(c.restoreLatest().orElseThrow().number()).isEqualTo(1);
      assertThat(r).containsOnly(7L);
    }
  }
}
