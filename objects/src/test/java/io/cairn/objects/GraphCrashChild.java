package io.cairn.objects;

import io.cairn.Checkpoint;
import io.cairn.Checkpointer;
import io.cairn.Metadata;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Child JVM of {@link GraphCrashTest}: its whole state is one object graph (a {@link World}), a pure
 * function of the step k. Restores, then steps and checkpoints forever, printing "committed k".
 */
public final class GraphCrashChild {
  static final class Particle {
    int id;
    double[] pos = new double[3];
    World world; // back to the root
    Particle next; // a ring: cycles
  }

  static final class World {
    long k;
    Map<Integer, Particle> byId = new HashMap<>();
    List<Particle> order = new ArrayList<>(); // the same particles (shared references)
    double[] field = new double[1 << 19]; // 4 MiB: out of the object stream
    String label;

    /** Makes this world the state of step k (a pure function of k), in place. */
    void step(long k) {
      this.k = k;
      byId = new HashMap<>();
      order = new ArrayList<>();
      int n = 2000 + (int) (k % 50) * 10;
      Particle first = null, prev = null;
      for (int i = 0; i < n; i++) {
        Particle p = new Particle();
        p.id = i;
        p.pos[0] = i * 0.5 + k;
        p.pos[1] = Math.sin(i + k);
        p.pos[2] = k * 1e-3;
        p.world = this;
        if (prev != null) prev.next = p;
        else
          first = p;
        prev = p;
        byId.put(i, p);
        order.add(p);
      }
      prev.next = first;
      int from = (int) (k * 4099 % field.length);
      for (int i = 0; i < 1000; i++) field[(from + i) % field.length] = k + i;
      label = "step " + k;
    }
  }

  /** Everything step k must restore to, from a fresh world: the fields written at step j <= k are those of step j. */
  static World expected(long k) {
    World w = new World();
    for (long j = 1; j <= k; j++) w.step(j);
    return w;
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    boolean async = args[1].equals("async");
    try (Checkpointer c = GraphCrashTest.builder(dir, async).open()) {
      World w = new World();
      c.protect("world", w);
      c.restoreLatest();
      System.out.println("ready " + w.k);
      System.out.flush();
      while (true) {
        w.step(w.k + 1);
        long mine = w.k;
        Checkpoint cp = c.checkpoint(Metadata.create().step(mine));
        cp.committed().thenAccept(v -> { System.out.println("committed " + v.step()); System.out.flush(); });
        if (!async) cp.await();
      }
    }
  }
}
