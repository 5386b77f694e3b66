package io.cairn.cli.core;

import io.cairn.internal.bench.Heat;
import io.cairn.internal.util.FileTrees;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cairn demo}: a heat-diffusion solver run as a child JVM with checkpoints, killed with SIGKILL
 * at random moments, restarted each time, and compared bit for bit with an uninterrupted run.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "Run a checkpointed heat-diffusion solver, kill it (SIGKILL) several times, restart it, "
    + "and check the result is bit-identical to an uninterrupted run.")
public final class DemoCommand implements Callable<Integer> {
  @Option(names = "--size", description = "Grid edge; state is size^2 doubles (default 4096: 128 MiB), or size^2 floats in device memory with --device opencl (default 2048: 16 MiB).")
  Integer size;
  @Option(names = "--device", defaultValue = "none", description = "none: the solver on the CPU in Java arrays; opencl: an OpenCL kernel with its state only in device memory (docs/accelerators.md).")
  String device;
  @Option(names = "--migrate-every", defaultValue = "0", description = "With --device opencl: move the running solver to a fresh context on the next OpenCL device every N steps (0: never; restarts also rotate devices).")
  int migrateEvery;
  @Option(names = "--steps", defaultValue = "240", description = "Solver steps (default ${DEFAULT-VALUE}).")
  int steps;
  @Option(names = "--kills", defaultValue = "3", description = "How many times to kill the solver (default ${DEFAULT-VALUE}).")
  int kills;
  @Option(names = "--dir", defaultValue = "cairn-data/demo", description = "Where the checkpoints go (default ${DEFAULT-VALUE}).")
  Path dir;
  @Option(names = "--seed", description = "Seed for the kill times (default: random).")
  Long seed;
  @Option(names = "--mode", defaultValue = "async", description = "async (default): checkpoint() returns after one memory copy and the levels are written in the background; "
      + "sync: the solver waits for every level's write. Not with --device opencl (always sync).")
  String mode;
  @Option(names = "--mtbf", defaultValue = "auto", description = "MTBF given to Daly's interval (default: the reference run time divided by kills+1, the failure rate the demo inflicts).")
  String mtbf;

  private final List<String> restarts = new ArrayList<>();
  private boolean opencl;
  private int versions;
  private long bytes;
  private double ckptSeconds;
  private double commitSeconds;
  private int commits;
  /** Per level: {sum of write seconds, versions written}. */
  private final java.util.Map<String, double[]> levelTimes = new java.util.LinkedHashMap<>();
  private volatile long lastStep;
  private volatile long restoredStep = -1;

