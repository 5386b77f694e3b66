package io.cairn.device.opencl;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.cairn.device.ElementType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An in-order OpenCL command queue. Buffers allocated through it are captured on it: a checkpoint's read
 * runs after every command enqueued before it, so the copy is the state those commands left.
 */
public final class ClQueue implements AutoCloseable {
  private final ClContext context;
  final MemorySegment handle;
  private boolean closed;

  ClQueue(ClContext context, MemorySegment handle) {
    this.context = context;
    this.handle = handle;
  }

  public ClContext context() { return context; }

  /**
   * A new buffer of {@code length} elements of {@code elementType} in this queue's context, bound to this
   * queue (its captures and restores are enqueued here). Its contents are undefined until written.
   */
  public ClBuffer allocate(Class<?> elementType, long length) {
    int size = ElementType.size(elementType);
    if (length <= 0 || length > Long.MAX_VALUE / size)
      throw new IllegalArgumentException("buffer length must be positive, not " + length);
    MemorySegment mem = Cl.create(Cl.clCreateBuffer, "clCreateBuffer(" + length * size + " bytes)", context.handle,
        Cl.CL_MEM_READ_WRITE,
        length * size, MemorySegment.NULL);
    return new ClBuffer(this, mem, elementType, length);
  }

  /** Runs {@code kernel} over a 1-D range of {@code global} work items (the work-group size is the driver's choice). */
  public void run(ClKernel kernel, long global) {
    run(kernel, new long[]{global});
  }

  /** Runs {@code kernel} over a 1-, 2- or 3-D range. */
  public void run(ClKernel kernel, long... global) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment g = a.allocateFrom(JAVA_LONG, global);
      Cl.check(
          Cl.call(Cl.clEnqueueNDRangeKernel, "clEnqueueNDRangeKernel", handle, kernel.handle, global.length,
              MemorySegment.NULL, g,
              MemorySegment.NULL, 0, MemorySegment.NULL, MemorySegment.NULL),
          "clEnqueueNDRangeKernel(" + kernel.name() + ")");
    }
  }

  /** Copies {@code src} to {@code dst} on the device (same element type and length). */
  public void copy(ClBuffer src, ClBuffer dst) {
    if (src.byteSize() != dst.byteSize())
      throw new IllegalArgumentException(
          "copy between buffers of " + src.byteSize() + " and " + dst.byteSize() + " bytes");
    Cl.check(Cl.call(Cl.clEnqueueCopyBuffer, "clEnqueueCopyBuffer", handle, src.handle(), dst.handle(), 0L, 0L,
        src.byteSize(), 0,
        MemorySegment.NULL, MemorySegment.NULL), "clEnqueueCopyBuffer");
  }

  /** Waits until every command enqueued so far has completed. */
  public void finish() {
    Cl.check(Cl.call(Cl.clFinish, "clFinish", handle), "clFinish");
  }

  @Override
  public void close() {
    if (closed) return;
    closed = true;
    Cl.check(Cl.call(Cl.clReleaseCommandQueue, "clReleaseCommandQueue", handle), "clReleaseCommandQueue");
  }
}
