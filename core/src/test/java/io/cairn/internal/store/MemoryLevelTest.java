package io.cairn.internal.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cairn.testing.TestCheckpointers;
import io.cairn.CairnException;
import io.cairn.Checkpointer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default memory level ({@code <ram>/cairn-<user>/<digest>/<run>}): private per-user directory,
 * checked when it exists; SHA-256 naming with the base path recorded; copies of a deleted base never
 * restored. {@code <ram>} is a temporary directory here (system property {@code cairn.memory.root}).
 */
class MemoryLevelTest {
  @TempDir
  Path tmp;
  Path ram;
  String user = System.getProperty("user.name");

  @BeforeEach
  void ram() throws IOException {
    ram = tmp.resolve("ram");
    Files.createDirectories(ram);
    System.setProperty("cairn.memory.root", ram.toString());
  }

  @AfterEach
  void clear() { System.clearProperty("cairn.memory.root"); }

  static Checkpointer.Builder builder(Path base) {
    return TestCheckpointers.builder("run", base, "memory");
  }

  static long save(Path base, long value) {
    try (Checkpointer c = builder(base).open()) {
      c.protect("x", new long[]{value});
      return c.checkpoint().await().number();
    }
  }

  /** The value restored from the newest version, or empty when nothing was restored. */
  static Optional<Long> restore(Path base) {
    long[] x = new long[1];
    try (Checkpointer c = builder(base).open()) {
      c.protect("x", x);
      return c.restoreLatest().map(v -> x[0]);
    }
  }

  Path userDir() { return ram.resolve("cairn-" + user); }

