package io.cairn.device;

import io.cairn.Cairn;
import io.cairn.Checkpointer;
import io.cairn.Metadata;
import io.cairn.Version;
import io.cairn.device.opencl.ClBuffer;
import io.cairn.device.opencl.ClContext;
import io.cairn.device.opencl.ClQueue;
import io.cairn.device.opencl.OpenCL;
import io.cairn.spi.DeviceMemory;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Child of {@link CaptureKillTest}: a job whose state is one OpenCL buffer of longs (element i of step s
 * is s * 1_000_003 + i), checkpointed every step. Prints "capture <step>" when a capture starts and
 * "hang <step>" when the capture of step {@code hangAt} has copied the buffer and stops there (the
 * parent kills it inside the capture). Restarts check the restored buffer against its step.
 * Args: dir mode longs hangAt steps.
 */
public final class CaptureKillChild {
  static long value(long step, long i) { return step * 1_000_003L + i; }

  public static void main(String[] a) throws Exception {
    Path dir = Path.of(a[0]);
    String mode = a[1];
    long n = Long.parseLong(a[2]);
    long hangAt = Long.parseLong(a[3]);
    long steps = Long.parseLong(a[4]);
    long[] step = {0};
    try (ClContext ctx = OpenCL.device(0).createContext();
        ClQueue q = ctx.createQueue();
        ClBuffer b = q.allocate(long.class, n);
        Arena arena = Arena.ofConfined();
        Checkpointer c = Cairn.builder().name("kill").directory(dir).levels("local").set("level.local.keep", "2")
            .set("mode", mode)
            .set("block-size", "1MiB").set("signals", "false").environment(Map.of()).open()) {
      MemorySegment host = arena.allocate(n * 8, 8);
      DeviceMemory watched = new DeviceMemory() {
        @Override
        public Class<?> elementType() { return b.elementType(); }
        @Override
        public long length() { return b.length(); }
        @Override
        public void copyToHost(MemorySegment dst) throws IOException {
          System.out.println("capture " + step[0]);
          System.out.flush();
          b.copyToHost(dst);
          if (step[0] == hangAt) {
            System.out.println("hang " + step[0]);
            System.out.flush();
            try {
              Thread.sleep(600_000);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        }
        @Override
        public void copyFromHost(long offset, MemorySegment src) throws IOException { b.copyFromHost(offset, src); }
      };
      c.protect("state", watched).protect("step", step);
      Optional<Version> v = c.restoreLatest();
      if (v.isPresent()) {
        b.read(host);
        for (long i = 0; i < n; i++) {
          long got = host.getAtIndex(ValueLayout.JAVA_LONG, i);
          if (got != value(step[0], i)) {
            System.out.println(
                "BAD restored version " + v.get().number() + " step " + step[0] + ": element " + i + " is " + got);
            System.exit(3);
          }
        }
        System.out.println("restored " + v.get().number() + " " + step[0]);
      } else {
        System.out.println("fresh");
      }
      System.out.flush();
      while (step[0] < steps) {
        step[0]++;
        for (long i = 0; i < n; i++) host.setAtIndex(ValueLayout.JAVA_LONG, i, value(step[0], i));
        b.write(host);
        c.checkpoint(Metadata.create().step(step[0])).await();
        System.out.println("committed " + step[0]);
        System.out.flush();
      }
    }
    System.out.println("done");
  }
}
