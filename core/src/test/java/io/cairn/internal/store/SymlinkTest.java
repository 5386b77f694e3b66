package io.cairn.internal.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.testing.TestCheckpointers;
import io.cairn.CairnException;
import io.cairn.Checkpointer;
import io.cairn.internal.Settings;
import io.cairn.internal.engine.LevelStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Symbolic links inside a checkpoint tree are never followed: retention, {@code pin}, {@code delete}
 * and the lock refuse them with a message, and nothing outside the tree is deleted, created or written.
 */
class SymlinkTest {
  @TempDir
  Path tmp;
  Path base, root, outside;

  @BeforeEach
  void threeVersions() throws IOException {
    base = tmp.resolve("data");
    root = base.resolve("local").resolve("s");
    outside = tmp.resolve("outside");
    Files.createDirectories(outside);
    try (Checkpointer c = builder(5).open()) {
      c.protect("x", new int[]{1, 2, 3});
      for (int i = 0; i < 3; i++) c.checkpoint().await();
    }
  }

  private Checkpointer.Builder builder(int keep) {
    return TestCheckpointers.builder("s", base, "local").set("level.local.keep", Integer.toString(keep));
  }

  private LevelStore store() {
    return new LevelStore(new Settings().levels(base).get(0), new DirectoryStorage(root), 8);
  }

  /** Moves version 1 out of the tree and leaves a symbolic link to it in its place. */
  private Path linkVersionOne() throws IOException {
    Path v1 = root.resolve("v0000000001");
    Path moved = outside.resolve("v1");
    Files.move(v1, moved);
    Files.createSymbolicLink(v1, moved);
    return moved;
  }

  @Test
  void pruneDoesNotDeleteAManifestOutsideTheTree() throws IOException {
    Path moved = linkVersionOne();
    assertThatThrownBy(() -> store().prune(1, 3)).isInstanceOf(IOException.class)
        .hasMessageContaining("refusing to follow the symbolic link " + root.resolve("v0000000001"))
        .hasMessageContaining("remove the link");
    assertThat(moved.resolve("manifest")).exists();
    assertThat(moved.resolve("data.pack")).exists();
  }

  @Test
  void deleteDoesNotDeleteAManifestOutsideTheTree() throws IOException {
    Path moved = linkVersionOne();
    assertThatThrownBy(() -> store().delete(1)).isInstanceOf(IOException.class).hasMessageContaining("symbolic link");
    assertThat(moved.resolve("manifest")).exists();
  }

  @Test
  void pinDoesNotCreateAFileOutsideTheTree() throws IOException {
    Path moved = linkVersionOne();
    assertThatThrownBy(() -> store().pin(1)).isInstanceOf(IOException.class).hasMessageContaining("symbolic link");
    assertThat(moved.resolve("pinned")).doesNotExist();
  }

  @Test
  void aProgramsRetentionRefusesTheTreeAndDeletesNothingOutside() throws IOException {
    Path moved = linkVersionOne();
    try (Checkpointer c = builder(1).open()) {
      c.protect("x", new int[]{4, 5, 6});
      // retention after the commit meets the link: refused (reported, or logged by the engine)
      try {
        c.checkpoint().await();
      } catch (CairnException e) {
        assertThat(e).hasStackTraceContaining("symbolic link");
      }
    }
    assertThat(moved.resolve("manifest")).exists();
    assertThat(moved.resolve("data.pack")).exists();
  }

  @Test
  void aLinkedManifestIsNotRead() throws IOException {
    Path m = root.resolve("v0000000003/manifest");
    Path elsewhere = outside.resolve("manifest");
    Files.move(m, elsewhere);
    Files.createSymbolicLink(m, elsewhere);
    assertThatThrownBy(() -> store().readManifest(3)).isInstanceOf(IOException.class)
        .hasMessageContaining("symbolic link " + m);
    assertThatThrownBy(() -> store().committed()).isInstanceOf(IOException.class).hasMessageContaining("symbolic link");
  }

  @Test
  void aLinkedLockIsNeitherTruncatedNorWritten() throws IOException {
    Path victim = outside.resolve("important.txt");
    Files.writeString(victim, "precious\n");
    Files.deleteIfExists(root.resolve(".lock"));
    Files.createSymbolicLink(root.resolve(".lock"), victim);
    assertThatThrownBy(() -> new DirectoryStorage(root).lock(".lock", "me")).isInstanceOf(IOException.class)
        .hasMessageContaining("symbolic link");
    assertThatThrownBy(() -> builder(5).open()).isInstanceOf(CairnException.class)
        .hasMessageContaining("symbolic link");
    assertThat(Files.readString(victim)).isEqualTo("precious\n");
  }

  @Test
  void deleteTreeNeverDescendsIntoALink() throws IOException {
    Path inner = outside.resolve("inner");
    Files.createDirectories(inner);
    Files.writeString(inner.resolve("keep.txt"), "x");
    Files.createSymbolicLink(root.resolve("v0000000002/extra"), inner);
    DirectoryStorage st = new DirectoryStorage(root);
    assertThatThrownBy(() -> st.deleteTree("v0000000002")).isInstanceOf(IOException.class)
        .hasMessageContaining("symbolic link");
    assertThat(inner.resolve("keep.txt")).exists();
  }

  @Test
  void createRefusesALinkedDirectoryOnTheWay() throws IOException {
    Files.createSymbolicLink(root.resolve("v0000000007"), outside);
    DirectoryStorage st = new DirectoryStorage(root);
    assertThatThrownBy(() -> st.create("v0000000007/data.pack")).isInstanceOf(IOException.class)
        .hasMessageContaining("symbolic link");
    assertThat(outside.resolve("data.pack")).doesNotExist();
  }
}
