package io.cairn;

import java.nio.file.Path;
import java.util.Map;

/** Child JVM of {@link PreemptTest}: computes until a preemption signal, checkpoints, exits with 75. */
public final class PreemptChild {
  public static void main(String[] args) {
    try (Checkpointer c = Cairn.builder().name("pre").directory(Path.of(args[0])).levels("local")
        .set("interval", "none").environment(Map.of()).open()) {
      long[] step = {0};
      c.protect("step", step);
      c.restoreLatest();
      System.out.println("ready");
      System.out.flush();
      while (true) {
        step[0]++;
        if (c.due()) {
          c.checkpoint(Metadata.create().label("preempted").step(step[0])).await();
          System.out.println("checkpointed " + step[0]);
          System.out.flush();
          if (c.preemptionRequested()) throw new AssertionError("still requested after the checkpoint");
          c.close();
          System.exit(Checkpointer.EXIT_REQUEUE);
        }
      }
    }
  }
}
