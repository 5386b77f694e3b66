package io.cairn.device.opencl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Entry point of the OpenCL wrapper: the devices of every installed platform (through the ICD loader
 * {@code libOpenCL.so.1}). A small wrapper, enough for programs that keep their state in device buffers:
 * {@link ClDevice} → {@link ClContext} → {@link ClQueue} (in order) → {@link ClBuffer}, {@link ClProgram}, {@link ClKernel}.
 *
 * <pre>{@code
 * ClDevice dev = OpenCL.devices().getFirst();
 * try (ClContext ctx = dev.createContext(); ClQueue q = ctx.createQueue(); ClBuffer u = q.allocate(float.class, n)) {
 *   checkpointer.protect("u", u);   // captured after the commands queued before each checkpoint
 * }
 * }</pre>
 */
public final class OpenCL {
  private OpenCL() {}

  /** Null when OpenCL is usable here (a loader and at least one platform with a device), else why not. */
  public static String unavailableReason() {
    if (Cl.loadError() != null) return Cl.loadError();
    try {
      return devices().isEmpty() ? "no OpenCL device found (is an ICD such as pocl-opencl-icd installed?)" : null;
    } catch (ClException e) {
      return e.getMessage();
    }
  }

  /** True when {@link #unavailableReason()} is null. */
  public static boolean available() {
    return unavailableReason() == null;
  }

  /** Every device of every platform, platform by platform, in the loader's order. */
  public static List<ClDevice> devices() {
    List<ClDevice> out = new ArrayList<>();
    try (Arena a = Arena.ofConfined()) {
      MemorySegment n = a.allocate(JAVA_INT);
      int rc = Cl.call(Cl.clGetPlatformIDs, "clGetPlatformIDs", 0, MemorySegment.NULL, n);
      if (rc == -1001) return out; // CL_PLATFORM_NOT_FOUND_KHR: the loader found no ICD
      Cl.check(rc, "clGetPlatformIDs");
      int np = n.get(JAVA_INT, 0);
      if (np == 0) return out;
      MemorySegment plats = a.allocate(ADDRESS, np);
      Cl.check(Cl.call(Cl.clGetPlatformIDs, "clGetPlatformIDs", np, plats, MemorySegment.NULL), "clGetPlatformIDs");
      for (int p = 0; p < np; p++) {
        MemorySegment plat = plats.getAtIndex(ADDRESS, p);
        String pname = ClDevice.platformString(plat, Cl.CL_PLATFORM_NAME);
        int rcd = Cl.call(Cl.clGetDeviceIDs, "clGetDeviceIDs", plat, Cl.CL_DEVICE_TYPE_ALL, 0, MemorySegment.NULL, n);
        if (rcd == -1) continue; // CL_DEVICE_NOT_FOUND
        Cl.check(rcd, "clGetDeviceIDs");
        int nd = n.get(JAVA_INT, 0);
        MemorySegment devs = a.allocate(ADDRESS, Math.max(1, nd));
        Cl.check(
            Cl.call(Cl.clGetDeviceIDs, "clGetDeviceIDs", plat, Cl.CL_DEVICE_TYPE_ALL, nd, devs, MemorySegment.NULL),
            "clGetDeviceIDs");
        for (int d = 0; d < nd; d++) out.add(new ClDevice(out.size(), pname, devs.getAtIndex(ADDRESS, d)));
      }
    }
    return out;
  }

  /** The device at {@code index} of {@link #devices()}; a clear message when there is no such device. */
  public static ClDevice device(int index) {
    List<ClDevice> all = devices();
    if (index < 0 || index >= all.size())
      throw new IllegalArgumentException(
          "no OpenCL device " + index + ": " + all.size() + " found " + all.stream().map(ClDevice::toString).toList());
    return all.get(index);
  }
}
