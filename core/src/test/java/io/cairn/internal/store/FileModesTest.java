package io.cairn.internal.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.testing.TestCheckpointers;
import io.cairn.Cairn;
import io.cairn.Checkpointer;
import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a run writes is private (0700/0600) under the usual umask 022; {@code permissions = group} gives 0770/0660. */
class FileModesTest {
  @TempDir
  Path tmp;
  private static final MethodHandle UMASK = Linker.nativeLinker().downcallHandle(
      Linker.nativeLinker().defaultLookup().find("umask").orElseThrow(),
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
  private int saved;

  private static int umask(int mask) {
    try {
      return (int) UMASK.invokeExact(mask);
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  @BeforeEach
  void umask022() { saved = umask(0022); }

  @AfterEach
  void restore() { umask(saved); }

  private void run(Path base, String permissions) {
    Checkpointer.Builder b = TestCheckpointers.builder("m", base, "local", "persistent");
    if (permissions != null) b.set("permissions", permissions);
    try (Checkpointer c = b.open()) {
      c.protect("x", new long[1000]);
      c.routeFile("notes.txt"); // creates <base>/files/m (the program writes the file itself)
      c.checkpoint().await();
      c.checkpoint().await();
    }
  }

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
  }

  private void assertModes(Path base, String dirs, String files) throws IOException {
    int seen = 0;
    try (Stream<Path> s = Files.walk(base)) {
      for (Path p : s.toList()) {
        assertThat(mode(p)).as(p.toString()).isEqualTo(Files.isDirectory(p) ? dirs : files);
        seen++;
      }
    }
    assertThat(seen).isGreaterThan(10); // base, levels, run dirs, versions, packs, manifests, locks, stats
  }

  @Test
  void privateByDefaultWhateverTheUmask() throws IOException {
    Path base = tmp.resolve("data");
    run(base, null);
    assertModes(base, "rwx------", "rw-------");
  }

  @Test
  void groupSharedWhenConfigured() throws IOException {
    Path base = tmp.resolve("shared");
    run(base, "group");
    assertModes(base, "rwxrwx---", "rw-rw----");
  }

  @Test
  void aBadValueIsRefusedWithTheKey() {
    assertThatThrownBy(() -> Cairn.builder().set("permissions", "world")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'permissions' = 'world'").hasMessageContaining("'private'");
  }
}
