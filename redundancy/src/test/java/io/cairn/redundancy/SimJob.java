package io.cairn.redundancy;

import io.cairn.testing.TestCheckpointers;
import io.cairn.Checkpointer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A job of ranks spread over simulated nodes ({@code root/node-N/} directory trees), each rank with
 * its own Cairn run: node-local level on its node, persistent level under {@code root/persistent}.
 */
final class SimJob implements AutoCloseable {
  final Path root;
  final int ranks, nodes;
  final List<RankLocation> locations = new ArrayList<>();
  final Map<Integer, Checkpointer> open = new TreeMap<>();
  final Map<Integer, double[]> state = new TreeMap<>();
  final Map<Integer, long[]> step = new TreeMap<>();
  /** checkpoint id -> rank -> (version, copy of the state) */
  final Map<Long, Map<Integer, Long>> versions = new TreeMap<>();
  final Map<Long, Map<Integer, double[]>> expected = new TreeMap<>();
  final Random rnd;
  long id;
  boolean incremental;

  SimJob(Path root, int ranks, int nodes, long seed, int maxDoubles) {
    this.root = root;
    this.ranks = ranks;
    this.nodes = nodes;
    this.rnd = new Random(seed);
    for (int r = 0; r < ranks; r++) {
      locations.add(new RankLocation(r, "node-" + (r * nodes / ranks)));
      double[] a = new double[1 + rnd.nextInt(maxDoubles)];
      for (int i = 0; i < a.length; i++) a[i] = rnd.nextGaussian();
      state.put(r, a);
      step.put(r, new long[1]);
    }
  }

  Path runDir(RankLocation l) {
    return root.resolve(l.node()).resolve("rank-" + l.rank()).resolve("local").resolve("job-r" + l.rank());
  }

  Path persistentRunDir(int r) { return root.resolve("persistent").resolve("rank-" + r).resolve("job-r" + r); }

  Checkpointer open(int r) {
    RankLocation l = locations.get(r);
    Checkpointer c = TestCheckpointers
        .smallChunks("job-r" + r, root.resolve(l.node()).resolve("rank-" + r), "local", "persistent")
        .set("level.local.keep", "3").set("level.local.incremental", Boolean.toString(incremental))
        .set("level.persistent.path", root.resolve("persistent").resolve("rank-" + r).toString())
        .set("interval", "none").open();
    c.protect("state", state.get(r)).protect("step", step.get(r));
    open.put(r, c);
    return c;
  }

  void openAll() { for (int r = 0; r < ranks; r++) open(r); }

  /** One step of "computation" and a checkpoint of every rank; returns the new id and each rank's version. */
  Map<Integer, Long> checkpointAll() {
    id++;
    Map<Integer, Long> v = new TreeMap<>();
    Map<Integer, double[]> copy = new HashMap<>();
    for (int r = 0; r < ranks; r++) {
      double[] a = state.get(r);
      for (int i = 0; i < a.length; i += incremental ? 5000 : 1 + rnd.nextInt(7)) a[i] += rnd.nextDouble(); // incremental: few blocks change
      step.get(r)[0] = id;
      v.put(r, open.get(r).checkpoint().version());
      copy.put(r, a.clone());
    }
    versions.put(id, v);
    expected.put(id, copy);
    return v;
  }

  void closeAll() {
    for (Checkpointer c : open.values()) c.close();
    open.clear();
  }

  void deleteNode(String node) throws Exception {
    Path p = root.resolve(node);
    if (!Files.exists(p)) return;
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(x);
    }
  }

  /** Opens every rank again, restores the given version of its run and checks it equals the state of checkpoint {@code id}. */
  void restoreAndCheck(long id, Map<Integer, Long> rankVersions) {
    for (int r = 0; r < ranks; r++) {
      java.util.Arrays.fill(state.get(r), Double.NaN);
      step.get(r)[0] = -1;
      Checkpointer c = open(r);
      c.restore(rankVersions.get(r));
      org.assertj.core.api.Assertions.assertThat(state.get(r)).as("rank %d state of checkpoint %d", r, id)
          .isEqualTo(expected.get(id).get(r));
      org.assertj.core.api.Assertions.assertThat(step.get(r)[0]).isEqualTo(id);
    }
  }

  Redundancy redundancy(int keep, Layout... levels) {
    Redundancy.Builder b = Redundancy.builder().nodes(root).run("job").runDir(this::runDir)
        .persistentRunDir(this::persistentRunDir)
        .keep(keep).packetSize(512);
    for (Layout l : levels) b.level(l);
    return b.build();
  }

  @Override
  public void close() { closeAll(); }
}
