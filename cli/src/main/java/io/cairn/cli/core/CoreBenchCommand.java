package io.cairn.cli.core;

import io.cairn.internal.bench.EngineBench;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code cairn bench}: parses the options, runs core's harness ({@link EngineBench}), writes
 * {@code bench.json}, {@code bench.txt} and {@code bench.svg} into the bench directory and prints the
 * table (or JSON). What each figure means: {@code docs/performance.md}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmark the checkpoint engine against plain baselines measured in the same run (ratios; see docs/performance.md).")
public final class CoreBenchCommand implements Callable<Integer> {
  @Option(names = "--size", description = "MiB of protected state (default 1024; 8 with --quick).")
  Integer sizeMiB;
  @Option(names = "--dir", defaultValue = "cairn-data/bench", description = "Where to write (default ${DEFAULT-VALUE}); results go there too.")
  Path dir;
  @Mixin
  JsonOption output;
  @Option(names = "--quick", description = "Small sizes and one repetition (a smoke test, not a measurement).")
  boolean quick;
  @Option(names = "--only", split = ",", description = "Figures to run, comma separated: sync, async, loop, incremental, compression, codecs, baselines (default all); 'device' alone runs cairn device bench, 'objects' alone the object-graph figure (docs/objects.md), 's3' alone the object-store level (docs/s3.md).")
  List<String> only;
  @Option(names = "--repeat", description = "Repetitions per measurement; the median is reported (default 5; 1 with --quick; at most 3 pairs in the loop figure).")
  Integer repeat;
  @Option(names = "--block-size", description = "Cairn block size (default 4MiB; 64KiB with --quick).")
  String blockSize;
  @Option(names = "--mtbf", defaultValue = "10m", description = "MTBF given to Young's interval in the loop figure (default ${DEFAULT-VALUE}).")
  String mtbf;
  @Option(names = "--loop-grid", description = "Heat grid edge of the loop figure (default 4096 = 128 MiB, the demo's; 256 with --quick).")
  Integer loopGrid;
  @Option(names = "--loop-steps", description = "Solver steps of the loop figure (default 400; 300 with --quick).")
  Integer loopSteps;
  @Option(names = "--compression-size", description = "MiB per data kind in the compression figure (default min(size, 256)).")
  Integer compressionMiB;
  @Option(names = "--seed", defaultValue = "42", description = "Seed of the random data (default ${DEFAULT-VALUE}).")
  long seed;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    // progress goes to stderr; the engine's per-restore INFO lines would drown it
    if (System.getProperty("org.slf4j.simpleLogger.log.io.cairn") == null)
      System.setProperty("org.slf4j.simpleLogger.log.io.cairn", "warn");
    if (only != null && only.size() == 1 && only.getFirst().trim().equalsIgnoreCase("device")) { // accelerator state: its own command
      List<String> args = new ArrayList<>(List.of("device", "bench", "--dir", dir.toString()));
      if (sizeMiB != null) args.addAll(List.of("--size", sizeMiB.toString()));
      if (repeat != null) args.addAll(List.of("--repeat", repeat.toString()));
      if (output.json) args.add("--json");
      return io.cairn.cli.Main.run(args.toArray(String[]::new));
    }
    if (only != null && only.size() == 1 && only.getFirst().trim().equalsIgnoreCase("s3"))
      return io.cairn.s3.internal.S3Bench.run(dir, sizeMiB, repeat, quick, output.json); // docs/s3.md
    if (only != null && only.size() == 1 && only.getFirst().trim().equalsIgnoreCase("objects")) // object graphs: their own figure
      return io.cairn.objects.internal.ObjectsBench.run(dir, repeat, quick, output.json, System.err);
    EngineBench b = new EngineBench();
    b.sizeMiB = sizeMiB;
    b.dir = dir;
    b.quick = quick;
    b.only = only;
    b.repeat = repeat;
    b.blockSize = blockSize;
    b.mtbf = mtbf;
    b.loopGrid = loopGrid;
    b.loopSteps = loopSteps;
    b.compressionMiB = compressionMiB;
    b.seed = seed;
    EngineBench.Result r;
    try {
      r = b.run();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    String jsonText = Json.write(r.json());
    Files.writeString(dir.resolve("bench.json"), jsonText + "\n");
    Files.writeString(dir.resolve("bench.txt"), r.table());
    Files.writeString(dir.resolve("bench.svg"), r.svg());
    if (output.json) System.out.println(jsonText);
    else
      System.out.print(r.table());
    System.err.println("results: " + dir.resolve("bench.json") + ", " + dir.resolve("bench.txt") + ", plot "
        + dir.resolve("bench.svg"));
    return 0;
  }
}