  @Override
  public Integer call() throws Exception {
    boolean opencl = switch (device) {
      case "none" -> false;
      case "opencl" -> true;
      default -> throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
          "--device: 'none' or 'opencl', not '" + device + "'");
    };
    if (opencl && io.cairn.device.opencl.OpenCL.unavailableReason() != null) {
      System.out.println("cairn demo --device opencl: " + io.cairn.device.opencl.OpenCL.unavailableReason());
      return 2;
    }
    this.opencl = opencl;
    if (!mode.equals("async") && !mode.equals("sync"))
      throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
          "--mode: 'async' or 'sync', not '" + mode + "'");
    if (opencl) mode = "sync";
    if (size == null) size = opencl ? 2048 : 4096;
    long s = seed != null ? seed : System.nanoTime();
    Random rnd = new Random(s);
    Path shm = (Files.isDirectory(Path.of("/dev/shm"))
        ? Path.of("/dev/shm")
        : Path.of(System.getProperty("java.io.tmpdir")))
        .resolve("cairn-demo-" + ProcessHandle.current().pid());
    deleteTree(dir);
    Files.createDirectories(dir);
    System.out.printf(
        "Cairn demo: 2-D heat diffusion, %dx%d grid (%d MiB of protected state%s), %d steps, %d kills (seed %d)%n",
        size, size, (long) size * size * (opencl ? 4 : 8) >> 20, opencl ? " in OpenCL device memory" : "", steps, kills,
        s);
    if (opencl) System.out.println("OpenCL devices: " + io.cairn.device.opencl.OpenCL.devices());

    System.out.println("\n1) Uninterrupted reference run (no checkpoints)" + (opencl ? " on OpenCL device 0" : ""));
    long t0 = System.nanoTime();
    long refPrint;
    if (opencl) {
      refPrint = DeviceDemoWorker.reference(0, size, steps, i -> progress("reference", i, ""));
    } else {
      Heat ref = new Heat(size);
      for (int i = 1; i <= steps; i++) {
        ref.step();
        if (i % 5 == 0 || i == steps) progress("reference", i, "");
      }
      refPrint = Heat.fingerprint(ref.grid);
    }
    double refSecs = (System.nanoTime() - t0) / 1e9;
    System.out.printf("%n   done in %.1f s, fingerprint %016x%n", refSecs, refPrint);
    if (mtbf.equals("auto")) mtbf = String.format(Locale.ROOT, "%.3fs", Math.max(0.2, refSecs / (kills + 1)));
    System.out.printf("%nLevels: memory (%s), local (%s), persistent (%s, zstd, incremental, every 4th)%n"
        + "Mode: %s%n"
        + "Interval: Daly's optimum from the measured checkpoint cost and an MTBF of %s%n", shm, dir.resolve("local"),
        dir.resolve("persistent"),
        mode.equals("async")
            ? "async: checkpoint() returns after one copy of the state into staging memory; the levels are written in the "
                + "background while the solver runs on"
            : "sync: the solver waits until every due level is written",
        mtbf);

    System.out.println("\n2) Checkpointed run in a child JVM, killed with SIGKILL at random moments");
    String done = null;
    try {
      for (int run = 1; done == null; run++) {
        boolean kill = run <= kills;
        done = runChild(run, shm, kill ? rnd : null);
        if (run > kills + 5 && done == null) {
          System.out.println("\n   the solver did not finish; giving up");
          return 1;
        }
      }
    } finally {
      deleteTree(shm);
    }
    String[] f = done.split(" ");
    long got = Long.parseUnsignedLong(f[2], 16);
    ckptSeconds += Double.parseDouble(f[3]);
    System.out.println("\n3) Result");
    for (String r : restarts) System.out.println("   " + r);
    System.out.printf(Locale.ROOT,
        "   checkpoints written: %d versions, %.1f MiB of state each, %.2f s spent checkpointing (blocking)%n",
        versions, bytes / 1048576.0, ckptSeconds);
    if (versions > 0) {
      double block = ckptSeconds / versions;
      System.out.printf(Locale.ROOT, "   the solver waited %.4f s per checkpoint (%.2f GB/s of state)%s%n", block,
          bytes / block / 1e9,
          mode.equals("async")
              ? ": one memory copy; the writes below ran in the background"
              : ": the writes below, one after the other");
      if (commits > 0)
        System.out.printf(Locale.ROOT,
            "   time to commit (checkpoint() until every due level is written): %.4f s per checkpoint%n",
            commitSeconds / commits);
      for (var e : levelTimes.entrySet()) {
        double mean = e.getValue()[0] / e.getValue()[1];
        System.out.printf(Locale.ROOT, "   level %-10s %.4f s per version written (%.2f GB/s), %d versions%s%n",
            e.getKey(), mean, bytes / mean / 1e9,
            (int) e.getValue()[1], e.getKey().equals("persistent") ? " (zstd, incremental: every 4th checkpoint)" : "");
      }
    }
    System.out.printf("   reference fingerprint   %016x%n   checkpointed+killed run %016x%n", refPrint, got);
    if (got == refPrint) {
      System.out
          .println("   BIT-IDENTICAL: the run that was killed " + kills + " times ended with exactly the same grid.");
      System.out.println("   Inspect the checkpoints: ./cairn ls --dir " + dir + " --name heat");
      return 0;
    }
    System.out.println("   MISMATCH: the restarted run differs from the reference.");
    return 1;
  }

  /**
   * Runs the solver once. With {@code rnd}, kills it once it has passed a random step between 20% and 70%
   * of what it has left to do, after a further random delay (so the kill lands in a step or in a checkpoint).
   */
  private String runChild(int run, Path shm, Random rnd) throws IOException, InterruptedException {
    String javaCmd = ProcessHandle.current().info().command().orElse("java");
    String cp = System.getProperty("java.class.path");
    long heap = opencl ? 512 : Math.max(512, (long) size * size * 8 * 3 / (1 << 20) + 256);
    List<String> cmd = new ArrayList<>(
        List.of(javaCmd, "-Xmx" + heap + "m", "--enable-native-access=ALL-UNNAMED", "-cp", cp,
            "io.cairn.cli.Main", opencl ? "device-demo-worker" : "demo-worker", "--dir", dir.toString(), "--shm",
            shm.toString(),
            "--size", Integer.toString(size), "--steps", Integer.toString(steps), "--mtbf", mtbf));
    if (!opencl) cmd.addAll(List.of("--mode", mode));
    if (opencl)
      cmd.addAll(
          List.of("--device-index", Integer.toString(run - 1), "--migrate-every", Integer.toString(migrateEvery)));
    restoredStep = -1;
    lastStep = 0;
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    long start = System.nanoTime();
    String[] result = {null};
    String tag = "run " + run;
    Thread reader = Thread.ofPlatform().daemon(true).start(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null;) {
          String[] w = line.split(" ");
          switch (w[0]) {
            case "fresh" -> restarts.add(tag + ": fresh start");
            case "device" -> restarts.add(tag + ": on " + line.substring(7));
            case "moved" -> restarts.add(tag + ": at step " + w[2] + " moved through version " + w[1] + " in " + w[3]
                + " s: " + line.substring(line.indexOf(w[3]) + w[3].length() + 1));
            case "restored" -> {
              restarts.add(tag + ": restarted from version " + w[1] + " (step " + w[2] + ", level " + w[3] + ")");
              restoredStep = Long.parseLong(w[2]);
            }
            case "step" -> {
              lastStep = Long.parseLong(w[1]);
              if (lastStep % 5 == 0) progress(tag, lastStep, "versions " + versions);
            }
            case "checkpoint" -> {
              versions++;
              bytes = Long.parseLong(w[3]);
              ckptSeconds += Double.parseDouble(w[4]);
              if (w.length >= 9) { // time to commit, and each level's write time
                commitSeconds += Double.parseDouble(w[7]);
                commits++;
                for (String lv : w[8].split(",")) {
                  String[] kv = lv.split("=");
                  double t = Double.parseDouble(kv[1]);
                  if (!Double.isFinite(t)) continue;
                  double[] acc = levelTimes.computeIfAbsent(kv[0], k -> new double[2]);
                  acc[0] += t;
                  acc[1]++;
                }
              }
            }
            case "done" -> result[0] = line;
            default -> {}
          }
        }
      } catch (IOException ignored) {
        // the child was killed
      }
    });
    if (rnd != null) {
      double frac = 0.2 + 0.5 * rnd.nextDouble();
      int delayMs = rnd.nextInt(400);
      long target = -1;
      while (p.isAlive()) {
        if (target < 0
            && (restoredStep >= 0 || lastStep > 0 || !restarts.isEmpty() && restarts.getLast().startsWith(tag))) {
          long from = Math.max(restoredStep, 0);
          target = from + Math.max(2, (long) ((steps - from) * frac));
        }
        if (target >= 0 && lastStep >= target) break;
        Thread.sleep(5);
      }
      Thread.sleep(delayMs);
      if (p.isAlive()) {
        p.destroyForcibly(); // SIGKILL
        p.waitFor(30, TimeUnit.SECONDS);
        reader.join(2000);
        System.out.printf("%n   %s: killed with SIGKILL after %.1f s at step %d%n", tag,
            (System.nanoTime() - start) / 1e9, lastStep);
        return null;
      }
    }
    int code = p.waitFor();
    reader.join(5000);
    if (code != 0 || result[0] == null) {
      System.out.printf("%n   %s: the solver exited with code %d%n", tag, code);
      return null;
    }
    System.out.println();
    return result[0];
  }

  private void progress(String tag, long step, String extra) {
    int width = 30;
    int filled = (int) (width * step / steps);
    System.out.printf("\r   %-10s step %4d/%d [%s%s] %s   ", tag, step, steps, "#".repeat(filled),
        ".".repeat(width - filled), extra);
    System.out.flush();
  }

  /** Core's one tree deletion ({@code io.cairn.internal.util.FileTrees}). */
  static void deleteTree(Path d) throws IOException {
    FileTrees.deleteTree(d);
  }
}
