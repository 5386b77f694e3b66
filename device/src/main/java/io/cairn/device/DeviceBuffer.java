package io.cairn.device;

import io.cairn.spi.DeviceMemory;
import java.lang.foreign.MemorySegment;

/**
 * A buffer of primitive elements in accelerator memory (an OpenCL buffer, CUDA device memory), protected
 * with {@code checkpointer.protect("name", buffer)}. Captures copy it to host memory at a consistent
 * point (after the commands the program issued before the checkpoint); restores write it back, into a
 * buffer of the same element type and length, possibly on another device or context.
 */
public interface DeviceBuffer extends DeviceMemory, AutoCloseable {
  /** The device holding the buffer, in words (e.g. {@code "OpenCL pthread-skylake-avx512 (context 2)"}). */
  String device();

  /** Bytes: {@link #length()} times the element size. */
  default long byteSize() {
    return length() * ElementType.size(elementType());
  }

  /** Copies the whole buffer into {@code dst} (host memory of {@link #byteSize()} bytes, heap or native), after the work queued before. */
  void read(MemorySegment dst);

  /** Replaces the whole buffer with {@code src} ({@link #byteSize()} bytes, heap or native), after the work queued before. */
  void write(MemorySegment src);

  /** Frees the device memory. */
  @Override
  void close();
}
