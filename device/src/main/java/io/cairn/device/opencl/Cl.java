package io.cairn.device.opencl;

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
import java.util.Map;

/** The OpenCL C API through the JDK's FFM API over {@code libOpenCL.so.1} (the ICD loader). Internal. */
final class Cl {
  private Cl() {}

  static final int CL_SUCCESS = 0;
  static final long CL_DEVICE_TYPE_ALL = 0xFFFFFFFFL;
  static final int CL_PLATFORM_NAME = 0x0902;
  static final int CL_PLATFORM_VERSION = 0x0901;
  static final int CL_DEVICE_TYPE = 0x1000;
  static final int CL_DEVICE_MAX_MEM_ALLOC_SIZE = 0x1010;
  static final int CL_DEVICE_GLOBAL_MEM_SIZE = 0x101F;
  static final int CL_DEVICE_NAME = 0x102B;
  static final int CL_DEVICE_VERSION = 0x102F;
  static final long CL_MEM_READ_WRITE = 1L;
  static final int CL_PROGRAM_BUILD_LOG = 0x1183;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final SymbolLookup LIB;
  private static final String LOAD_ERROR;

  static {
    SymbolLookup lib = null;
    String err = null;
    try {
      lib = SymbolLookup.libraryLookup("libOpenCL.so.1", Arena.global());
    } catch (IllegalArgumentException e) {
      err = "libOpenCL.so.1 (the OpenCL ICD loader) cannot be loaded: " + e.getMessage()
          + " (on Debian: apt-get install ocl-icd-libopencl1 pocl-opencl-icd)";
    }
    LIB = lib;
    LOAD_ERROR = err;
  }

  /** Null when the library loaded, else why not. */
  static String loadError() { return LOAD_ERROR; }

  private static MethodHandle fn(String name, MemoryLayout ret, MemoryLayout... args) {
    if (LIB == null) return null;
    var sym = LIB.find(name);
    if (sym.isEmpty()) return null;
    return LINKER.downcallHandle(sym.get(),
        ret == null ? FunctionDescriptor.ofVoid(args) : FunctionDescriptor.of(ret, args));
  }

