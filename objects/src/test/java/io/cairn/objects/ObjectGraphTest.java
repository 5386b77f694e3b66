package io.cairn.objects;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.CairnException;
import io.cairn.Checkpointed;
import io.cairn.Checkpointer;
import io.cairn.objects.Graphs.Model;
import io.cairn.testing.TestCheckpointers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ObjectGraphTest {
  @TempDir
  Path dir;

  Checkpointer open(String... kv) {
    var b = TestCheckpointers.builder("objects", dir);
    for (int i = 0; i < kv.length; i += 2) b.set(kv[i], kv[i + 1]);
    return b.open();
  }

  /** A node of a long linked chain: Fory recurses once per reference. */
  static final class Node {
    int value;
    Node next;
  }

  /** A root holding a chain. */
  static final class Chain {
    Node head;
  }

  @Test
  void aLongLinkedChainRoundTripsWhateverTheCallersStack() throws Exception {
    int n = 200_000; // far deeper than a default 1 MiB thread stack allows for a recursive serialiser
    Chain chain = new Chain();
    Node prev = null;
    for (int i = n - 1; i >= 0; i--) {
      Node x = new Node();
      x.value = i;
      x.next = prev;
      prev = x;
    }
    chain.head = prev;
    // the program's thread has a small stack: the graph work must not depend on it
    Thread t = new Thread(null, () -> {
      try (Checkpointer c = open()) {
        c.protect("chain", chain);
        c.checkpoint().await();
      }
      Chain live = new Chain();
      try (Checkpointer c = open()) {
        c.protect("chain", live);
        assertThat(c.restoreLatest()).isPresent();
      }
      int i = 0;
      for (Node x = live.head; x != null; x = x.next, i++) assertThat(x.value).isEqualTo(i);
      assertThat(i).isEqualTo(n);
    }, "small-stack", 256 << 10);
    Throwable[] failed = new Throwable[1];
    t.setUncaughtExceptionHandler((th, e) -> failed[0] = e);
    t.start();
    t.join();
    assertThat(failed[0]).as("the chain round-trips").isNull();
  }

  @Test
  void graphRoundTripsIntoTheSameRoot() {
    Model m = Graphs.model(2, 500);
    Model expect = Graphs.model(2, 500);
    try (Checkpointer c = open()) {
      c.protect("model", m);
      c.checkpoint().await();
    }
    Model live = Graphs.model(7, 20); // another state in the root the program holds
    live.scratch = 99;
    try (Checkpointer c = open()) {
      c.protect("model", live);
      assertThat(c.restoreLatest()).isPresent();
    }
    Graphs.assertSame(expect, live);
    assertThat(live.scratch).as("transient fields keep the program's value").isEqualTo(99);
    assertThat(live.tree.owner).as("back references to the root point at the program's root").isSameAs(live);
  }

  @Test
  void asyncCheckpointCapturesTheGraphAtTheCall() {
    Model m = Graphs.model(4, 200);
    Model expect = Graphs.model(4, 200);
    try (Checkpointer c = open("mode", "async")) {
      c.protect("model", m);
      var cp = c.checkpoint();
      // change the graph at once: the checkpoint holds the state at the call
      m.samples.clear();
      m.weights[0] = 12345;
      m.phase = Graphs.Phase.EVAL;
      cp.await();
    }
    Model live = Graphs.model(9, 3);
    try (Checkpointer c = open()) {
      c.protect("model", live);
      c.restoreLatest();
    }
    Graphs.assertSame(expect, live);
  }

  @Test
  void mapListAndArrayRootsAreFilledInPlace() {
    Map<String, int[]> map = new HashMap<>(Map.of("a", new int[]{1, 2}));
    List<Graphs.Sample> list = new ArrayList<>(List.of(new Graphs.Sample("x", new double[]{1.5}, 3)));
    Object[] arr = {"s", 4L, null};
    try (Checkpointer c = open()) {
      c.protect("map", map).protect("list", list).protect("arr", arr);
      c.checkpoint().await();
    }
    Map<String, int[]> map2 = new HashMap<>(Map.of("zz", new int[0]));
    List<Graphs.Sample> list2 = new ArrayList<>();
    Object[] arr2 = new Object[3];
    try (Checkpointer c = open()) {
      // an empty List<Sample> shows no Sample class to the allow-list (generics are erased): refused
      c.protect("map", map2).protect("list", list2).protect("arr", arr2);
      assertThatThrownBy(c::restoreLatest).isInstanceOf(io.cairn.StateMismatchException.class)
          .hasMessageContaining("'list'").hasMessageContaining("names class io.cairn.objects.Graphs$Sample");
    }
    assertThat(list2).as("a refused root is left alone").isEmpty();
    try (Checkpointer c = open()) {
      c.protect("map", map2).protect("list", list2, Graphs.Sample.class).protect("arr", arr2);
      c.restoreLatest();
    }
    assertThat(map2).containsOnlyKeys("a");
    assertThat(map2.get("a")).containsExactly(1, 2);
    assertThat(list2).hasSize(1);
    assertThat(list2.getFirst().features()).containsExactly(1.5);
    assertThat(arr2).containsExactly("s", 4L, null);
  }

  @Test
  void rootsThatCannotBeFilledAreRefusedAtProtect() {
    try (Checkpointer c = open()) {
      assertThatThrownBy(() -> c.protect("r", new Graphs.Circle(1))).isInstanceOf(CairnException.class)
          .hasMessageContaining("'r'").hasMessageContaining("record is immutable");
      assertThatThrownBy(() -> c.protect("s", "text")).isInstanceOf(CairnException.class)
          .hasMessageContaining("JDK class");
    }
  }

  static final class Service {
    Map<String, Integer> state = new HashMap<>();
    Thread worker = new Thread(() -> {});
    transient java.net.ServerSocket socket; // transient: not captured, fine
  }

  @Test
  void threadsSocketsAndNativeMemoryAreRefusedAtProtectNamingTheField() {
    Service s = new Service();
    try (Checkpointer c = open()) {
      assertThatThrownBy(() -> c.protect("svc", s)).isInstanceOf(CairnException.class)
          .hasMessageContaining("field io.cairn.objects.ObjectGraphTest$Service.worker holds a thread")
          .hasMessageContaining("transient");
      s.worker = null;
      c.protect("svc", s); // the transient socket field is ignored
      s.state.put("a", 1);
      c.checkpoint().await();
    }
  }

  static final class Trainer {
    @Checkpointed
    double[] weights = new double[8];
    @Checkpointed
    Map<String, Integer> counts = new HashMap<>();
    @Checkpointed
    long step;
    int notSaved = 1;
  }

  @Test
  void checkpointedFieldsOfARegisteredObject() {
    Trainer t = new Trainer();
    t.weights[3] = 2.5;
    t.counts.put("a", 7);
    t.step = 41;
    t.notSaved = 5;
    try (Checkpointer c = open()) {
      c.register(t);
      c.checkpoint().await();
    }
    Trainer u = new Trainer();
    u.notSaved = 77;
    try (Checkpointer c = open()) {
      c.register(u);
      c.restoreLatest();
    }
    assertThat(u.weights[3]).isEqualTo(2.5);
    assertThat(u.counts).containsEntry("a", 7);
    assertThat(u.step).isEqualTo(41);
    assertThat(u.notSaved).isEqualTo(77);
    try (Checkpointer c = open()) {
      assertThatThrownBy(() -> c.register(new Object() { int x; })).isInstanceOf(CairnException.class)
          .hasMessageContaining("@Checkpointed");
    }
  }
}
