package io.cairn.device.opencl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/** An OpenCL device (one of {@link OpenCL#devices()}). */
public final class ClDevice {
  private final int index;
  private final String platform;
  final MemorySegment id;
  private final String name;

  ClDevice(int index, String platform, MemorySegment id) {
    this.index = index;
    this.platform = platform;
    this.id = id;
    this.name = string(Cl.CL_DEVICE_NAME);
  }

  /** Position in {@link OpenCL#devices()}. */
  public int index() { return index; }
  public String platform() { return platform; }
  public String name() { return name; }
  /** The device's OpenCL version string. */
  public String version() { return string(Cl.CL_DEVICE_VERSION); }
  /** Bytes of global memory. */
  public long globalMemory() { return ulong(Cl.CL_DEVICE_GLOBAL_MEM_SIZE); }
  /** Largest single buffer, in bytes. */
  public long maxAllocation() { return ulong(Cl.CL_DEVICE_MAX_MEM_ALLOC_SIZE); }

  /** A new context holding this device alone. */
  public ClContext createContext() {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment devs = a.allocate(ADDRESS);
      devs.set(ADDRESS, 0, id);
      MemorySegment ctx = Cl.create(Cl.clCreateContext, "clCreateContext", MemorySegment.NULL, 1, devs,
          MemorySegment.NULL, MemorySegment.NULL);
      return new ClContext(this, ctx);
    }
  }

  @Override
  public String toString() { return "#" + index + " " + name + " (" + platform + ")"; }

  private long ulong(int param) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment v = a.allocate(JAVA_LONG);
      Cl.check(Cl.call(Cl.clGetDeviceInfo, "clGetDeviceInfo", id, param, 8L, v, MemorySegment.NULL), "clGetDeviceInfo");
      return v.get(JAVA_LONG, 0);
    }
  }

  private String string(int param) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment n = a.allocate(JAVA_LONG);
      Cl.check(Cl.call(Cl.clGetDeviceInfo, "clGetDeviceInfo", id, param, 0L, MemorySegment.NULL, n), "clGetDeviceInfo");
      long len = n.get(JAVA_LONG, 0);
      MemorySegment s = a.allocate(Math.max(1, len));
      Cl.check(Cl.call(Cl.clGetDeviceInfo, "clGetDeviceInfo", id, param, len, s, MemorySegment.NULL),
          "clGetDeviceInfo");
      return s.getString(0, StandardCharsets.UTF_8).trim();
    }
  }

  static String platformString(MemorySegment platform, int param) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment n = a.allocate(JAVA_LONG);
      Cl.check(Cl.call(Cl.clGetPlatformInfo, "clGetPlatformInfo", platform, param, 0L, MemorySegment.NULL, n),
          "clGetPlatformInfo");
      long len = n.get(JAVA_LONG, 0);
      MemorySegment s = a.allocate(Math.max(1, len));
      Cl.check(Cl.call(Cl.clGetPlatformInfo, "clGetPlatformInfo", platform, param, len, s, MemorySegment.NULL),
          "clGetPlatformInfo");
      return s.getString(0, StandardCharsets.UTF_8).trim();
    }
  }
}
