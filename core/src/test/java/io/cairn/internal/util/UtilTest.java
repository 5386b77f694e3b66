package io.cairn.internal.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UtilTest {
  @TempDir
  Path dir;

  @Test
  void atomicWriteReplacesLeavesNoTemporaryAndKeepsOwnerOnlyMode() throws IOException {
    Path f = dir.resolve("a/b/state.txt");
    AtomicFiles.writeString(f, "one\n");
    AtomicFiles.writeLines(f, List.of("two", "three"));
    assertThat(Files.readString(f)).isEqualTo("two\nthree\n");
    Path secret = dir.resolve("a/secret");
    AtomicFiles.write(secret, true, ch -> AtomicFiles.writeFully(ch, java.nio.ByteBuffer.wrap(new byte[]{1, 2})));
    assertThat(Files.readAllBytes(secret)).containsExactly(1, 2);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret))).isEqualTo("rw-------");
    try (var s = Files.list(f.getParent())) {
      assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("state.txt");
    }
  }

  @Test
  void failedWriteKeepsTheOldContentAndRemovesTheTemporary() throws IOException {
    Path f = dir.resolve("keep.txt");
    AtomicFiles.writeString(f, "old");
    assertThatThrownBy(() -> AtomicFiles.writeStream(f, os -> {
      os.write("half".getBytes());
      throw new IOException("disk full");
    })).hasMessage("disk full");
    assertThat(Files.readString(f)).isEqualTo("old");
    try (var s = Files.list(dir)) {
      assertThat(s.toList()).containsExactly(f);
    }
  }

  @Test
  void deleteTreeRemovesEverythingButDoesNotFollowLinks() throws IOException {
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Files.writeString(outside.resolve("x"), "x");
    Path t = Files.createDirectories(dir.resolve("t/a/b"));
    Files.writeString(t.resolve("f"), "f");
    Files.createSymbolicLink(dir.resolve("t/link"), outside);
    FileTrees.deleteTree(dir.resolve("t"));
    assertThat(dir.resolve("t")).doesNotExist();
    assertThat(outside.resolve("x")).exists();
    FileTrees.deleteTree(dir.resolve("t")); // nothing there: no error
    assertThat(FileTrees.deleteTreeQuietly(dir.resolve("none"))).isTrue();
  }

  @Test
  void jsonWritesBothLayoutsAndReadsItBack() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", "a\"b\n\u200b");
    m.put("n", 3);
    m.put("x", 0.125);
    m.put("nan", Double.NaN);
    m.put("list", List.of(1L, true));
    m.put("arr", new double[]{1.5, 2});
    m.put("empty", Map.of());
    assertThat(Json.write(m)).isEqualTo(
        "{\"name\":\"a\\\"b\\n\\u200b\",\"n\":3,\"x\":0.125,\"nan\":null,\"list\":[1,true],\"arr\":[1.5,2],\"empty\":{}}");
    assertThat(Json.pretty(Map.of("k", List.of(1)))).isEqualTo("{\n  \"k\": [\n    1\n  ]\n}\n");
    Map<String, Object> back = Json.parseObject(Json.pretty(m));
    assertThat(back.get("name")).isEqualTo("a\"b\n\u200b");
    assertThat(back.get("n")).isEqualTo(3L);
    assertThat(back.get("x")).isEqualTo(0.125);
    assertThat(back.get("nan")).isNull();
    assertThat(back.get("list")).isEqualTo(List.of(1L, true));
    assertThat(Json.number(1.5e-7)).isEqualTo("1.5e-07");
    assertThatThrownBy(() -> Json.parse("{\"a\": 1,\n \"b\" 2}")).hasMessageContaining("expected ':' at line 2");
    assertThatThrownBy(() -> Json.parse("[".repeat(2000))).hasMessageContaining("nested deeper");
  }
}
