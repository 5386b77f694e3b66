package io.cairn.device.opencl;

import io.cairn.device.DeviceBuffer;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An OpenCL buffer bound to the in-order {@link ClQueue} that allocated it. Protect it with
 * {@code checkpointer.protect("name", buffer)}: a capture is a blocking {@code clEnqueueReadBuffer} on
 * that queue, so it sees every command enqueued before the checkpoint and holds the queue only for the
 * device-to-host copy; a restore enqueues {@code clEnqueueWriteBuffer}s of verified pieces and finishes the queue.
 */
public final class ClBuffer implements DeviceBuffer {
  private final ClQueue queue;
  private final MemorySegment handle;
  private final Class<?> elementType;
  private final long length;
  private boolean closed;

  ClBuffer(ClQueue queue, MemorySegment handle, Class<?> elementType, long length) {
    this.queue = queue;
    this.handle = handle;
    this.elementType = elementType;
    this.length = length;
  }

  MemorySegment handle() {
    if (closed) throw new IllegalStateException("OpenCL buffer is closed");
    return handle;
  }

  public ClQueue queue() { return queue; }
  @Override
  public Class<?> elementType() { return elementType; }
  @Override
  public long length() { return length; }
  @Override
  public String device() { return queue.context().toString(); }

  @Override
  public void read(MemorySegment dst) {
    checkSize(dst.byteSize(), "read into");
    transfer(false, 0, dst);
  }

  @Override
  public void write(MemorySegment src) {
    checkSize(src.byteSize(), "write from");
    transfer(true, 0, src);
  }

  @Override
  public void copyToHost(MemorySegment dst) throws IOException {
    checkSize(dst.byteSize(), "capture into");
    transfer(false, 0, dst);
  }

  /** Enqueues the write without waiting (native {@code src}: it stays valid until {@link #restored()}, which finishes the queue). */
  @Override
  public void copyFromHost(long offset, MemorySegment src) {
    if (offset < 0 || offset + src.byteSize() > byteSize())
      throw new IllegalArgumentException("restore of " + src.byteSize() + " bytes at offset " + offset
          + " does not fit a buffer of " + byteSize() + " bytes");
    if (src.isNative() && src.byteSize() > 0) {
      Cl.check(Cl.call(Cl.clEnqueueWriteBuffer, "clEnqueueWriteBuffer", queue.handle, handle(), 0, offset,
          src.byteSize(), src,
          0, MemorySegment.NULL, MemorySegment.NULL), "clEnqueueWriteBuffer(" + src.byteSize() + " bytes)");
    } else {
      transfer(true, offset, src);
    }
  }

  @Override
  public void restored() { queue.finish(); }

  private void checkSize(long bytes, String what) {
    if (bytes != byteSize())
      throw new IllegalArgumentException(
          "cannot " + what + " host memory of " + bytes + " bytes: the buffer has " + byteSize());
  }

  /** A blocking read or write on the buffer's queue; heap memory goes through a native bounce buffer. */
  private void transfer(boolean write, long offset, MemorySegment host) {
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
    String name = write ? "clEnqueueWriteBuffer" : "clEnqueueReadBuffer";
    Cl.check(Cl.call(write ? Cl.clEnqueueWriteBuffer : Cl.clEnqueueReadBuffer, name, queue.handle, handle(), 1, offset,
        host.byteSize(), host,
        0, MemorySegment.NULL, MemorySegment.NULL), name + "(" + host.byteSize() + " bytes)");
  }

  @Override
  public String toString() { return elementType + "[" + length + "] on " + device(); }

  @Override
  public void close() {
    if (closed) return;
    closed = true;
    Cl.check(Cl.call(Cl.clReleaseMemObject, "clReleaseMemObject", handle), "clReleaseMemObject");
  }
}
