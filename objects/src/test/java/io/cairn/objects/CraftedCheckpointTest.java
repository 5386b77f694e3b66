package io.cairn.objects;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.Checkpointable;
import io.cairn.Checkpointer;
import io.cairn.StateMismatchException;
import io.cairn.StateReader;
import io.cairn.StateWriter;
import io.cairn.testing.TestCheckpointers;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints whose object region was crafted (valid checksums: written through Cairn itself) to make a
 * restore instantiate a class the protected graph does not declare: refused, with the class named.
 */
class CraftedCheckpointTest {
  @TempDir
  Path dir;

  /** The root a program protects: nothing in it declares Gadget or EvilPayload. */
  static final class Box {
    Object any;
    int n;
  }

  /** A class an attacker would like instantiated. */
  static final class Gadget {
    String command = "rm -rf";
  }

  Checkpointer open() {
    return TestCheckpointers.builder("crafted", dir).open();
  }

  /** Writes {@code bytes} as object region "box" of a valid checkpoint (the way an attacker with write access could). */
  void writeCheckpointHolding(byte[] bytes) {
    try (Checkpointer c = open()) {
      c.protect("box", new Checkpointable() {
        @Override
        public void save(StateWriter out) { for (byte b : bytes) out.writeByte(b); }
        @Override
        public void load(StateReader in) {}
      });
      c.checkpoint().await();
    }
  }

  static byte[] payload(int largeArrays, byte[] schema, byte[] stream) {
    ByteBuffer b = ByteBuffer.allocate(8 + 4 + 4 + schema.length + 4 + stream.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put(ForyGraph.MAGIC).putInt(largeArrays).putInt(schema.length).put(schema).putInt(stream.length).put(stream);
    return b.array();
  }

  @Test
  void aClassListNamingAnotherClassIsRefusedBeforeAnythingIsLoaded() {
    Map<String, Map<String, String>> classes = new LinkedHashMap<>();
    classes.put(Box.class.getName(), Map.of("any", "java.lang.Object", "n", "int"));
    classes.put("io.cairn.objects.EvilPayload", Map.of("x", "int"));
    byte[] schema = new Schema(Box.class.getName(), List.of("any", "n"), classes).toBytes();
    writeCheckpointHolding(payload(0, schema, new byte[16]));

    Box box = new Box();
    box.n = 3;
    try (Checkpointer c = open()) {
      c.protect("box", box);
      assertThatThrownBy(c::restoreLatest).isInstanceOf(StateMismatchException.class)
          .hasMessageContaining("object graph 'box': the checkpoint names class io.cairn.objects.EvilPayload")
          .hasMessageContaining("allow-list");
    }
    assertThat(box.n).isEqualTo(3);
    assertThat(System.getProperty("cairn.test.evil-loaded")).as("the named class was never loaded").isNull();
  }

  @Test
  void anObjectStreamNamingAnotherClassIsRefusedByTheSerializer() throws Exception {
    // the attacker's side: a Box holding a Gadget, serialised by a graph that allows Gadget ...
    Box evil = new Box();
    evil.any = new Gadget();
    byte[] legit = new ForyGraph("box", evil, List.of(Gadget.class)).write().toArray(ValueLayout.JAVA_BYTE);
    ByteBuffer in = ByteBuffer.wrap(legit).order(ByteOrder.LITTLE_ENDIAN);
    in.position(8);
    assertThat(in.getInt()).isZero();
    int sl = in.getInt();
    in.position(in.position() + sl);
    byte[] stream = new byte[in.getInt()];
    in.get(stream);
    // ... with a class list that only shows the Box, so that the first check passes
    Map<String, Map<String, String>> classes = new LinkedHashMap<>();
    classes.put(Box.class.getName(), Schema.layout(Box.class));
    writeCheckpointHolding(payload(0, new Schema(Box.class.getName(), List.of("any", "n"), classes).toBytes(), stream));

    Box box = new Box();
    box.n = 3;
    try (Checkpointer c = open()) {
      c.protect("box", box);
      assertThatThrownBy(c::restoreLatest).isInstanceOf(StateMismatchException.class)
          .hasMessageContaining("object graph 'box': the checkpoint names a class outside the graph's allow-list")
          .hasMessageContaining(Gadget.class.getName());
    }
    assertThat(box.any).isNull();
    assertThat(box.n).isEqualTo(3);

    // the same checkpoint restores when the program itself declares Gadget
    Box allowed = new Box();
    writeCheckpointHolding(legit);
    try (Checkpointer c = open()) {
      c.protect("box", allowed, Gadget.class);
      c.restoreLatest();
    }
    assertThat(allowed.any).isInstanceOf(Gadget.class);
  }

  @Test
  void aGraphThatLaterReachesAnUndeclaredClassFailsAtTheCheckpointNotAtRestore() {
    Box box = new Box();
    try (Checkpointer c = open()) {
      c.protect("box", box);
      c.checkpoint().await();
      box.any = new Gadget();
      assertThatThrownBy(c::checkpoint).hasMessageContaining("object graph 'box' now reaches a class")
          .hasMessageContaining(Gadget.class.getName()).hasMessageContaining("protect(\"box\", root, TheClass.class)");
      assertThat(c.versions()).hasSize(1);
    }
  }

  @Test
  void truncatedAndNonsensePayloadsAreClearErrors() {
    writeCheckpointHolding(new byte[]{1, 2, 3});
    Box box = new Box();
    try (Checkpointer c = open()) {
      c.protect("box", box);
      assertThatThrownBy(c::restoreLatest).hasMessageContaining("object graph 'box': not an object graph checkpoint");
    }
    byte[] p = payload(0, new byte[]{0, 5, 'a'}, new byte[0]);
    writeCheckpointHolding(p);
    try (Checkpointer c = open()) {
      c.protect("box", box);
      assertThatThrownBy(c::restoreLatest).hasMessageContaining("object graph 'box'").hasMessageContaining("truncated");
    }
    ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN).put(ForyGraph.MAGIC).putInt(1)
        .putLong(1L << 40);
    writeCheckpointHolding(b.array());
    try (Checkpointer c = open()) {
      c.protect("box", box);
      assertThatThrownBy(c::restoreLatest).hasMessageContaining("runs past the end");
    }
  }
}
