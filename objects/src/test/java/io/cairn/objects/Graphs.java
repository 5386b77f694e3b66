package io.cairn.objects;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;

/** Test graphs: ordinary classes with cycles and shared references, records, enums, collections, arrays. */
final class Graphs {
  private Graphs() {}

  enum Phase { WARMUP, TRAIN, EVAL }

  record Sample(String id, double[] features, int label) {}

  sealed interface Shape permits Circle, Square {}
  record Circle(double r) implements Shape {}
  record Square(double side) implements Shape {}

  static final class Node {
    String name;
    Node parent;
    List<Node> children = new ArrayList<>();
    Model owner; // a reference back to the root
    long[] counters;
  }

  static class Base { int baseCount; }

  static final class Model extends Base {
    final Map<String, Sample> samples = new HashMap<>();
    List<Sample> order = new ArrayList<>(); // the same Sample objects as in samples (shared)
    Node tree;
    Phase phase = Phase.WARMUP;
    int[][] grid = new int[3][];
    double[] weights; // large: stored out of band
    Shape shape;
    TreeMap<Integer, String> names = new TreeMap<>();
    Object any; // declared Object: its class comes from the walk
    transient int scratch; // not captured
    final long seed;
    Map<String, List<int[]>> nested = new LinkedHashMap<>();

    Model(long seed) { this.seed = seed; }
  }

  /** A model filled from {@code seed}; {@code n} samples. */
  static Model model(long seed, int n) {
    Random r = new Random(seed);
    Model m = new Model(seed);
    for (int i = 0; i < n; i++) {
      double[] f = new double[4];
      for (int j = 0; j < f.length; j++) f[j] = r.nextDouble();
      Sample s = new Sample("s" + i, f, r.nextInt(10));
      m.samples.put(s.id(), s);
      m.order.add(s);
    }
    Node root = new Node();
    root.name = "root";
    root.owner = m;
    for (int i = 0; i < 3; i++) {
      Node c = new Node();
      c.name = "c" + i;
      c.parent = root;
      c.owner = m;
      c.counters = new long[]{i, seed};
      root.children.add(c);
    }
    m.tree = root;
    m.phase = Phase.TRAIN;
    m.grid[0] = new int[]{1, 2, 3};
    m.grid[2] = m.grid[0]; // shared array
    m.weights = new double[100_000];
    for (int i = 0; i < m.weights.length; i++) m.weights[i] = r.nextGaussian();
    m.shape = seed % 2 == 0 ? new Circle(seed) : new Square(seed);
    m.names.put(1, "one");
    m.names.put(2, "two");
    m.any = new ArrayList<>(List.of("x", 42, Phase.EVAL));
    m.nested.put("a", List.of(new int[]{7}, new int[]{8, 9}));
    m.baseCount = (int) seed;
    m.scratch = 5;
    return m;
  }

  /** Deep comparison of what a checkpoint must keep, identity structure included. */
  static void assertSame(Model a, Model b) {
    check(a.baseCount == b.baseCount, "baseCount");
    check(a.seed == b.seed, "seed");
    check(a.samples.size() == b.samples.size(), "samples size");
    for (var e : a.samples.entrySet()) {
      Sample x = e.getValue(), y = b.samples.get(e.getKey());
      check(y != null && x.id().equals(y.id()) && x.label() == y.label()
          && java.util.Arrays.equals(x.features(), y.features()), "sample " + e.getKey());
    }
    check(a.order.size() == b.order.size(), "order size");
    for (int i = 0; i < b.order.size(); i++)
      check(b.order.get(i) == b.samples.get(b.order.get(i).id()), "shared sample " + i);
    check(b.tree.owner == b && b.tree.children.stream().allMatch(c -> c.parent == b.tree && c.owner == b),
        "tree links");
    for (int i = 0; i < a.tree.children.size(); i++)
      check(java.util.Arrays.equals(a.tree.children.get(i).counters, b.tree.children.get(i).counters), "counters " + i);
    check(a.phase == b.phase, "phase");
    check(java.util.Arrays.equals(a.grid[0], b.grid[0]) && b.grid[1] == null && b.grid[2] == b.grid[0], "grid");
    check(java.util.Arrays.equals(a.weights, b.weights), "weights");
    check(Objects.equals(a.shape, b.shape), "shape");
    check(a.names.equals(b.names), "names");
    check(Objects.equals(a.any, b.any), "any");
    check(a.nested.keySet().equals(b.nested.keySet())
        && java.util.Arrays.equals(a.nested.get("a").get(1), b.nested.get("a").get(1)), "nested");
  }

  private static void check(boolean ok, String what) {
    if (!ok) throw new AssertionError("graphs differ: " + what);
  }
}
