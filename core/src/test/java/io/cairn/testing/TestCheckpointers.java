package io.cairn.testing;

import io.cairn.Cairn;
import io.cairn.Checkpointer;
import java.nio.file.Path;
import java.util.Map;

/**
 * The shared fixture for tests that need a checkpointer (core's tests and, through core's test-jar, every other
 * module's): a builder cut off from the machine it runs on — no signal handlers, no {@code CAIRN_*} environment — so
 * a test sees only what it sets. Tests add what they are about ({@code .set("level.local.keep", "3")}, {@code
 * .async(true)}, a {@code storage} hook).
 */
public final class TestCheckpointers {
  private TestCheckpointers() {}

  /** A builder for run {@code name} under {@code dir} with the given levels (default: {@code local}). */
  public static Checkpointer.Builder builder(String name, Path dir, String... levels) {
    return Cairn.builder().name(name).directory(dir).levels(levels.length == 0 ? new String[]{"local"} : levels)
        .set("signals", "false").environment(Map.of());
  }

  /** {@link #builder} with small (4 KiB) chunks, so that small test states span several chunks. */
  public static Checkpointer.Builder smallChunks(String name, Path dir, String... levels) {
    return builder(name, dir, levels).set("block-size", "4KiB");
  }
}
