package io.cairn.cli.core;

import io.cairn.Cairn;
import io.cairn.Checkpoint;
import io.cairn.Checkpointer;
import io.cairn.Metadata;
import io.cairn.Version;
import io.cairn.internal.bench.Heat;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The child JVM of {@code cairn demo}: the checkpointed heat solver. Prints one event per line for the parent. */
@Command(name = "demo-worker", hidden = true, description = "Internal: the checkpointed solver run by 'cairn demo'.")
public final class DemoWorker implements Callable<Integer> {
  @Option(names = "--dir", required = true)
  Path dir;
  @Option(names = "--shm", required = true)
  Path shm;
  @Option(names = "--size", defaultValue = "4096")
  int size;
  @Option(names = "--steps", defaultValue = "400")
  int steps;
  @Option(names = "--mtbf", defaultValue = "20s")
  String mtbf;
  @Option(names = "--mode", defaultValue = "async")
  String mode;

  static Checkpointer.Builder builder(Path dir, Path shm, String mtbf) {
    return Cairn.builder().name("heat").directory(dir).levels("memory", "local", "persistent")
        .set("level.memory.path", shm.toString()).set("level.memory.keep", "2")
        .set("level.local.keep", "2")
        .set("level.persistent.every", "4").set("level.persistent.keep", "2").set("level.persistent.codec", "zstd")
        .set("level.persistent.incremental", "true")
        .set("interval", "daly").set("interval.mtbf", mtbf).set("interval.first", "1s");
  }

  @Override
  public Integer call() {
    Heat heat = new Heat(size);
    long[] step = {0};
    double ckptSeconds = 0;
    try (Checkpointer ckpt = builder(dir, shm, mtbf).set("mode", mode).open()) {
      ckpt.protect("grid", heat.grid).protect("step", step);
      Optional<Version> from = ckpt.restoreLatest();
      System.out.println(from.map(v -> "restored " + v.number() + " " + step[0] + " " + String.join("+", v.levels()))
          .orElse("fresh"));
      System.out.flush();
      while (step[0] < steps) {
        heat.step();
        step[0]++;
        System.out.println("step " + step[0]);
        if (ckpt.preemptionRequested()) {
          ckpt.checkpoint(Metadata.create().step(step[0]).label("preempted")).await();
          System.out.println("preempted " + step[0]);
          return Checkpointer.EXIT_REQUEUE;
        }
        if (ckpt.due() && step[0] < steps) {
          long t0 = System.nanoTime();
          Checkpoint ck = ckpt.checkpoint(Metadata.create().step(step[0]).label("heat"));
          double s = (System.nanoTime() - t0) / 1e9; // what the solver waits (async: one memory copy)
          ckptSeconds += s;
          long at = step[0];
          double interval = ckpt.intervalSeconds();
          // one line per committed version, with the time each level's write took (async: from the background writer)
          ck.committed().thenAccept(v -> {
            double commit = (System.nanoTime() - t0) / 1e9;
            Map<String, Double> lv = ckpt.levelWriteSeconds();
            String per = v.levels().stream()
                .map(l -> String.format(Locale.ROOT, "%s=%.4f", l, lv.getOrDefault(l, Double.NaN)))
                .collect(Collectors.joining(","));
            System.out.printf(Locale.ROOT, "checkpoint %d %d %d %.4f %.3f %s %.4f %s%n", v.number(), at, v.bytes(), s,
                interval,
                String.join("+", v.levels()), commit, per);
          });
        }
      }
    }
    System.out.printf("done %d %016x %.4f%n", step[0], Heat.fingerprint(heat.grid), ckptSeconds);
    return 0;
  }
}
