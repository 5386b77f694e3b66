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

  /** Makes the independent copy of a view that an asynchronous checkpoint writes in the background. */
  interface Stager {
    MemorySegment copy(MemorySegment view);

    /** Staging memory of {@code size} bytes for a region that fills it itself (device memory copied straight to the host). */
    MemorySegment allocate(long size);
  }

  /**
   * The region's bytes. {@code stager == null}: a view valid until the checkpoint returns (no copy where
   * possible). Otherwise an independent copy (made by the stager, or a fresh private array), so the
   * program may change its state while the copy is written in the background. {@code arena} holds
   * mappings made for the capture.
   */
  MemorySegment capture(Arena arena, Stager stager) throws IOException;

  /** Receives the region's bytes in order during a restore. */
  interface Sink {
    void accept(long offset, ByteBuffer data) throws IOException;
    /**
     * Private off-heap memory where the raw bytes at {@code offset} may be read straight from the
     * checkpoint (and checksummed there), saving a copy; null (the default) when there is none. Memory
     * the program can see must not be offered: the bytes land there before they are verified. The
     * verified bytes are then given to {@link #accept} as a buffer over this same memory.
     */
    default java.lang.foreign.MemorySegment readTarget(long offset, long length) { return null; }
    /** Called once all bytes arrived and were verified. */
    void finish() throws IOException;
  }

  Sink sink(RegionEntry entry) throws IOException;

}
