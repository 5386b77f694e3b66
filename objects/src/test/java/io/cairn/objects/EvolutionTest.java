package io.cairn.objects;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.Checkpointer;
import io.cairn.StateMismatchException;
import io.cairn.testing.TestCheckpointers;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A class changes between the run that checkpointed and the run that restores: each version of the
 * classes is compiled here and loaded by its own class loader, as two builds of a program would be.
 */
class EvolutionTest {
  @TempDir
  Path dir;

  static final String HOLDER_V1 = "package evo; public class Holder { public Item item; public java.util.List<Item> items = new java.util.ArrayList<>(); public int version; }";
  static final String ITEM_V1 = "package evo; public class Item { public int a; public String b; public long c; }";

  /** Compiles the sources into their own directory and loads them with a class loader of their own. */
  ClassLoader build(String tag, String... sources) throws IOException {
    Path src = Files.createDirectories(dir.resolve(tag + "-src/evo")),
        out = Files.createDirectories(dir.resolve(tag + "-classes"));
    List<String> files = new ArrayList<>();
    for (String s : sources) {
      String cls = s.replaceAll("(?s).*public (?:final )?(?:class|enum) (\\w+).*", "$1");
      Path f = src.resolve(cls + ".java");
      Files.writeString(f, s);
      files.add(f.toString());
    }
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    List<String> args = new ArrayList<>(List.of("-d", out.toString()));
    args.addAll(files);
    assertThat(javac.run(null, null, null, args.toArray(String[]::new))).as("javac").isZero();
    return new URLClassLoader(new URL[]{out.toUri().toURL()}, getClass().getClassLoader());
  }

  Checkpointer open() {
    return TestCheckpointers.builder("evo", dir.resolve("ckpt")).open();
  }

  static Object newInstance(ClassLoader l, String cls) throws Exception {
    return l.loadClass("evo." + cls).getConstructor().newInstance();
  }

  static Object get(Object o, String f) throws Exception { return o.getClass().getField(f).get(o); }

  static void set(Object o, String f, Object v) throws Exception { o.getClass().getField(f).set(o, v); }

  /** Checkpoints a v1 holder: item (a=7, b="seven", c=70), one more item in the list, version 1. */
  @SuppressWarnings("unchecked")
  void checkpointV1() throws Exception {
    ClassLoader v1 = build("v1", HOLDER_V1, ITEM_V1);
    Object h = newInstance(v1, "Holder"), item = newInstance(v1, "Item"), other = newInstance(v1, "Item");
    set(item, "a", 7);
    set(item, "b", "seven");
    set(item, "c", 70L);
    set(other, "a", 8);
    set(h, "item", item);
    ((List<Object>) get(h, "items")).add(item);
    ((List<Object>) get(h, "items")).add(other);
    set(h, "version", 1);
    try (Checkpointer c = open()) {
      c.protect("h", h);
      c.checkpoint().await();
    }
  }

  Object restoreInto(ClassLoader v2) throws Exception {
    Object h = newInstance(v2, "Holder");
    try (Checkpointer c = open()) {
      c.protect("h", h);
      c.restoreLatest();
    }
    return h;
  }

  @Test
  @SuppressWarnings("unchecked")
  void addedFieldsRestoreWithDefaultsAndTheRootKeepsItsOwn() throws Exception {
    checkpointV1();
    ClassLoader v2 = build("v2",
        "package evo; public class Holder { public Item item; public java.util.List<Item> items = new java.util.ArrayList<>(); public int version; public String note = \"fresh\"; }",
        "package evo; public class Item { public int a; public String b; public long c; public double d = 7.5; public String e; }");
    Object h = restoreInto(v2);
    Object item = get(h, "item");
    assertThat(get(item, "a")).isEqualTo(7);
    assertThat(get(item, "b")).isEqualTo("seven");
    assertThat(get(item, "c")).isEqualTo(70L);
    assertThat(get(item, "e")).as("a new field of a nested object: default").isNull();
    assertThat(get(item, "d")).as("a new field of a nested object: what the no-arg constructor gives it")
        .isEqualTo(7.5);
    assertThat(get(h, "note")).as("a new field of the root keeps the program's value").isEqualTo("fresh");
    assertThat(((List<Object>) get(h, "items")).getFirst()).as("shared reference kept").isSameAs(item);
  }

  @Test
  void removedFieldsAreDropped() throws Exception {
    checkpointV1();
    ClassLoader v2 = build("v2",
        "package evo; public class Holder { public Item item; public java.util.List<Item> items = new java.util.ArrayList<>(); }",
        "package evo; public class Item { public int a; public String b; }");
    Object h = restoreInto(v2);
    assertThat(get(get(h, "item"), "a")).isEqualTo(7);
    assertThat(get(get(h, "item"), "b")).isEqualTo("seven");
  }

