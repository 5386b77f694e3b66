package io.cairn.device.opencl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/** An OpenCL context on one device. Closing it releases the context (release its queues, buffers and programs first). */
public final class ClContext implements AutoCloseable {
  private static final AtomicInteger IDS = new AtomicInteger();
  private final ClDevice device;
  final MemorySegment handle;
  private final int id = IDS.incrementAndGet();
  private boolean closed;

  ClContext(ClDevice device, MemorySegment handle) {
    this.device = device;
    this.handle = handle;
  }

  public ClDevice device() { return device; }

  /** An in-order command queue: commands run one after another, in the order they were enqueued. */
  public ClQueue createQueue() {
    check();
    MemorySegment q = Cl.create(Cl.clCreateCommandQueueWithProperties, "clCreateCommandQueueWithProperties", handle,
        device.id, MemorySegment.NULL);
    return new ClQueue(this, q);
  }

  /** Builds a program from OpenCL C source for this context's device; a build error carries the compiler's log. */
  public ClProgram buildProgram(String source, String options) {
    check();
    try (Arena a = Arena.ofConfined()) {
      MemorySegment src = a.allocateFrom(source, StandardCharsets.UTF_8);
      MemorySegment strings = a.allocate(ADDRESS);
      strings.set(ADDRESS, 0, src);
      MemorySegment lengths = a.allocate(JAVA_LONG);
      lengths.set(JAVA_LONG, 0, src.byteSize() - 1);
      MemorySegment prog = Cl.create(Cl.clCreateProgramWithSource, "clCreateProgramWithSource", handle, 1, strings,
          lengths);
      MemorySegment devs = a.allocate(ADDRESS);
      devs.set(ADDRESS, 0, device.id);
      int rc = Cl.call(Cl.clBuildProgram, "clBuildProgram", prog, 1, devs,
          a.allocateFrom(options == null ? "" : options, StandardCharsets.UTF_8), MemorySegment.NULL,
          MemorySegment.NULL);
      if (rc != Cl.CL_SUCCESS) {
        String log = buildLog(prog);
        Cl.call(Cl.clReleaseProgram, "clReleaseProgram", prog);
        throw new ClException("clBuildProgram failed: " + Cl.errorName(rc) + (log.isBlank() ? "" : "\n" + log.strip()),
            rc);
      }
      return new ClProgram(prog);
    }
  }

  private String buildLog(MemorySegment prog) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment n = a.allocate(JAVA_LONG);
      if (Cl.call(Cl.clGetProgramBuildInfo, "clGetProgramBuildInfo", prog, device.id, Cl.CL_PROGRAM_BUILD_LOG, 0L,
          MemorySegment.NULL, n) != 0)
        return "";
      long len = n.get(JAVA_LONG, 0);
      MemorySegment s = a.allocate(Math.max(1, len));
      if (Cl.call(Cl.clGetProgramBuildInfo, "clGetProgramBuildInfo", prog, device.id, Cl.CL_PROGRAM_BUILD_LOG, len, s,
          MemorySegment.NULL) != 0)
        return "";
      return s.getString(0, StandardCharsets.UTF_8);
    }
  }

  private void check() {
    if (closed) throw new IllegalStateException("OpenCL context " + id + " is closed");
  }

  @Override
  public String toString() {
    return "OpenCL " + device.name() + " (device " + device.index() + ", context " + id + ")";
  }

  @Override
  public void close() {
    if (closed) return;
    closed = true;
    Cl.check(Cl.call(Cl.clReleaseContext, "clReleaseContext", handle), "clReleaseContext");
  }
}
