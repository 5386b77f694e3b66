package io.cairn.spi;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * State that lives outside the JVM's reach, typically in accelerator memory (an OpenCL buffer, CUDA
 * device memory): Cairn cannot read it in place, so the memory copies itself to host memory at capture
 * and back at restore. Protected with {@code Checkpointer.protect(String, DeviceMemory)}; the module
 * {@code cairn-device} implements it for OpenCL and CUDA.
 *
 * <p>A device region is stored like a primitive array of its element type ({@code float.class} is
 * stored as {@code float[]} of {@link #length()} elements), so restores check element type and length
 * exactly as for arrays, and a device region's checkpoint can be restored into an array of the same
 * type and length (or the other way round).
 */
public interface DeviceMemory {
  /** The element type: {@code byte.class}, {@code short.class}, {@code char.class}, {@code int.class}, {@code long.class}, {@code float.class} or {@code double.class}. */
  Class<?> elementType();

  /** Number of elements; the region is {@code length() * element size} bytes. */
  long length();

  /**
   * Copies the whole region into {@code dst} (host memory of exactly the region's byte size) and
   * returns once {@code dst} holds it. The copy must observe a consistent point: every command the
   * program issued before the checkpoint that writes this memory has completed (e.g. the read is
   * enqueued on the program's in-order queue, or the queue is finished first). Called on the thread
   * that calls {@code checkpoint()}; in async mode {@code dst} is staging memory written in the background.
   */
  void copyToHost(MemorySegment dst) throws IOException;

  /**
   * Writes {@code src} into the region at byte {@code offset}. During a restore the verified bytes
   * arrive in order, in large pieces of native host memory that stay valid and unchanged until
   * {@link #restored()} returns, so the copy may be asynchronous (enqueued, not waited for).
   */
  void copyFromHost(long offset, MemorySegment src) throws IOException;

  /** Called once every byte of a restore was handed over: returns when the region holds them all (e.g. waits for outstanding copies). */
  default void restored() throws IOException {}
}
