package io.cairn;

import io.cairn.testing.TestCheckpointers;
import java.nio.file.Path;
import java.util.Arrays;

/** Child JVM of {@link HostileCheckpointTest}, started with a small heap and direct-memory limit. */
public final class MemoryChild {
  static final class Blob implements Checkpointable {
    byte[] data = new byte[0];

    @Override
    public void save(StateWriter out) { out.writeBytes(data); }

    @Override
    public void load(StateReader in) throws java.io.IOException { data = in.readBytes(); }
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    switch (args[1]) {
      case "write-object", "restore-object" -> {
        Checkpointer.Builder b = TestCheckpointers.builder("h", dir, "local").set("level.local.keep", "5")
            .set("block-size", "16KiB");
        Blob blob = new Blob();
        try (Checkpointer c = b.open()) {
          c.protect("blob", blob);
          if (args[1].equals("write-object")) {
            for (int k = 1; k <= 2; k++) {
              blob.data = new byte[100];
              Arrays.fill(blob.data, (byte) k);
              c.checkpoint().await();
            }
          } else {
            Version v = c.restoreLatest().orElseThrow();
            System.out.println("restored " + v.number() + " " + blob.data[0]);
          }
        }
      }
      case "big-block" -> {
        Checkpointer.Builder b = TestCheckpointers.builder("big", dir, "local").set("block-size", "256MiB")
            .set("level.local.codec", "lz4");
        long[] s = new long[1 << 20]; // 8 MiB
        for (int i = 0; i < s.length; i++) s[i] = i * 31L;
        try (Checkpointer c = b.open()) {
          c.protect("s", s);
          c.checkpoint().await();
        }
        long[] r = new long[1 << 20];
        try (Checkpointer c = b.open()) {
          c.protect("s", r);
          Version v = c.restoreLatest().orElseThrow();
          System.out.println("restored " + v.number() + (Arrays.equals(s, r) ? " ok" : " WRONG"));
        }
      }
      case "too-big" -> {
        Checkpointer.Builder b = TestCheckpointers.builder("toobig", dir, "local").set("block-size", "256MiB")
            .set("level.local.codec", "lz4");
        byte[] s = new byte[56 << 20]; // the heap holds it; a raw copy plus its compressed form do not fit in direct memory
        try (Checkpointer c = b.open()) {
          c.protect("s", s);
          c.checkpoint().await();
          System.out.println("checkpointed (unexpected)");
        } catch (CairnException e) {
          System.out.println("CairnException: " + e.getMessage());
        }
      }
      case "big-state" -> {
        // 320 MiB of state in 256 MiB blocks at -Xmx1g: two chunks of the largest block size
        Checkpointer.Builder b = TestCheckpointers.builder("bigstate", dir, "local").set("block-size", "256MiB");
        long[] s = new long[40 << 20];
        for (int i = 0; i < s.length; i++) s[i] = i * 31L;
        try (Checkpointer c = b.open()) {
          c.protect("s", s);
          c.checkpoint().await();
        }
        long[] r = new long[40 << 20];
        try (Checkpointer c = b.open()) {
          c.protect("s", r);
          Version v = c.restoreLatest().orElseThrow();
          System.out.println("restored " + v.number() + (Arrays.equals(s, r) ? " ok" : " WRONG"));
        }
      }
      default -> throw new IllegalArgumentException(args[1]);
    }
  }
}
