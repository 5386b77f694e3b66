package io.cairn;

import io.cairn.testing.TestCheckpointers;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Child JVM of {@link RestorePolicyTest}. Arguments: directory, keep, mode. Modes: {@code write N}
 * (N checkpoints, version k holds k), {@code exit} (restore, print "restored v step", exit cleanly),
 * {@code throw} (restore, then die of an uncaught exception), {@code refuse} (restore, then die of a
 * refusal: a {@link StateMismatchException}), {@code hang} (print "loading" inside restoreLatest() and
 * wait there to be killed).
 */
public final class RestoreChild {
  static Checkpointer.Builder builder(Path dir, int keep) {
    return TestCheckpointers.builder("rp", dir, "local").set("level.local.keep", Integer.toString(keep));
  }

  /** An object region; its load() can be made to block (to be killed inside restoreLatest()). */
  static final class Step implements Checkpointable {
    long step;
    boolean hang;

    @Override
    public void save(StateWriter out) { out.writeLong(step); }

    @Override
    public void load(StateReader in) throws IOException {
      step = in.readLong();
      if (hang) {
        System.out.println("loading");
        System.out.flush();
        try {
          Thread.sleep(600_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int keep = Integer.parseInt(args[1]);
    String mode = args[2];
    long[] s = new long[1000];
    Step step = new Step();
    step.hang = mode.equals("hang");
    try (Checkpointer c = builder(dir, keep).open()) {
      c.protect("s", s).protect("step", step);
      if (mode.equals("write")) {
        for (int k = 1; k <= Integer.parseInt(args[3]); k++) {
          Arrays.fill(s, k);
          step.step = k;
          c.checkpoint(Metadata.create().step(k)).await();
        }
        return;
      }
      Version v = c.restoreLatest().orElseThrow();
      if (s[0] != step.step || s[999] != step.step) throw new AssertionError("state does not match its version");
      System.out.println("restored " + v.number() + " " + step.step);
      System.out.flush();
      switch (mode) {
        case "throw" -> throw new IllegalStateException("the program fails after restoring version " + v.number());
        case "refuse" ->
          throw new StateMismatchException(v.number(), List.of("this run's configuration differs (test)"));
        default -> {}
      }
    }
  }
}
