package io.cairn.device.cuda;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.cairn.device.ElementType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** A CUDA context on one GPU. Calls made through it make it current on the calling thread first. */
public final class CudaContext implements AutoCloseable {
  private final int ordinal;
  private final String name;
  private final MemorySegment handle;
  private boolean closed;

  CudaContext(int ordinal, String name, MemorySegment handle) {
    this.ordinal = ordinal;
    this.name = name;
    this.handle = handle;
  }

  void makeCurrent() {
    if (closed) throw new IllegalStateException("CUDA context is closed");
    Cu.check(Cu.call(Cu.cuCtxSetCurrent, "cuCtxSetCurrent", handle), "cuCtxSetCurrent");
  }

  /** Device memory for {@code length} elements of {@code elementType} (contents undefined until written). */
  public CudaBuffer allocate(Class<?> elementType, long length) {
    int size = ElementType.size(elementType);
    if (length <= 0 || length > Long.MAX_VALUE / size)
      throw new IllegalArgumentException("buffer length must be positive, not " + length);
    makeCurrent();
    try (Arena a = Arena.ofConfined()) {
      MemorySegment p = a.allocate(JAVA_LONG);
      Cu.check(Cu.call(Cu.cuMemAlloc, "cuMemAlloc", p, length * size), "cuMemAlloc(" + length * size + " bytes)");
      return new CudaBuffer(this, p.get(JAVA_LONG, 0), elementType, length);
    }
  }

  /** Waits for all work of this context (every stream). */
  public void synchronize() {
    makeCurrent();
    Cu.check(Cu.call(Cu.cuCtxSynchronize, "cuCtxSynchronize"), "cuCtxSynchronize");
  }

  @Override
  public String toString() { return "CUDA " + name + " (GPU " + ordinal + ")"; }

  @Override
  public void close() {
    if (closed) return;
    closed = true;
    Cu.check(Cu.call(Cu.cuCtxDestroy, "cuCtxDestroy", handle), "cuCtxDestroy");
  }
}
