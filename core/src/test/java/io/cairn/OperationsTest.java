package io.cairn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.testing.TestCheckpointers;
import io.cairn.internal.Settings;
import io.cairn.internal.engine.LevelStore;
import io.cairn.internal.store.DirectoryStorage;
import io.cairn.spi.Storage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Operations that must not lie: a version removed by retention while {@code verify} reads it is
 * "removed", not damaged; in async mode every background failure reaches the program; stats.json is
 * fsynced before it is renamed into place.
 */
class OperationsTest {
  @TempDir
  Path dir;

  /** A directory store with hooks: before a file is opened, and a log of create/sync/rename. */
  static class Hooked implements Storage {
    final DirectoryStorage inner;
    final List<String> events = Collections.synchronizedList(new ArrayList<>());
    volatile java.util.function.Consumer<String> beforeOpen = n -> {};
    volatile boolean failWrites;
    /** Failing writes wait for it: several checkpoints are queued before the first fails. */
    volatile java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(0);
    Hooked(Path root) { inner = new DirectoryStorage(root); }
    public String describe() { return inner.describe(); }
    public Output create(String name) throws IOException {
      events.add("create " + name);
      Output o = inner.create(name);
      return new Output() {
        public void write(ByteBuffer src) throws IOException {
          if (failWrites && name.endsWith("data.pack")) {
            try {
              gate.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            throw new IOException("I/O error (test)");
          }
          o.write(src);
        }
        public long position() { return o.position(); }
        public void sync() throws IOException { events.add("sync " + name); o.sync(); }
        public void close() throws IOException { o.close(); }
      };
    }
    public Input open(String name) throws IOException { beforeOpen.accept(name); return inner.open(name); }
    public boolean exists(String name) throws IOException { return inner.exists(name); }
    public List<String> list(String d) throws IOException { return inner.list(d); }
    public void rename(String a, String b) throws IOException {
      events.add("rename " + a + " " + b);
      inner.rename(a, b);
    }
    public void delete(String n) throws IOException { inner.delete(n); }
    public void deleteTree(String d) throws IOException { inner.deleteTree(d); }
    public void syncDir(String d) throws IOException { inner.syncDir(d); }
    public AutoCloseable lock(String n, String h) throws IOException { return inner.lock(n, h); }
  }

  Checkpointer.Builder builder(Hooked store, boolean async) {
    return TestCheckpointers.smallChunks("o", dir, "local").set("level.local.keep", "3")
        .async(async).storage(spec -> store);
  }

  @Test
  void aVersionRemovedWhileVerifyingIsNotDamaged() throws Exception {
    Hooked store = new Hooked(dir.resolve("local/o"));
    long[] s = new long[3000];
    try (Checkpointer c = builder(store, false).open()) {
      c.protect("s", s);
      for (int k = 1; k <= 3; k++) c.checkpoint().await();
    }
    LevelStore ls = new LevelStore(new Settings().levels(dir).getFirst(), store, 8);
    // retention of a running program removes version 1 between the manifest read and the pack read
    store.beforeOpen = n -> {
      if (n.equals("v0000000001/data.pack")) {
        try {
          store.inner.delete("v0000000001/manifest");
          store.inner.deleteTree("v0000000001");
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
    };
    LevelStore.Verified v1 = ls.verify(1, new LevelStore.Scratch());
    assertThat(v1.check()).isEqualTo(LevelStore.Check.REMOVED);
    assertThat(v1.error()).isEqualTo("removed while verifying");
    // a pack that is missing while the manifest is there is damage
    store.beforeOpen = n -> {};
    Files.delete(dir.resolve("local/o/v0000000002/data.pack"));
    LevelStore.Verified v2 = ls.verify(2, new LevelStore.Scratch());
    assertThat(v2.check()).isEqualTo(LevelStore.Check.DAMAGED);
    assertThat(v2.error()).contains("pack is missing");
    assertThat(ls.verify(3, new LevelStore.Scratch()).check()).isEqualTo(LevelStore.Check.OK);
  }

  @Test
  void everyBackgroundFailureReachesTheProgram() {
    Hooked store = new Hooked(dir.resolve("local/o"));
    long[] s = new long[3000];
    Checkpointer c = builder(store, true).open();
    c.protect("s", s);
    c.checkpoint().await();
    store.failWrites = true;
    store.gate = new java.util.concurrent.CountDownLatch(1);
    List<Checkpoint> failed = new ArrayList<>();
    for (int k = 0; k < 3; k++) failed.add(c.checkpoint());
    store.gate.countDown();
    for (Checkpoint p : failed) assertThatThrownBy(p::await).hasMessageContaining("I/O error (test)"); // each future
    // the next call reports all three, not only the last
    assertThatThrownBy(c::due).isInstanceOf(CairnException.class)
        .hasMessageContaining("3 background checkpoints failed")
        .hasMessageContaining("checkpoint 2:").hasMessageContaining("checkpoint 3:")
        .hasMessageContaining("checkpoint 4:");
    c.due(); // reported once
    failed.clear();
    store.gate = new java.util.concurrent.CountDownLatch(1);
    for (int k = 0; k < 2; k++) failed.add(c.checkpoint());
    store.gate.countDown();
    for (Checkpoint p : failed) assertThatThrownBy(p::await).isInstanceOf(CairnException.class);
    assertThatThrownBy(c::close).isInstanceOf(CairnException.class)
        .hasMessageContaining("2 background checkpoints failed before close")
        .hasMessageContaining("checkpoint 5:").hasMessageContaining("checkpoint 6:");
  }

  @Test
  void statsJsonIsSyncedBeforeItIsRenamed() {
    Hooked store = new Hooked(dir.resolve("local/o"));
    try (Checkpointer c = builder(store, false).open()) {
      c.protect("s", new long[100]);
      c.checkpoint().await();
    }
    List<String> ev = new ArrayList<>(store.events);
    int created = ev.indexOf("create stats.json.tmp"), synced = ev.indexOf("sync stats.json.tmp"),
        renamed = ev.indexOf("rename stats.json.tmp stats.json");
    assertThat(created).as("events %s", ev).isNotNegative();
    assertThat(synced).as("events %s", ev).isGreaterThan(created);
    assertThat(renamed).as("events %s", ev).isGreaterThan(synced);
  }
}
