package io.cairn.device.opencl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** An OpenCL kernel; set its arguments, then {@link ClQueue#run} it. Not thread-safe (arguments are kernel state). */
public final class ClKernel implements AutoCloseable {
  private final String name;
  final MemorySegment handle;
  private boolean closed;

  ClKernel(String name, MemorySegment handle) {
    this.name = name;
    this.handle = handle;
  }

  public String name() { return name; }

  public ClKernel arg(int index, ClBuffer buffer) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment p = a.allocate(ADDRESS);
      p.set(ADDRESS, 0, buffer.handle());
      return set(index, 8, p);
    }
  }

  public ClKernel arg(int index, int v) {
    try (Arena a = Arena.ofConfined()) {
      return set(index, 4, a.allocateFrom(JAVA_INT, v));
    }
  }

  public ClKernel arg(int index, long v) {
    try (Arena a = Arena.ofConfined()) {
      return set(index, 8, a.allocateFrom(JAVA_LONG, v));
    }
  }

  public ClKernel arg(int index, float v) {
    try (Arena a = Arena.ofConfined()) {
      return set(index, 4, a.allocateFrom(JAVA_FLOAT, v));
    }
  }

  public ClKernel arg(int index, double v) {
    try (Arena a = Arena.ofConfined()) {
      return set(index, 8, a.allocateFrom(JAVA_DOUBLE, v));
    }
  }

  private ClKernel set(int index, long size, MemorySegment value) {
    Cl.check(Cl.call(Cl.clSetKernelArg, "clSetKernelArg", handle, index, size, value),
        "clSetKernelArg(" + name + ", " + index + ")");
    return this;
  }

  @Override
  public void close() {
    if (closed) return;
    closed = true;
    Cl.check(Cl.call(Cl.clReleaseKernel, "clReleaseKernel", handle), "clReleaseKernel");
  }
}
