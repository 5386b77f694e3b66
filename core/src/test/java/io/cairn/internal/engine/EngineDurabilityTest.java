package io.cairn.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.internal.Settings;
import io.cairn.internal.store.DirectoryStorage;
import io.cairn.spi.Storage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A new run directory's parents are fsynced; a failure after restore that cannot be recorded is said loudly. */
class EngineDurabilityTest {
  @TempDir
  Path dir;

  @Test
  void theParentOfEveryCreatedDirectoryIsSynced() throws IOException {
    Path run = dir.resolve("a/b/run");
    List<Path> synced = io.cairn.internal.store.FileModes.PRIVATE.createDurably(run);
    assertThat(Files.isDirectory(run)).isTrue();
    assertThat(synced).containsExactly(dir, dir.resolve("a"), dir.resolve("a/b"));
    assertThat(io.cairn.internal.store.FileModes.PRIVATE.createDurably(run)).isEmpty(); // nothing new: nothing to sync
  }

  /** A directory store whose attempts/ files cannot be written (a full disk). */
  static final class NoRoomForAttempts extends StorageWrapper {
    NoRoomForAttempts(Path root) { super(new DirectoryStorage(root)); }
    @Override
    public Output create(String name) throws IOException {
      if (name.startsWith("attempts/")) throw new IOException("No space left on device");
      return inner.create(name);
    }
  }

  @Test
  void aFailureThatCannotBeRecordedIsSaidLoudly() throws Exception {
    Settings s = new Settings();
    s.set("name", "d", "test");
    s.set("levels", "local", "test");
    s.set("signals", "false", "test");
    Path root = dir.resolve("local/d");
    try (Engine e = new Engine(s, dir, System::nanoTime, spec -> new NoRoomForAttempts(root))) {
      e.protect(Regions.array("x", new int[10]));
      e.checkpoint("", 1, java.util.Map.of());
      assertThat(e.restoreLatest()).isPresent();
      PrintStream old = System.err;
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      try {
        RestoreFailures.uncaught(Thread.currentThread(), new IllegalStateException("boom"));
      } finally {
        System.setErr(old);
      }
      assertThat(err.toString(StandardCharsets.UTF_8))
          .contains("CANNOT RECORD that the program failed after restoring version 1")
          .contains("No space left on device").contains("Protection against a restart loop is OFF");
    }
  }

  /** Delegates everything to another store. */
  static class StorageWrapper implements Storage {
    final Storage inner;
    StorageWrapper(Storage inner) { this.inner = inner; }
    public String describe() { return inner.describe(); }
    public Output create(String name) throws IOException { return inner.create(name); }
    public Input open(String name) throws IOException { return inner.open(name); }
    public boolean exists(String name) throws IOException { return inner.exists(name); }
    public List<String> list(String d) throws IOException { return inner.list(d); }
    public void rename(String a, String b) throws IOException { inner.rename(a, b); }
    public void delete(String n) throws IOException { inner.delete(n); }
    public void deleteTree(String d) throws IOException { inner.deleteTree(d); }
    public void syncDir(String d) throws IOException { inner.syncDir(d); }
    public AutoCloseable lock(String n, String h) throws IOException { return inner.lock(n, h); }
  }
}
