package io.cairn.cli.device;

import io.cairn.Cairn;
import io.cairn.Checkpointer;
import io.cairn.cli.core.Json;
import io.cairn.device.cuda.Cuda;
import io.cairn.device.opencl.ClBuffer;
import io.cairn.device.opencl.ClContext;
import io.cairn.device.opencl.ClDevice;
import io.cairn.device.opencl.ClQueue;
import io.cairn.device.opencl.OpenCL;
import io.cairn.spi.DeviceMemory;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn device}: the accelerators Cairn can checkpoint here, and the device benchmark. */
@Command(name = "device", mixinStandardHelpOptions = true, description = "Accelerator state (docs/accelerators.md): list OpenCL/CUDA devices, benchmark device capture and restore.", subcommands = {
    DeviceCommand.ListCommand.class, DeviceCommand.BenchDevice.class})
public final class DeviceCommand implements Runnable {
  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() { spec.commandLine().usage(System.out); }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "OpenCL devices (all platforms) and CUDA devices.")
  static final class ListCommand implements Callable<Integer> {
    @Override
    public Integer call() {
      String why = OpenCL.unavailableReason();
      if (why != null) System.out.println("OpenCL: not available: " + why);
      else
        for (ClDevice d : OpenCL.devices())
          System.out.printf(Locale.ROOT, "opencl %d  %s  %s  %s  %.1f GiB global, %.1f GiB max buffer%n", d.index(),
              d.name(), d.platform(), d.version(),
              d.globalMemory() / 1073741824.0, d.maxAllocation() / 1073741824.0);
      String cu = Cuda.unavailableReason();
      if (cu != null) System.out.println("CUDA: not available: " + cu);
      else
        for (int i = 0; i < Cuda.deviceCount(); i++) System.out.println("cuda " + i + "  " + Cuda.deviceName(i));
      return 0;
    }
  }

  /**
   * Capture and restore of one OpenCL buffer against plain clEnqueueReadBuffer / clEnqueueWriteBuffer of
   * the same buffer into the same kind of host memory, in the same run, interleaved.
   */
  @Command(name = "bench", mixinStandardHelpOptions = true, description = "Device capture/restore bandwidth vs plain clEnqueueReadBuffer/WriteBuffer, and the queue hold of an async capture vs a plain device-to-host copy.")
  public static final class BenchDevice implements Callable<Integer> {
    @Option(names = "--size", defaultValue = "256", description = "MiB of the device buffer (default ${DEFAULT-VALUE}).")
    int mib;
    @Option(names = "--repeat", defaultValue = "5", description = "Repetitions; medians are reported (default ${DEFAULT-VALUE}).")
    int repeat;
    @Option(names = "--device", defaultValue = "0", description = "OpenCL device index (cairn device list).")
    int device;
    @Option(names = "--dir", defaultValue = "cairn-data/bench-device", description = "Where results go (default ${DEFAULT-VALUE}); the checkpoints go to a memory level under /dev/shm.")
    Path dir;
    @Option(names = "--json", description = "Print the results as JSON.")
    boolean json;

    private final Map<String, List<Double>> t = new LinkedHashMap<>();

    private void add(String k, double secs) { t.computeIfAbsent(k, x -> new ArrayList<>()).add(secs); }

    private double best(String k) { return t.get(k).stream().mapToDouble(Double::doubleValue).min().orElseThrow(); }

    /** Ratio of the baseline's time to Cairn's (or Cairn's to the baseline's with {@code inverse}), of the medians and of the best runs. */
    private double[] ratios(String cairn, String plain, boolean inverse) {
      double m = median(plain) / median(cairn), b = best(plain) / best(cairn);
      return inverse ? new double[]{1 / m, 1 / b} : new double[]{m, b};
    }

    private double median(String k) {
      double[] a = t.get(k).stream().mapToDouble(Double::doubleValue).sorted().toArray();
      return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    /** Times the device side of captures and restores (the calls Cairn makes into the buffer). */
    static final class Timed implements DeviceMemory {
      final ClBuffer b;
      long captureNanos, restoreNanos;
      Timed(ClBuffer b) { this.b = b; }
      @Override
      public Class<?> elementType() { return b.elementType(); }
      @Override
      public long length() { return b.length(); }
      @Override
      public void copyToHost(MemorySegment dst) throws IOException {
        long t0 = System.nanoTime();
        b.copyToHost(dst);
        captureNanos += System.nanoTime() - t0;
      }
      @Override
      public void copyFromHost(long offset, MemorySegment src) throws IOException {
        long t0 = System.nanoTime();
        b.copyFromHost(offset, src);
        restoreNanos += System.nanoTime() - t0;
      }
      @Override
      public void restored() throws IOException {
        long t0 = System.nanoTime();
        b.restored();
        restoreNanos += System.nanoTime() - t0;
      }
    }

    @Override
    public Integer call() throws Exception {
      if (System.getProperty("org.slf4j.simpleLogger.log.io.cairn") == null)
        System.setProperty("org.slf4j.simpleLogger.log.io.cairn", "warn");
      String why = OpenCL.unavailableReason();
      if (why != null) {
        System.out.println("cairn device bench: " + why);
        return 2;
      }
      if (mib < 1 || mib > 4096)
        throw new picocli.CommandLine.ParameterException(spec(), "--size must be 1..4096 MiB, got " + mib);
      long bytes = (long) mib << 20;
      Files.createDirectories(dir);
      Path shm = (Files.isDirectory(Path.of("/dev/shm"))
          ? Path.of("/dev/shm")
          : Path.of(System.getProperty("java.io.tmpdir")))
          .resolve("cairn-bench-device-" + ProcessHandle.current().pid());
      String load = load();
      if (device < 0 || device >= OpenCL.devices().size())
        throw new picocli.CommandLine.ParameterException(spec(),
            "--device " + device + ": there are " + OpenCL.devices().size() + " OpenCL devices " + OpenCL.devices());
      ClDevice dev = OpenCL.device(device);
      System.err.printf("cairn device bench: %d MiB float buffer on %s, %d repetitions (load average %s)%n", mib, dev,
          repeat, load);
      try (ClContext ctx = dev.createContext();
          ClQueue q = ctx.createQueue();
          ClBuffer buf = q.allocate(float.class, bytes / 4);
          Arena arena = Arena.ofConfined();
          Checkpointer c = Cairn.builder().name("bench").directory(dir).levels("memory")
              .set("level.memory.path", shm.toString())
              .set("level.memory.keep", "1").set("mode", "async").set("signals", "false").environment(Map.of()).open();
          Checkpointer h = Cairn.builder().name("bench-host").directory(dir).levels("memory")
              .set("level.memory.path", shm.toString()).set("restore.max-attempts", "1000")
              .set("level.memory.keep", "1").set("mode", "async").set("signals", "false").environment(Map.of())
              .open()) {
        float[] array = new float[Math.toIntExact(bytes / 4)]; // the same bytes as a host array: the restore without a device
        h.protect("u", array);
        MemorySegment host = arena.allocate(bytes, 64);
        SplittableRandom rnd = new SplittableRandom(42);
        for (long i = 0; i < bytes; i += 8) host.set(ValueLayout.JAVA_LONG, i, rnd.nextLong() & 0x3FFFFFFF3FFFFFFFL); // finite floats
        MemorySegment original = arena.allocate(bytes, 64);
        original.copyFrom(host);
        buf.write(host);
        MemorySegment.copy(host, 0, MemorySegment.ofArray(array), 0, bytes);
        h.checkpoint().await();
        Timed timed = new Timed(buf);
        c.protect("u", timed);
        for (int r = -1; r < repeat; r++) { // r = -1: warm-up (staging, level files, page faults), not counted
          boolean plainFirst = r % 2 == 0;
          for (int k = 0; k < 2; k++) {
            if ((k == 0) == plainFirst) {
              long t0 = System.nanoTime();
              buf.read(host);
              double read = (System.nanoTime() - t0) / 1e9;
              t0 = System.nanoTime();
              buf.write(host);
              double write = (System.nanoTime() - t0) / 1e9;
              if (r >= 0) { add("plainRead", read); add("plainWrite", write); }
            } else {
              q.finish(); // nothing queued: both sides start from an idle queue
              timed.captureNanos = 0;
              long t0 = System.nanoTime();
              var ck = c.checkpoint();
              double held = (System.nanoTime() - t0) / 1e9;
              double copy = timed.captureNanos / 1e9;
              ck.await();
              timed.restoreNanos = 0;
              t0 = System.nanoTime();
              var unusedDevice = c.restoreLatest().orElseThrow(); // throws when nothing restored
              double restore = (System.nanoTime() - t0) / 1e9;
              t0 = System.nanoTime();
              var unusedHost = h.restoreLatest().orElseThrow();
              double restoreArray = (System.nanoTime() - t0) / 1e9;
              if (r >= 0) {
                add("restoreArray", restoreArray);
                add("captureCopy", copy);
                add("checkpointCall", held);
                add("restoreWrite", timed.restoreNanos / 1e9);
                add("restoreTotal", restore);
              }
            }
          }
        }
        buf.read(host);
        if (host.mismatch(original) != -1) {
          System.out.println(
              "cairn device bench: the restored buffer differs from the original at byte " + host.mismatch(original));
          return 1;
        }
      } finally {
        if (Files.exists(shm)) try (var w = Files.walk(shm)) {
          for (Path p : w.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
      }
      double gib = bytes / 1073741824.0;
      List<Map<String, Object>> rows = new ArrayList<>();
      rows.add(row("capture bandwidth (device-to-host copy into staging)", gib / median("captureCopy"),
          gib / median("plainRead"), "GiB/s",
          ratios("captureCopy", "plainRead", false), ">= 0.9"));
      rows.add(row("restore into the device vs the same restore into a float[]", gib / median("restoreTotal"),
          gib / median("restoreArray"), "GiB/s",
          ratios("restoreTotal", "restoreArray", false), ">= 0.9"));
      rows.add(row("restore: bytes per second blocked in device calls (writes overlap the read)",
          gib / median("restoreWrite"), gib / median("plainWrite"), "GiB/s",
          ratios("restoreWrite", "plainWrite", false), null));
      rows.add(row("queue hold of an async capture (checkpoint() call)", median("checkpointCall") * 1e3,
          median("plainRead") * 1e3, "ms",
          ratios("checkpointCall", "plainRead", true), "<= 1.2"));
      rows.add(row("whole restore (read + verify the memory level + device writes) vs one plain write",
          gib / median("restoreTotal"), gib / median("plainWrite"), "GiB/s",
          ratios("restoreTotal", "plainWrite", false), null));
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("tool", "cairn device bench");
      out.put("device", dev.toString());
      out.put("sizeMiB", mib);
      out.put("repeat", repeat);
      out.put("cpus", Runtime.getRuntime().availableProcessors());
      out.put("loadAverageAtStart", load);
      out.put("loadAverageAtEnd", load());
      out.put("rows", rows);
      out.put("timesSeconds", t);
      String table = table(out, rows);
      Files.writeString(dir.resolve("bench-device.json"), Json.write(out) + "\n");
      Files.writeString(dir.resolve("bench-device.txt"), table);
      if (json) System.out.println(Json.write(out));
      else
        System.out.print(table);
      return 0;
    }

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;
    private picocli.CommandLine spec() { return spec.commandLine(); }

    private static Map<String, Object> row(String name, double value, double baseline, String unit, double[] ratios,
        String target) {
      double ratio = ratios[0];
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", name);
      m.put("value", value);
      m.put("baseline", baseline);
      m.put("unit", unit);
      m.put("ratio", ratio);
      m.put("ratioOfBest", ratios[1]);
      m.put("target", target);
      m.put("met",
          target == null
              ? null
              : target.startsWith(">=")
                  ? ratio >= Double.parseDouble(target.substring(3))
                  : ratio <= Double.parseDouble(target.substring(3)));
      return m;
    }

    private static String table(Map<String, Object> out, List<Map<String, Object>> rows) {
      StringBuilder sb = new StringBuilder();
      sb.append(String.format(Locale.ROOT, "Device state: %s MiB on %s, median of %s, load average %s -> %s%n",
          out.get("sizeMiB"), out.get("device"),
          out.get("repeat"), out.get("loadAverageAtStart"), out.get("loadAverageAtEnd")));
      sb.append(String.format(Locale.ROOT, "%-84s %8s %8s %6s %7s %7s %8s%n", "", "Cairn", "plain", "", "ratio", "best",
          "target"));
      for (Map<String, Object> r : rows) {
        sb.append(String.format(Locale.ROOT, "%-84s %8.2f %8.2f %6s %7.2f %7.2f %8s%s%n", r.get("name"),
            (double) r.get("value"), (double) r.get("baseline"),
            r.get("unit"), (double) r.get("ratio"), (double) r.get("ratioOfBest"),
            r.get("target") == null ? "-" : r.get("target"),
            r.get("met") == null ? "" : (Boolean) r.get("met") ? "  met" : "  MISSED"));
      }
      sb.append("ratio: of the medians (the target is judged on it); best: of the fastest repetition of each side\n");
      sb.append(
          "plain: blocking clEnqueueReadBuffer/clEnqueueWriteBuffer of the whole buffer into/from native host memory, same buffer, interleaved with Cairn's\n");
      sb.append(
          "capture: the buffer's copyToHost during an async checkpoint (into Cairn's staging memory); queue hold: the whole checkpoint() call, an upper bound\n");
      sb.append(
          "restore: restoreLatest() from a memory level (/dev/shm), verified blocks gathered in host memory and handed to the device in 32 MiB\n");
      sb.append(
          "  non-blocking writes, then clFinish; its baseline is the same restore of the same bytes into a host float[] (no device)\n");
      return sb.toString();
    }

    private static String load() {
      try {
        return String.join(" ", Arrays.copyOf(Files.readString(Path.of("/proc/loadavg")).trim().split(" "), 3));
      } catch (IOException e) {
        return "unknown";
      }
    }
  }
}
