package io.cairn.device.cuda;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * CUDA through the driver API ({@code libcuda.so.1}, FFM): a context per GPU and device memory that is
 * protected like an OpenCL buffer ({@link CudaBuffer}). Kernels are the program's own business (its
 * PTX/cubin through its own binding): Cairn only needs the memory.
 */
public final class Cuda {
  private Cuda() {}

  private static volatile String initError;
  private static volatile boolean initDone;

  /** Null when CUDA is usable (driver loaded, cuInit succeeded, at least one GPU), else why not. */
  public static synchronized String unavailableReason() {
    if (!initDone) {
      if (Cu.LOAD_ERROR != null) initError = Cu.LOAD_ERROR;
      else {
        int rc = Cu.call(Cu.cuInit, "cuInit", 0);
        if (rc != 0) initError = "cuInit failed: " + Cu.errorName(rc) + " (" + rc + ")";
        else if (count() == 0) initError = "no CUDA device";
      }
      initDone = true;
    }
    return initError;
  }

  public static boolean available() { return unavailableReason() == null; }

  private static int count() {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment n = a.allocate(JAVA_INT);
      Cu.check(Cu.call(Cu.cuDeviceGetCount, "cuDeviceGetCount", n), "cuDeviceGetCount");
      return n.get(JAVA_INT, 0);
    }
  }

  private static void need() {
    String why = unavailableReason();
    if (why != null) throw new CudaException(why, 0);
  }

  /** GPUs the driver sees. */
  public static int deviceCount() {
    need();
    return count();
  }

  public static String deviceName(int ordinal) {
    need();
    try (Arena a = Arena.ofConfined()) {
      MemorySegment dev = a.allocate(JAVA_INT);
      Cu.check(Cu.call(Cu.cuDeviceGet, "cuDeviceGet", dev, ordinal), "cuDeviceGet(" + ordinal + ")");
      MemorySegment name = a.allocate(256);
      Cu.check(Cu.call(Cu.cuDeviceGetName, "cuDeviceGetName", name, 256, dev.get(JAVA_INT, 0)), "cuDeviceGetName");
      return name.getString(0);
    }
  }

  /** A new context on GPU {@code ordinal}. */
  public static CudaContext createContext(int ordinal) {
    need();
    try (Arena a = Arena.ofConfined()) {
      MemorySegment dev = a.allocate(JAVA_INT);
      Cu.check(Cu.call(Cu.cuDeviceGet, "cuDeviceGet", dev, ordinal), "cuDeviceGet(" + ordinal + ")");
      MemorySegment ctx = a.allocate(java.lang.foreign.ValueLayout.ADDRESS);
      Cu.check(Cu.call(Cu.cuCtxCreate, "cuCtxCreate", ctx, 0, dev.get(JAVA_INT, 0)), "cuCtxCreate(" + ordinal + ")");
      return new CudaContext(ordinal, deviceName(ordinal), ctx.get(java.lang.foreign.ValueLayout.ADDRESS, 0));
    }
  }
}
