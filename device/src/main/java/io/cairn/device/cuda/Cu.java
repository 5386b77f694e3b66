package io.cairn.device.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/** The CUDA driver API through the JDK's FFM API over {@code libcuda.so.1} (the driver's library). Internal. */
final class Cu {
  private Cu() {}

  private static final SymbolLookup LIB;
  static final String LOAD_ERROR;

  static {
    SymbolLookup lib = null;
    String err = null;
    try {
      lib = SymbolLookup.libraryLookup("libcuda.so.1", Arena.global());
    } catch (IllegalArgumentException e) {
      err = "libcuda.so.1 (the NVIDIA driver's CUDA library) cannot be loaded: no NVIDIA driver here";
    }
    LIB = lib;
    LOAD_ERROR = err;
  }

  private static MethodHandle fn(String name, MemoryLayout... args) {
    if (LIB == null) return null;
    return LIB.find(name).map(s -> Linker.nativeLinker().downcallHandle(s, FunctionDescriptor.of(JAVA_INT, args)))
        .orElse(null);
  }

  // CUresult is an int; CUdevice an int; CUcontext and CUdeviceptr (64-bit) handles
  static final MethodHandle cuInit = fn("cuInit", JAVA_INT);
  static final MethodHandle cuDeviceGetCount = fn("cuDeviceGetCount", ADDRESS);
  static final MethodHandle cuDeviceGet = fn("cuDeviceGet", ADDRESS, JAVA_INT);
  static final MethodHandle cuDeviceGetName = fn("cuDeviceGetName", ADDRESS, JAVA_INT, JAVA_INT);
  static final MethodHandle cuCtxCreate = fn("cuCtxCreate_v2", ADDRESS, JAVA_INT, JAVA_INT);
  static final MethodHandle cuCtxDestroy = fn("cuCtxDestroy_v2", ADDRESS);
  static final MethodHandle cuCtxSetCurrent = fn("cuCtxSetCurrent", ADDRESS);
  static final MethodHandle cuCtxSynchronize = fn("cuCtxSynchronize");
  static final MethodHandle cuMemAlloc = fn("cuMemAlloc_v2", ADDRESS, JAVA_LONG);
  static final MethodHandle cuMemFree = fn("cuMemFree_v2", JAVA_LONG);
  static final MethodHandle cuMemcpyDtoH = fn("cuMemcpyDtoH_v2", ADDRESS, JAVA_LONG, JAVA_LONG);
  static final MethodHandle cuMemcpyHtoD = fn("cuMemcpyHtoD_v2", JAVA_LONG, ADDRESS, JAVA_LONG);
  static final MethodHandle cuGetErrorName = LIB == null
      ? null
      : LIB.find("cuGetErrorName")
          .map(s -> Linker.nativeLinker().downcallHandle(s, FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS)))
          .orElse(null);

  static String errorName(int code) {
    if (cuGetErrorName != null) {
      try (Arena a = Arena.ofConfined()) {
        MemorySegment p = a.allocate(ADDRESS);
        if ((int) cuGetErrorName.invokeExact(code, p) == 0) return p.get(ADDRESS, 0).reinterpret(256).getString(0);
      } catch (Throwable ignored) {
        // fall through
      }
    }
    return "CUDA error " + code;
  }

  static int call(MethodHandle h, String name, Object... args) {
    if (h == null) throw new CudaException(LOAD_ERROR != null ? LOAD_ERROR : "libcuda.so.1 lacks " + name, 0);
    try {
      return (int) h.invokeWithArguments(args);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new CudaException(name + ": " + t, 0);
    }
  }

  static void check(int code, String what) {
    if (code != 0) throw new CudaException(what + " failed: " + errorName(code) + " (" + code + ")", code);
  }
}
