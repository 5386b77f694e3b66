package io.cairn;

import java.nio.file.Path;
import java.util.Map;

/**
 * Child JVM of {@link CrashTest}: restores, then checkpoints forever; the state of checkpoint k is a
 * pure function of k. Prints "committed k" once k is committed. Killed with SIGKILL by the parent.
 */
public final class CrashChild {
  static void fill(long[] s, long k) {
    for (int i = 0; i < s.length; i++) s[i] = k * 1_000_003L + i;
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    boolean async = args[1].equals("async");
    int words = Integer.parseInt(args[2]);
    try (Checkpointer c = CrashTest.builder(dir, async).open()) {
      long[] s = new long[words];
      long[] k = {0};
      c.protect("s", s).protect("k", k);
      c.restoreLatest();
      System.out.println("ready " + k[0]);
      System.out.flush();
      while (true) {
        k[0]++;
        fill(s, k[0]);
        long mine = k[0];
        Checkpoint cp = c.checkpoint(Metadata.create().step(mine));
        cp.committed().thenAccept(v -> { System.out.println("committed " + v.step()); System.out.flush(); });
        if (!async) cp.await();
      }
    }
  }

  static Map<String, String> env() { return Map.of(); }
}