  @Test
  void perUserDirectoryIsPrivateAndTheBasePathIsRecorded() throws IOException {
    Path base = tmp.resolve("proj");
    save(base, 7);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(userDir()))).isEqualTo("rwx------");
    Path dir = userDir().resolve(MemoryLevel.digest(base));
    assertThat(dir.getFileName().toString()).hasSize(32).matches("[0-9a-f]+");
    assertThat(Files.readString(dir.resolve("identity"))).contains("base=" + base.toAbsolutePath().normalize());
    assertThat(restore(base)).contains(7L);
  }

  @Test
  void basePathsWithTheSameStringHashDoNotShareCopies() {
    // "Aa" and "BB" have the same String.hashCode: the old naming gave both projects one directory
    Path a = tmp.resolve("Aa"), b = tmp.resolve("BB");
    assertThat(a.toAbsolutePath().toString().hashCode()).isEqualTo(b.toAbsolutePath().toString().hashCode());
    save(a, 1);
    assertThat(restore(b)).isEmpty();
    assertThat(restore(a)).contains(1L);
  }

  @Test
  void aRecordedBasePathOtherThanThisOneIsRefused() throws IOException {
    Path base = tmp.resolve("proj");
    save(base, 1);
    Path identity = userDir().resolve(MemoryLevel.digest(base)).resolve("identity");
    Files.writeString(identity, Files.readString(identity).replace("base=", "base=/elsewhere"));
    assertThatThrownBy(() -> restore(base)).isInstanceOf(CairnException.class)
        .hasMessageContaining("records the base directory /elsewhere").hasMessageContaining("refusing to mix");
  }

  @Test
  void deletingTheBaseDirectoryStartsFresh() throws IOException {
    Path base = tmp.resolve("proj");
    save(base, 5);
    Path runDir = userDir().resolve(MemoryLevel.digest(base)).resolve("run");
    assertThat(runDir).isDirectory();
    deleteTree(base);
    // a read-only look (a tool, a replay) neither restores nor removes the stale copies
    long[] x = new long[1];
    try (Checkpointer c = builder(base).readOnly(true).open()) {
      c.protect("x", x);
      assertThat(c.restoreLatest()).isEmpty();
    }
    assertThat(runDir).isDirectory();
    // the next run starts fresh: the stale copies are removed, not restored
    assertThat(restore(base)).isEmpty();
    assertThat(runDir.resolve("v0000000001")).doesNotExist();
    save(base, 9);
    assertThat(restore(base)).contains(9L);
  }

  @Test
  void recreatingTheBaseDirectoryElsewhereStartsFresh() throws IOException {
    // the base's anchor differs from the one recorded with the copies (e.g. the base was restored from
    // an older backup, or deleted and a run on another node sharing it wrote a new one)
    Path base = tmp.resolve("proj");
    save(base, 5);
    Files.writeString(base.resolve(MemoryLevel.ANCHOR), "00000000000000000000000000000000\n");
    assertThat(restore(base)).isEmpty();
  }

  @Test
  void aSymlinkedPerUserDirectoryIsRefused() throws IOException {
    Path elsewhere = tmp.resolve("elsewhere");
    Files.createDirectories(elsewhere);
    Files.createSymbolicLink(userDir(), elsewhere);
    assertThatThrownBy(() -> save(tmp.resolve("proj"), 1)).isInstanceOf(CairnException.class)
        .hasMessageContaining(userDir().toString()).hasMessageContaining("symbolic link");
    try (Stream<Path> s = Files.list(elsewhere)) {
      assertThat(s.toList()).isEmpty();
    }
  }

  @Test
  void aGroupOrWorldWritablePerUserDirectoryIsRefused() throws IOException {
    Files.createDirectories(userDir());
    Files.setPosixFilePermissions(userDir(), PosixFilePermissions.fromString("rwxrwxrwx"));
    assertThatThrownBy(() -> save(tmp.resolve("proj"), 1)).isInstanceOf(CairnException.class)
        .hasMessageContaining(userDir().toString()).hasMessageContaining("writable by other users")
        .hasMessageContaining("chmod 700");
    Files.setPosixFilePermissions(userDir(), PosixFilePermissions.fromString("rwxrwx---"));
    assertThatThrownBy(() -> save(tmp.resolve("proj"), 1)).isInstanceOf(CairnException.class)
        .hasMessageContaining("writable by its group");
    Files.setPosixFilePermissions(userDir(), PosixFilePermissions.fromString("rwxr-xr-x")); // as made under umask 022
    save(tmp.resolve("proj"), 1);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(userDir()))).isEqualTo("rwx------");
  }

  /**
   * Another user (created here; needs root) prepares the victim's per-user directory before the victim's
   * first run: with a {@code .lock} linked to a file of the victim, and a planted version with a higher
   * number. The victim's run refuses the directory; the victim's file is untouched; nothing is restored.
   */
  @Test
  void anotherUsersPreparedDirectoryIsRefused() throws Exception {
    assumeTrue(MemoryLevel.euid() == 0,
        "needs root to create a second user (useradd) and act as it; running as uid " + MemoryLevel.euid());
    String evil = "cairnx" + (ProcessHandle.current().pid() % 100000);
    Process add = new ProcessBuilder("useradd", "-M", "-s", "/usr/sbin/nologin", evil).redirectErrorStream(true)
        .start();
    String addOut = new String(add.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assumeTrue(add.waitFor() == 0, "useradd " + evil + " failed: " + addOut);
    Path shared = Files.createTempDirectory(Path.of(Files.isDirectory(Path.of("/dev/shm")) ? "/dev/shm" : "/tmp"),
        "cairn-test-ram-");
    try {
      sh("chmod 1777 " + shared); // like /dev/shm: everyone may create entries, sticky
      System.setProperty("cairn.memory.root", shared.toString());
      Path base = tmp.resolve("victim-project");
      Path victimFile = tmp.resolve("victim-notes.txt");
      Files.writeString(victimFile, "the victim's data\n");
      // a valid checkpoint with the attacker's state, to plant as version 99
      Path donor = tmp.resolve("donor");
      try (Checkpointer c = TestCheckpointers.builder("run", donor, "local").open()) {
        c.protect("x", new long[]{666});
        c.checkpoint().await();
      }
      Path planted = shared.resolve("cairn-" + user).resolve(MemoryLevel.digest(base)).resolve("run");
      String script = "set -e; mkdir -p " + planted + "/v0000000099; chmod -R 755 " + shared.resolve("cairn-" + user)
          + "; ln -s " + victimFile + " " + planted + "/.lock";
      asUser(evil, script);
      // the attacker copies the donor's files in (readable by root only, so root hands them over as the test's helper)
      for (String f : new String[]{"manifest", "data.pack"}) {
        Path to = planted.resolve("v0000000099").resolve(f);
        Files.copy(donor.resolve("local/run/v0000000001").resolve(f), to);
        sh("chown " + evil + " " + to);
      }
      assertThat(Files.isSymbolicLink(planted.resolve(".lock"))).isTrue();

      long[] x = new long[1];
      assertThatThrownBy(() -> {
        try (Checkpointer c = builder(base).levels("memory").open()) {
          c.protect("x", x);
          c.restoreLatest();
        }
      }).isInstanceOf(CairnException.class).hasMessageContaining(shared.resolve("cairn-" + user).toString())
          .hasMessageContaining("is owned by " + evil);
      assertThat(x[0]).isZero();
      assertThat(Files.readString(victimFile)).isEqualTo("the victim's data\n");
      // a read-only look (cairn ls, a replay) refuses it too
      assertThatThrownBy(() -> builder(base).readOnly(true).open()).isInstanceOf(CairnException.class)
          .hasMessageContaining("is owned by " + evil);
      assertThat(Files.readString(victimFile)).isEqualTo("the victim's data\n");
    } finally {
      sh("rm -rf " + shared);
      new ProcessBuilder("userdel", "-f", evil).redirectErrorStream(true).start().waitFor();
    }
  }

  private static void sh(String cmd) throws Exception {
    Process p = new ProcessBuilder("sh", "-c", cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("%s: %s", cmd, out).isZero();
  }

  private static void asUser(String name, String script) throws Exception {
    Process p = new ProcessBuilder("setpriv", "--reuid=" + name, "--regid=" + name, "--clear-groups", "sh", "-c",
        script)
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("as %s: %s: %s", name, script, out).isZero();
  }

  private static void deleteTree(Path p) throws IOException {
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(q);
    }
  }

}
