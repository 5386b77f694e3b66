package io.cairn.device.opencl;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/** A built OpenCL program. */
public final class ClProgram implements AutoCloseable {
  private final MemorySegment handle;
  private boolean closed;

  ClProgram(MemorySegment handle) { this.handle = handle; }

  /** The kernel named {@code name} (a {@code __kernel} function of the source). */
  public ClKernel kernel(String name) {
    try (Arena a = Arena.ofConfined()) {
      return new ClKernel(name, Cl.create(Cl.clCreateKernel, "clCreateKernel(" + name + ")", handle,
          a.allocateFrom(name, StandardCharsets.UTF_8)));
    }
  }

  @Override
  public void close() {
    if (closed) return;
    closed = true;
    Cl.check(Cl.call(Cl.clReleaseProgram, "clReleaseProgram", handle), "clReleaseProgram");
  }
}