  static final MethodHandle clGetPlatformIDs = fn("clGetPlatformIDs", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
  static final MethodHandle clGetPlatformInfo = fn("clGetPlatformInfo", JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS,
      ADDRESS);
  static final MethodHandle clGetDeviceIDs = fn("clGetDeviceIDs", JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS,
      ADDRESS);
  static final MethodHandle clGetDeviceInfo = fn("clGetDeviceInfo", JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS,
      ADDRESS);
  static final MethodHandle clCreateContext = fn("clCreateContext", ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS,
      ADDRESS, ADDRESS);
  static final MethodHandle clReleaseContext = fn("clReleaseContext", JAVA_INT, ADDRESS);
  static final MethodHandle clCreateCommandQueueWithProperties = fn("clCreateCommandQueueWithProperties", ADDRESS,
      ADDRESS, ADDRESS, ADDRESS, ADDRESS);
  static final MethodHandle clReleaseCommandQueue = fn("clReleaseCommandQueue", JAVA_INT, ADDRESS);
  static final MethodHandle clFinish = fn("clFinish", JAVA_INT, ADDRESS);
  static final MethodHandle clCreateBuffer = fn("clCreateBuffer", ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS,
      ADDRESS);
  static final MethodHandle clReleaseMemObject = fn("clReleaseMemObject", JAVA_INT, ADDRESS);
  static final MethodHandle clEnqueueReadBuffer = fn("clEnqueueReadBuffer", JAVA_INT, ADDRESS, ADDRESS, JAVA_INT,
      JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
  static final MethodHandle clEnqueueWriteBuffer = fn("clEnqueueWriteBuffer", JAVA_INT, ADDRESS, ADDRESS, JAVA_INT,
      JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
  static final MethodHandle clEnqueueCopyBuffer = fn("clEnqueueCopyBuffer", JAVA_INT, ADDRESS, ADDRESS, ADDRESS,
      JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS);
  static final MethodHandle clCreateProgramWithSource = fn("clCreateProgramWithSource", ADDRESS, ADDRESS, JAVA_INT,
      ADDRESS, ADDRESS, ADDRESS);
  static final MethodHandle clBuildProgram = fn("clBuildProgram", JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS,
      ADDRESS, ADDRESS);
  static final MethodHandle clGetProgramBuildInfo = fn("clGetProgramBuildInfo", JAVA_INT, ADDRESS, ADDRESS, JAVA_INT,
      JAVA_LONG, ADDRESS, ADDRESS);
  static final MethodHandle clReleaseProgram = fn("clReleaseProgram", JAVA_INT, ADDRESS);
  static final MethodHandle clCreateKernel = fn("clCreateKernel", ADDRESS, ADDRESS, ADDRESS, ADDRESS);
  static final MethodHandle clReleaseKernel = fn("clReleaseKernel", JAVA_INT, ADDRESS);
  static final MethodHandle clSetKernelArg = fn("clSetKernelArg", JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS);
  static final MethodHandle clEnqueueNDRangeKernel = fn("clEnqueueNDRangeKernel", JAVA_INT, ADDRESS, ADDRESS, JAVA_INT,
      ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);

  private static final Map<Integer, String> NAMES = Map.ofEntries(
      Map.entry(-1, "CL_DEVICE_NOT_FOUND"), Map.entry(-2, "CL_DEVICE_NOT_AVAILABLE"),
      Map.entry(-4, "CL_MEM_OBJECT_ALLOCATION_FAILURE"),
      Map.entry(-5, "CL_OUT_OF_RESOURCES"), Map.entry(-6, "CL_OUT_OF_HOST_MEMORY"),
      Map.entry(-11, "CL_BUILD_PROGRAM_FAILURE"),
      Map.entry(-30, "CL_INVALID_VALUE"), Map.entry(-32, "CL_INVALID_PLATFORM"), Map.entry(-33, "CL_INVALID_DEVICE"),
      Map.entry(-34, "CL_INVALID_CONTEXT"), Map.entry(-36, "CL_INVALID_COMMAND_QUEUE"),
      Map.entry(-38, "CL_INVALID_MEM_OBJECT"),
      Map.entry(-44, "CL_INVALID_PROGRAM"), Map.entry(-45, "CL_INVALID_PROGRAM_EXECUTABLE"),
      Map.entry(-46, "CL_INVALID_KERNEL_NAME"),
      Map.entry(-48, "CL_INVALID_KERNEL"), Map.entry(-49, "CL_INVALID_ARG_INDEX"),
      Map.entry(-50, "CL_INVALID_ARG_VALUE"),
      Map.entry(-51, "CL_INVALID_ARG_SIZE"), Map.entry(-52, "CL_INVALID_KERNEL_ARGS"),
      Map.entry(-54, "CL_INVALID_WORK_GROUP_SIZE"),
      Map.entry(-61, "CL_INVALID_BUFFER_SIZE"), Map.entry(-63, "CL_INVALID_GLOBAL_WORK_SIZE"),
      Map.entry(-1001, "CL_PLATFORM_NOT_FOUND_KHR"));

  static String errorName(int code) { return NAMES.getOrDefault(code, "OpenCL error " + code); }

  /** Throws a {@link ClException} naming the call when {@code code} is not CL_SUCCESS. */
  static void check(int code, String what) {
    if (code != CL_SUCCESS) throw new ClException(what + " failed: " + errorName(code) + " (" + code + ")", code);
  }

  static MethodHandle need(MethodHandle h, String name) {
    if (h == null)
      throw new ClException(
          LOAD_ERROR != null ? LOAD_ERROR : "libOpenCL.so.1 lacks " + name + " (OpenCL 2.0 or newer is needed)", 0);
    return h;
  }

  static int call(MethodHandle h, String name, Object... args) {
    try {
      return (int) need(h, name).invokeWithArguments(args);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new ClException(name + ": " + t, 0);
    }
  }

  /** Calls a function returning a handle with a trailing {@code cl_int* errcode_ret}; checks the code. */
  static MemorySegment create(MethodHandle h, String name, Object... argsBeforeErr) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment err = a.allocate(JAVA_INT);
      Object[] args = java.util.Arrays.copyOf(argsBeforeErr, argsBeforeErr.length + 1);
      args[argsBeforeErr.length] = err;
      MemorySegment r;
      try {
        r = (MemorySegment) need(h, name).invokeWithArguments(args);
      } catch (RuntimeException | Error e) {
        throw e;
      } catch (Throwable t) {
        throw new ClException(name + ": " + t, 0);
      }
      check(err.get(JAVA_INT, 0), name);
      if (r.equals(MemorySegment.NULL)) throw new ClException(name + " returned no handle", 0);
      return r;
    }
  }
}
