package io.cairn.cli.core;

import io.cairn.Checkpointer;
import io.cairn.Metadata;
import io.cairn.Version;
import io.cairn.device.Migration;
import io.cairn.device.opencl.ClContext;
import io.cairn.device.opencl.ClQueue;
import io.cairn.device.opencl.HeatSolver;
import io.cairn.device.opencl.OpenCL;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The child JVM of {@code cairn demo --device opencl}: the heat solver as an OpenCL kernel, its state only
 * in device memory (the protected buffer). Every {@code --migrate-every} steps it moves to a fresh context
 * on the next OpenCL device through a checkpoint. Prints one event per line for the parent, like {@link DemoWorker}.
 */
@Command(name = "device-demo-worker", hidden = true, description = "Internal: the OpenCL solver run by 'cairn demo --device opencl'.")
public final class DeviceDemoWorker implements Callable<Integer> {
  @Option(names = "--dir", required = true)
  Path dir;
  @Option(names = "--shm", required = true)
  Path shm;
  @Option(names = "--size", defaultValue = "2048")
  int size;
  @Option(names = "--steps", defaultValue = "400")
  int steps;
  @Option(names = "--mtbf", defaultValue = "20s")
  String mtbf;
  @Option(names = "--device-index", defaultValue = "0", description = "Starting OpenCL device (modulo the device count).")
  int deviceIndex;
  @Option(names = "--migrate-every", defaultValue = "0", description = "Move to the next device's fresh context every N steps (0: never).")
  int migrateEvery;

  @Override
  public Integer call() {
    int devices = OpenCL.devices().size();
    int dev = Math.floorMod(deviceIndex, devices);
    ClContext ctx = OpenCL.device(dev).createContext();
    ClQueue q = ctx.createQueue();
    HeatSolver heat = new HeatSolver(q, size);
    long[] step = {0};
    double ckptSeconds = 0;
    try (Checkpointer ckpt = DemoWorker.builder(dir, shm, mtbf).open()) {
      ckpt.protect("grid", heat.grid()).protect("step", step);
      System.out.println("device " + ctx);
      Optional<Version> from = ckpt.restoreLatest();
      System.out.println(
          from.map(v -> "restored " + v.number() + " " + step[0] + " " + String.join("+", v.levels())).orElse("fresh"));
      System.out.flush();
      while (step[0] < steps) {
        heat.step();
        step[0]++;
        if (step[0] % 5 == 0) q.finish(); // keep the progress lines honest (at most 5 steps queued ahead)
        System.out.println("step " + step[0]);
        if (ckpt.preemptionRequested()) {
          ckpt.checkpoint(Metadata.create().step(step[0]).label("preempted")).await();
          System.out.println("preempted " + step[0]);
          return Checkpointer.EXIT_REQUEUE;
        }
        if (migrateEvery > 0 && step[0] % migrateEvery == 0 && step[0] < steps) {
          dev = (dev + 1) % devices;
          ClContext ctx2 = OpenCL.device(dev).createContext();
          ClQueue q2 = ctx2.createQueue();
          HeatSolver heat2 = new HeatSolver(q2, size);
          long t0 = System.nanoTime();
          Version v = Migration.move(ckpt, Metadata.create().step(step[0]).label("move"),
              new Migration.Move("grid", heat.grid(), heat2.grid()));
          double s = (System.nanoTime() - t0) / 1e9;
          System.out.printf("moved %d %d %.3f %s -> %s%n", v.number(), step[0], s, ctx, ctx2);
          heat.close();
          q.close();
          ctx.close();
          heat = heat2;
          q = q2;
          ctx = ctx2;
        } else if (ckpt.due() && step[0] < steps) {
          long t0 = System.nanoTime();
          Version v = ckpt.checkpoint(Metadata.create().step(step[0]).label("heat")).await();
          double s = (System.nanoTime() - t0) / 1e9;
          ckptSeconds += s;
          System.out.printf("checkpoint %d %d %d %.4f %.3f %s%n", v.number(), step[0], v.bytes(), s,
              ckpt.intervalSeconds(),
              String.join("+", v.levels()));
        }
      }
      System.out.printf("done %d %016x %.4f%n", step[0], HeatSolver.fingerprint(heat.read()), ckptSeconds);
    } finally {
      heat.close();
      q.close();
      ctx.close();
    }
    return 0;
  }

  /** The uninterrupted run on device {@code index}: the reference fingerprint. */
  static long reference(int index, int size, int steps, java.util.function.IntConsumer progress) {
    try (ClContext ctx = OpenCL.device(index).createContext();
        ClQueue q = ctx.createQueue();
        HeatSolver h = new HeatSolver(q, size)) {
      for (int i = 1; i <= steps; i++) {
        h.step();
        if (i % 5 == 0 || i == steps) {
          q.finish();
          progress.accept(i);
        }
      }
      return HeatSolver.fingerprint(h.read());
    }
  }
}