  @Test
  void aRenamedFieldIsRefusedNamingClassAndFieldsUnlessLossIsAllowed() throws Exception {
    checkpointV1();
    ClassLoader v2 = build("v2", HOLDER_V1,
        "package evo; public class Item { public int a; public String name; public long c; }");
    Object h = newInstance(v2, "Holder");
    try (Checkpointer c = open()) {
      c.protect("h", h);
      assertThatThrownBy(c::restoreLatest).isInstanceOf(StateMismatchException.class)
          .hasMessageContaining(
              "class evo.Item: field 'b' (java.lang.String) is gone and 'name' of the same type is new");
    }
    assertThat(get(h, "item")).as("refused: the root is untouched").isNull();
    System.setProperty(ForyGraph.ALLOW_FIELD_LOSS, "true");
    try {
      Object h2 = restoreInto(v2);
      assertThat(get(get(h2, "item"), "a")).isEqualTo(7);
      assertThat(get(get(h2, "item"), "name")).isNull();
    } finally {
      System.clearProperty(ForyGraph.ALLOW_FIELD_LOSS);
    }
  }

  @Test
  void aChangedFieldTypeIsRefusedNamingClassFieldAndTypes() throws Exception {
    checkpointV1();
    ClassLoader v2 = build("v2", HOLDER_V1,
        "package evo; public class Item { public long a; public String b; public long c; }");
    Object h = newInstance(v2, "Holder");
    try (Checkpointer c = open()) {
      c.protect("h", h);
      assertThatThrownBy(c::restoreLatest).isInstanceOf(StateMismatchException.class)
          .hasMessageContaining("class evo.Item, field 'a': its type changed from int (in the checkpoint) to long");
    }
  }

  @Test
  void aChangedRootFieldTypeIsRefusedToo() throws Exception {
    checkpointV1();
    ClassLoader v2 = build("v2",
        "package evo; public class Holder { public Item item; public java.util.List<Item> items = new java.util.ArrayList<>(); public long version; }",
        ITEM_V1);
    Object h = newInstance(v2, "Holder");
    try (Checkpointer c = open()) {
      c.protect("h", h);
      assertThatThrownBy(c::restoreLatest).isInstanceOf(StateMismatchException.class)
          .hasMessageContaining("class evo.Holder, field 'version': its type changed from int");
    }
  }

  static final String BOX = "package evo; public class Box { public Color color; public java.util.List<Color> more = new java.util.ArrayList<>(); }";

  @SuppressWarnings({"unchecked", "rawtypes"})
  static Object constant(ClassLoader l, String name) throws Exception {
    return Enum.valueOf((Class) l.loadClass("evo.Color"), name);
  }

  @Test
  @SuppressWarnings("unchecked")
  void aRemovedEnumConstantIsRefusedNamingEnumConstantAndRegionWhileReorderingAndAddingAreFine() throws Exception {
    ClassLoader v1 = build("v1", BOX, "package evo; public enum Color { RED, GREEN, BLUE }");
    Object box = newInstance(v1, "Box");
    set(box, "color", constant(v1, "GREEN"));
    ((List<Object>) get(box, "more")).add(constant(v1, "BLUE"));
    try (Checkpointer c = open()) {
      c.protect("palette", box);
      c.checkpoint().await();
    }
    ClassLoader v2 = build("v2", BOX, "package evo; public enum Color { BLUE, RED, PURPLE }");
    Object b2 = newInstance(v2, "Box");
    try (Checkpointer c = open()) {
      c.protect("palette", b2);
      assertThatThrownBy(c::restoreLatest).isInstanceOf(StateMismatchException.class)
          .hasMessageContaining(
              "object graph 'palette': the checkpoint holds constant GREEN of enum evo.Color, which the enum no longer has")
          .hasMessageContaining("[BLUE, RED, PURPLE]");
    }
    assertThat(get(b2, "color")).as("refused: the root is untouched").isNull();
    assertThat((List<Object>) get(b2, "more")).isEmpty();
    ClassLoader v3 = build("v3", BOX, "package evo; public enum Color { PURPLE, BLUE, GREEN, RED }");
    Object b3 = newInstance(v3, "Box");
    try (Checkpointer c = open()) {
      c.protect("palette", b3);
      c.restoreLatest();
    }
    assertThat(get(b3, "color")).as("stored by name: reordered and added constants restore")
        .isSameAs(constant(v3, "GREEN"));
    assertThat((List<Object>) get(b3, "more")).containsExactly(constant(v3, "BLUE"));
  }
}
