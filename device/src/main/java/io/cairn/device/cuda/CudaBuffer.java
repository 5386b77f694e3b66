package io.cairn.device.cuda;

import io.cairn.device.DeviceBuffer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * CUDA device memory ({@code cuMemAlloc}). A capture synchronizes the context ({@code cuCtxSynchronize}:
 * every kernel and copy issued before the checkpoint, on any stream, has finished) and copies with
 * {@code cuMemcpyDtoH}; a restore writes each verified block with {@code cuMemcpyHtoD}.
 */
public final class CudaBuffer implements DeviceBuffer {
  private final CudaContext context;
  private final long ptr;
  private final Class<?> elementType;
  private final long length;
  private boolean closed;

  CudaBuffer(CudaContext context, long ptr, Class<?> elementType, long length) {
    this.context = context;
    this.ptr = ptr;
    this.elementType = elementType;
    this.length = length;
  }

  public CudaContext context() { return context; }
  @Override
  public Class<?> elementType() { return elementType; }
  @Override
  public long length() { return length; }
  @Override
  public String device() { return context.toString(); }

  @Override
  public void read(MemorySegment dst) {
    if (dst.byteSize() != byteSize())
      throw new IllegalArgumentException(
          "cannot read into host memory of " + dst.byteSize() + " bytes: the buffer has " + byteSize());
    context.synchronize();
    transfer(false, 0, dst);
  }

  @Override
  public void write(MemorySegment src) {
    if (src.byteSize() != byteSize())
      throw new IllegalArgumentException(
          "cannot write from host memory of " + src.byteSize() + " bytes: the buffer has " + byteSize());
    context.synchronize();
    transfer(true, 0, src);
  }

  @Override
  public void copyToHost(MemorySegment dst) { read(dst); }

  @Override
  public void copyFromHost(long offset, MemorySegment src) {
    if (offset < 0 || offset + src.byteSize() > byteSize())
      throw new IllegalArgumentException("restore of " + src.byteSize() + " bytes at offset " + offset
          + " does not fit a buffer of " + byteSize() + " bytes");
    context.makeCurrent();
    transfer(true, offset, src);
  }

  @Override
  public void restored() { context.synchronize(); }

  private void transfer(boolean write, long offset, MemorySegment host) {
    if (closed) throw new IllegalStateException("CUDA buffer is closed");
    if (host.byteSize() == 0) return;
    if (!host.isNative()) {
      try (Arena a = Arena.ofConfined()) {
        MemorySegment tmp = a.allocate(host.byteSize(), 64);
        if (write) tmp.copyFrom(host);
        transfer(write, offset, tmp);
        if (!write) host.copyFrom(tmp);
      }
      return;
    }
    context.makeCurrent();
    if (write)
      Cu.check(Cu.call(Cu.cuMemcpyHtoD, "cuMemcpyHtoD", ptr + offset, host, host.byteSize()),
          "cuMemcpyHtoD(" + host.byteSize() + " bytes)");
    else
      Cu.check(Cu.call(Cu.cuMemcpyDtoH, "cuMemcpyDtoH", host, ptr + offset, host.byteSize()),
          "cuMemcpyDtoH(" + host.byteSize() + " bytes)");
  }

  @Override
  public String toString() { return elementType + "[" + length + "] on " + device(); }

  @Override
  public void close() {
    if (closed) return;
    closed = true;
    context.makeCurrent();
    Cu.check(Cu.call(Cu.cuMemFree, "cuMemFree", ptr), "cuMemFree");
  }
}
