package io.cairn.cli.dl;

import io.cairn.cluster.GlobalVersion;
import io.cairn.cluster.Launcher;
import io.cairn.cluster.Protocol;
import io.cairn.dl.DemoRun;
import io.cairn.dl.examples.RankTraining;
import io.cairn.internal.util.Svg;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cairn dl demo}: trains a small model on generated images with data-parallel workers in a child
 * JVM, kills it with SIGKILL at random steps, resumes it (with another worker count), and compares
 * every step and the final weights with an uninterrupted run in this JVM.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, description = {
    "Trains a small MLP or CNN in a child process, SIGKILLs it at random steps and resumes it",
    "(changing the worker count), then compares losses, sample order and weights with an uninterrupted run."})
public final class DlDemoCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;
  @Option(names = "--model", defaultValue = "mlp", description = "mlp or cnn (default ${DEFAULT-VALUE})")
  String model;
  @Option(names = "--steps", defaultValue = "120", description = "training steps (default ${DEFAULT-VALUE})")
  long steps;
  @Option(names = "--every", defaultValue = "10", description = "checkpoint every k steps (default ${DEFAULT-VALUE})")
  int every;
  @Option(names = "--workers", split = ",", defaultValue = "2,4,1", description = "worker threads of each incarnation, comma-separated (default ${DEFAULT-VALUE})")
  List<Integer> workers;
  @Option(names = "--kills", defaultValue = "2", description = "how many times the child is killed (default ${DEFAULT-VALUE})")
  int kills;
  @Option(names = "--seed", defaultValue = "42", description = "training seed (default ${DEFAULT-VALUE})")
  long seed;
  @Option(names = "--dir", description = "checkpoint directory (default: a fresh temporary one)")
  Path dir;
  @Option(names = "--plot", defaultValue = "dl-demo.svg", description = "loss-curve plot (SVG; default ${DEFAULT-VALUE}); 'none' to skip")
  String plot;
  @Option(names = "--json", description = "print the result as JSON")
  boolean json;
  @Option(names = "--ranks", defaultValue = "0", description = "train with this many ranks (processes of a cluster job, gradients reduced over the communicator, sharded state)"
      + " instead of worker threads; ranks are killed with kill -9 and the job rolls back by itself (default: threads)")
  int ranks;

  /** What the interrupted run did: its story, where it was killed, steps that differ from the reference, final weights hash, loss per step. */
  private record Outcome(List<String> story, List<Long> killSteps, int mismatches, String done, double[] resumed) {}

  static DemoRun.Options options(String model, long seed, long steps) {
    return new DemoRun.Options().model(model).seed(seed).steps(steps).samples(1024).dropout(0.1);
  }

  @Override
  public Integer call() throws Exception {
    if (dir != null) return demo(dir);
    Path d = Files.createTempDirectory("cairn-dl-demo");
    try {
      return demo(d);
    } finally {
      DjlBenchLauncher.delete(d); // the temporary checkpoints of the demo are not left behind
    }
  }

  private Integer demo(Path d) throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (ranks < 0 || ranks > 64) throw new IllegalArgumentException("--ranks must be in 0..64, got " + ranks);
    if (dir != null && Files.exists(d.resolve("global")))
      throw new IllegalArgumentException("--dir " + d + " already holds a job's checkpoints; use a fresh directory");
    if (dir != null && Files.exists(d.resolve("local")))
      throw new IllegalArgumentException("--dir " + d + " already holds checkpoints; use a fresh directory");
    // the uninterrupted reference, in this JVM, with the first worker count
    double[] refLoss = new double[(int) steps];
    String[] refBits = new String[(int) steps];
    DemoRun.Result ref = DemoRun.run(options(model, seed, steps).workers(workers.getFirst()).mode(DemoRun.Mode.NONE),
        (t, s) -> {
          refLoss[(int) s.step()] = s.loss();
          refBits[(int) s.step()] = Double.doubleToRawLongBits(s.loss()) + " "
              + t.metrics().sampleHashes()[(int) s.step()];
        });
    String refHash = Long.toString(DemoRun.hash(ref.params()));
    Outcome o = ranks > 0 ? ranks(d, refBits) : threads(d, refBits);
    List<String> story = o.story();
    List<Long> killSteps = o.killSteps();
    int mismatches = o.mismatches();
    String done = o.done();
    double[] resumed = o.resumed();
    boolean identical = mismatches == 0 && refHash.equals(done);
    if (!plot.equals("none")) {
      Path p = Path.of(plot);
      if (p.toAbsolutePath().getParent() != null) Files.createDirectories(p.toAbsolutePath().getParent());
      Files.writeString(p, lossCurves("cairn dl demo: " + model + ", " + steps + " steps, killed at " + killSteps,
          refLoss, resumed, killSteps));
    }
    if (json) {
      out.printf(Locale.ROOT,
          "{\"model\":\"%s\",\"steps\":%d,\"kills\":%s,\"mismatchedSteps\":%d,\"weightsHash\":\"%s\","
              + "\"referenceWeightsHash\":\"%s\",\"bitIdentical\":%s,\"plot\":\"%s\"}%n",
          model, steps, killSteps, mismatches, done, refHash,
          identical, plot);
    } else {
      for (String s : story) out.println(s);
      out.println();
      out.println(" step   uninterrupted   killed+resumed");
      for (int s = 0; s < steps; s += Math.max(1, (int) steps / 12)) {
        out.printf(Locale.ROOT, "%5d   %13.6f   %14.6f%s%n", s, refLoss[s], resumed[s],
            killSteps.contains((long) s) ? "   <- killed" : "");
      }
      out.printf(Locale.ROOT, "%5d   %13.6f   %14.6f%n", steps - 1, refLoss[(int) steps - 1], resumed[(int) steps - 1]);
      out.println();
      out.println("steps that differ: " + mismatches + " of " + steps + "; weights hash " + done + " vs " + refHash);
      if (!plot.equals("none")) out.println("plot: " + plot);
      out.println(identical ? "bit-identical" : "NOT bit-identical");
    }
    return identical ? 0 : 1;
  }

  /** The interrupted run as child JVMs with worker threads, SIGKILLed at random steps and resumed. */
  private Outcome threads(Path d, String[] refBits) throws Exception {
    String java = ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    Random rnd = new Random(seed);
    Map<Long, Double> resumedLoss = new LinkedHashMap<>();
    List<String> story = new ArrayList<>();
    List<Long> killSteps = new ArrayList<>();
    int mismatches = 0;
    String done = null;
    long floor = 0;
    for (int inc = 0; done == null; inc++) {
      if (inc > kills + 3) throw new IllegalStateException("child did not finish after " + inc + " starts: " + story);
      int w = workers.get(Math.min(inc, workers.size() - 1));
      long lo = floor + every + 1, hi = floor + (steps - floor) / 2;
      long target = inc < kills && lo < hi ? lo + (long) (rnd.nextDouble() * (hi - lo)) : -1;
      List<String> cmd = List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
          System.getProperty("java.class.path"),
          "io.cairn.cli.Main", "dl", "train", "--dir", d.toString(), "--model", model, "--workers", Integer.toString(w),
          "--steps", Long.toString(steps), "--every", Integer.toString(every), "--seed", Long.toString(seed),
          "--sleep-ms", "15");
      Path err = d.resolve("child-" + inc + ".log");
      Files.createDirectories(d);
      Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
      long first = -1, last = -1;
      boolean killed = false;
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null;) {
          String[] f = line.split(" ");
          if (f[0].equals("STEP")) {
            long s = Long.parseLong(f[1]);
            if (first < 0) first = s;
            last = s;
            resumedLoss.put(s, Double.parseDouble(f[2]));
            if (!(f[3] + " " + f[4]).equals(refBits[(int) s])) mismatches++;
            if (s == target) {
              p.destroyForcibly();
              killed = true;
              break;
            }
          } else if (f[0].equals("DONE")) {
            done = f[2];
          }
        }
      }
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("child " + inc + " did not exit; see " + err);
      }
      if (!killed && done == null)
        throw new IllegalStateException("child " + inc + " failed (exit " + p.exitValue() + "); see " + err
            + ":\n" + Files.readString(err));
      story.add(
          String.format(Locale.ROOT, "run %d: %d worker%s, steps %d..%d%s", inc + 1, w, w == 1 ? "" : "s", first, last,
              killed ? ", SIGKILL" : ", finished"));
      if (killed) killSteps.add(last);
      floor = Math.max(floor, last);
    }
    double[] resumed = new double[(int) steps];
    resumedLoss.forEach((s, l) -> resumed[s.intValue()] = l);
    return new Outcome(story, killSteps, mismatches, done, resumed);
  }

  /** The interrupted run as a cluster job of ranks: random ranks killed with kill -9 once global checkpoints exist; the job recovers by itself. */
  private Outcome ranks(Path d, String[] refBits) throws Exception {
    Random rnd = new Random(seed);
    List<String> story = new ArrayList<>();
    List<Long> killSteps = new ArrayList<>();
    Path log = d.resolve("logs").resolve("rank-0.log");
    int code;
    try (Launcher.Job j = Launcher.builder().ranks(ranks).nodes(Math.min(2, ranks)).jobDir(d)
        .protocol(Protocol.CHANDY_LAMPORT).jvmOption("-Xmx128m")
        .command(List.of(RankTraining.class.getName(), "--model", model, "--steps", "" + steps, "--every", "" + every,
            "--seed", "" + seed,
            "--samples", "1024", "--delay-ms", "15"))
        .start()) {
      story.add("job of " + ranks + " ranks on nodes " + j.nodes()
          + ", protocol chandy-lamport (two-phase global checkpoints), directory " + d);
      for (int k = 0; k < kills; k++) {
        long want = 2 + 3L * k + rnd.nextInt(2);
        while (GlobalVersion.list(d).size() < want && !j.isDone()) Thread.sleep(20);
        if (j.isDone()) break;
        int r = rnd.nextInt(ranks);
        j.kill(r);
        long at = lastStep(log);
        killSteps.add(at);
        story.add("kill -9 of rank " + r + " after step " + at + " (" + GlobalVersion.list(d).size()
            + " global checkpoints committed)");
      }
      code = j.await(java.time.Duration.ofMinutes(10));
      story.add(String.format(Locale.ROOT,
          "job %s; %d process(es) restarted; every rank rolled back to the newest global checkpoint",
          code == 0 ? "finished" : "FAILED (exit " + code + ", logs in " + d.resolve("logs") + ")", j.restarts()));
    }
    int mismatches = 0;
    double[] resumed = new double[(int) steps];
    for (String line : Files.readAllLines(log)) {
      String[] f = line.split(" ");
      if (!f[0].equals("dl-step")) continue;
      int s = Integer.parseInt(f[1]);
      resumed[s] = Double.longBitsToDouble(Long.parseLong(f[2]));
      if (!(f[2] + " " + f[3]).equals(refBits[s])) mismatches++;
    }
    String done = null;
    Path result = d.resolve("dl-result.txt");
    if (code == 0 && Files.exists(result))
      for (String line : Files.readAllLines(result)) if (line.startsWith("params ")) done = line.substring(7);
    return new Outcome(story, killSteps, mismatches, done, resumed);
  }

  private static long lastStep(Path log) throws java.io.IOException {
    long last = -1;
    if (!Files.exists(log)) return last;
    for (String line : Files.readAllLines(log))
      if (line.startsWith("dl-step ")) last = Long.parseLong(line.split(" ")[1]);
    return last;
  }

  /** The two loss curves (uninterrupted solid, resumed dashed) with the kill steps marked. */
  static String lossCurves(String title, double[] ref, double[] resumed, List<Long> kills) {
    double[] x = new double[Math.max(ref.length, resumed.length)];
    for (int i = 0; i < x.length; i++) x[i] = i;
    return Svg.lineChart(title, "step", "training loss",
        List.of(new Svg.Series("uninterrupted", java.util.Arrays.copyOf(x, ref.length), ref),
            new Svg.Series("killed and resumed (dashed)", java.util.Arrays.copyOf(x, resumed.length), resumed, true)),
        false,
        kills.stream().map(k -> new Svg.Mark(k, "SIGKILL")).toList(), true);
  }
}
