package io.cairn.internal.engine;

import io.cairn.internal.format.Kind;
import io.cairn.internal.format.RegionEntry;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/** A protected region: knows how to expose its bytes for capture and how to take them back on restore. */
public interface RegionSource {
  String name();

  Kind kind();

  /** Element count (arrays), capacity (buffers) or -1 when the size is not fixed (objects, files). */
  long length();

  /**
   * The region's bytes. {@code stage == false}: a view valid until the checkpoint returns (no copy where
   * possible). {@code stage == true}: an independent copy allocated in {@code arena}, so the program may
   * change the state while the copy is written in the background.
   */
  MemorySegment capture(Arena arena, boolean stage) throws IOException;

  /** Receives the region's bytes in order during a restore. */
  interface Sink {
    void accept(long offset, ByteBuffer data) throws IOException;
    /** Called once all bytes arrived and were verified. */
    void finish() throws IOException;
  }

  Sink sink(RegionEntry entry) throws IOException;

  /** Copies the captured view into the arena. */
  static MemorySegment stageCopy(Arena arena, MemorySegment view) {
    MemorySegment copy = arena.allocate(Math.max(1, view.byteSize()), 64).asSlice(0, view.byteSize());
    MemorySegment.copy(view, 0, copy, 0, view.byteSize());
    return copy;
  }
}
