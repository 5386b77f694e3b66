package io.cairn.cli.sched;

import io.cairn.sched.report.Json;
import io.cairn.sched.report.Report;
import io.cairn.sched.sim.Scenario;
import io.cairn.sched.sim.SimResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cairn simulate}: runs a workload on a simulated cluster with failures under several checkpoint policies. */
@Command(name = "simulate", mixinStandardHelpOptions = true, description = {
    "Simulates a cluster (FCFS or EASY backfilling) running a job trace with node failures, under",
    "checkpoint policies (none, fixed:<interval>, young, daly, multilevel, adaptive); writes metrics",
    "(CSV, JSON) and plots (SVG, report.html) to --out. Without --trace it uses a bundled 64-node sample."})
public final class SimulateCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--trace", description = "SWF job trace (.swf or .swf.gz); default: the bundled sample")
  Path trace;
  @Option(names = "--procs-per-node", defaultValue = "1", description = "processors per node, to turn SWF processors into nodes (default ${DEFAULT-VALUE})")
  int procsPerNode;
  @Option(names = "--urgent-queue", defaultValue = "-2", description = "SWF queue number whose jobs are urgent and may preempt (default: 1 for the sample, none otherwise)")
  int urgentQueue;
  @Option(names = "--max-jobs", defaultValue = "0", description = "use only the first N jobs of the trace (0: all)")
  int maxJobs;
  @Option(names = "--nodes", defaultValue = "0", description = "cluster size (default: the trace's MaxNodes)")
  int nodes;
  @Option(names = "--scheduler", defaultValue = "easy", description = "fcfs or easy (default ${DEFAULT-VALUE})")
  String scheduler;
  @Option(names = "--policies", defaultValue = "none,fixed:1h,young,daly,multilevel,adaptive", split = ",", description = "policies to compare (default ${DEFAULT-VALUE})")
  List<String> policies;
  @Option(names = "--node-mtbf", description = "mean time between failures of one node (default 30d; 5y with --bench)")
  String nodeMtbf;
  @Option(names = "--weibull-shape", defaultValue = "0.7", description = "Weibull shape of node failures; 1 = exponential (default ${DEFAULT-VALUE})")
  double shape;
  @Option(names = "--failures", description = "failure log (LANL CSV, or node,start,end[,category] CSV; .xz/.gz ok): fit or replay it")
  Path failures;
  @Option(names = "--failure-system", description = "with --failures: use only this system of a LANL log")
  String failureSystem;
  @Option(names = "--failure-mode", defaultValue = "fit", description = "fit: Weibull MLE of per-node times between failures; replay: replay the log's failures (default ${DEFAULT-VALUE})")
  String failureMode;
  @Option(names = "--transient-fraction", description = "share of failures that are transient (default 0.7, or from the log's blame categories with --failures)")
  Double transientFraction;
  @Option(names = "--reboot", defaultValue = "10m", description = "downtime after a transient failure (default ${DEFAULT-VALUE})")
  String reboot;
  @Option(names = "--repair", defaultValue = "4h", description = "downtime after a node loss (default ${DEFAULT-VALUE})")
  String repair;
  @Option(names = "--ckpt-base", defaultValue = "60s", description = "PFS checkpoint cost, fixed part (default ${DEFAULT-VALUE})")
  String ckptBase;
  @Option(names = "--ckpt-per-node", defaultValue = "0.5s", description = "PFS checkpoint cost per node (default ${DEFAULT-VALUE})")
  String ckptPerNode;
  @Option(names = "--l1-fraction", defaultValue = "0.1", description = "level-1 checkpoint cost as a share of the PFS cost (default ${DEFAULT-VALUE})")
  double l1Fraction;
  @Option(names = "--predict", defaultValue = "0", description = "share of failures announced ahead (jobs checkpoint and migrate) (default ${DEFAULT-VALUE})")
  double predict;
  @Option(names = "--lead", defaultValue = "30m", description = "how far ahead failures are announced (default ${DEFAULT-VALUE})")
  String lead;
  @Option(names = "--no-preemption", description = "urgent jobs wait instead of preempting")
  boolean noPreemption;
  @Option(names = "--gpu-nodes", defaultValue = "0", description = "add a GPU partition of this many nodes (default ${DEFAULT-VALUE})")
  int gpuNodes;
  @Option(names = "--gpus-per-node", defaultValue = "8", description = "GPUs per GPU node (default ${DEFAULT-VALUE})")
  int gpusPerNode;
  @Option(names = "--gpu-jobs", defaultValue = "0", description = "generated GPU jobs (1-8 GPUs on one node) added over the trace's time span, offered load 0.8")
  int gpuJobCount;
  @Option(names = "--gpu-first-fit", description = "place GPU jobs first fit instead of best fit (packing)")
  boolean gpuFirstFit;
  @Option(names = "--no-gpu-defrag", description = "do not migrate GPU jobs to make room for a blocked one")
  boolean noGpuDefrag;
  @Option(names = "--seed", defaultValue = "1", description = "random seed (default ${DEFAULT-VALUE})")
  long seed;
  @Option(names = "--out", defaultValue = "simulate-report", description = "report directory (default ${DEFAULT-VALUE})")
  Path out;
  @Option(names = "--json", description = "print the metrics as JSON")
  boolean json;
  @Option(names = "--bench", description = "benchmark: a year of a 10,000-node cluster, 100,000 jobs, Weibull node failures; prints the simulation time per policy")
  boolean bench;
  @Option(names = "--generate-trace", description = "write a synthetic SWF trace here and exit (with --gen-nodes, --gen-jobs, --gen-days, --gen-load)")
  Path generate;
  @Option(names = "--gen-nodes", defaultValue = "64")
  int genNodes;
  @Option(names = "--gen-jobs", defaultValue = "600")
  int genJobs;
  @Option(names = "--gen-days", defaultValue = "14")
  double genDays;
  @Option(names = "--gen-load", defaultValue = "0.85")
  double genLoad;

  @Override
  public Integer call() throws Exception {
    try {
      return doCall();
    } catch (java.io.IOException | IllegalArgumentException | java.io.UncheckedIOException e) {
      spec.commandLine().getErr().println("cairn simulate: "
          + (e instanceof java.nio.file.NoSuchFileException ? "no such file: " : "") + e.getMessage());
      spec.commandLine().getErr().flush();
      return 2;
    }
  }

  private Integer doCall() throws Exception {
    PrintWriter o = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (generate != null) {
      int n = Scenario.writeTrace(generate, genNodes, genJobs, genDays, genLoad, seed);
      o.println("wrote " + generate + " (" + n + " jobs, " + genNodes + " nodes)");
      o.flush();
      return 0;
    }
    Scenario.Built built = new Scenario().trace(trace).procsPerNode(procsPerNode).urgentQueue(urgentQueue)
        .maxJobs(maxJobs).nodes(nodes).scheduler(scheduler).nodeMtbf(nodeMtbf).weibullShape(shape)
        .failureLog(failures, failureSystem, failureMode).transientFraction(transientFraction).downtime(reboot, repair)
        .checkpointCost(ckptBase, ckptPerNode, l1Fraction).prediction(predict, lead).preemption(!noPreemption)
        .gpus(gpuNodes, gpusPerNode, gpuJobCount, gpuFirstFit, !noGpuDefrag).benchmark(bench).seed(seed)
        .build(w -> err.println("warning: " + w));
    Map<String, Object> setup = built.setup();
    List<SimResult> results = Scenario.run(built, policies, run -> {
      SimResult r = run.result();
      if (bench)
        o.printf(Locale.ROOT,
            "bench %-12s wall %6.2f s, cpu %6.2f s (one thread), %d events, %d failures, %d jobs done%n", r.policy(),
            r.wallSeconds(), run.cpuSeconds(), r.events(), r.failures(), r.jobs());
      o.flush();
    });
    List<Path> files = Report.write(out, bench ? "cairn simulate --bench" : "cairn simulate", setup, results);
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("setup", setup);
      m.put("results", results.stream().map(SimResult::metrics).toList());
      m.put("files", files.stream().map(Path::toString).toList());
      o.print(Json.write(m));
      o.flush();
      return 0;
    }
    for (var e : setup.entrySet()) o.printf("%s: %s%n", e.getKey(), e.getValue());
    o.println();
    o.printf(Locale.ROOT, "%-12s %9s %9s %8s %6s %6s %6s %9s %9s %9s %5s%n", "policy", "makespan", "mean-wait",
        "mean-bsld", "killed",
        "util", "useful", "wasted-nh", "ckpt-nh", "restart-nh", "done");
    for (SimResult r : results) {
      o.printf(Locale.ROOT, "%-12s %8.2fd %8.2fh %8.2f %6d %5.1f%% %5.1f%% %9.1f %9.1f %9.1f %5d%n", r.policy(),
          r.makespan() / 86400,
          r.meanWait() / 3600, r.meanBoundedSlowdown(), r.jobsKilled(), 100 * r.utilization(),
          100 * r.usefulUtilization(),
          r.wastedNodeHours(), r.checkpointNodeHours(), r.restartNodeHours(), r.jobs());
    }
    if (gpuNodes > 0) {
      o.println();
      o.printf(Locale.ROOT, "%-12s %8s %9s %12s %12s %14s %8s%n", "policy", "gpu-util", "gpu-wait", "gpu-useful-h",
          "gpu-wasted-h", "gpu-ckpt+rst-h", "defrag");
      for (SimResult r : results) {
        o.printf(Locale.ROOT, "%-12s %7.1f%% %8.2fh %12.1f %12.1f %14.1f %8d%n", r.policy(), 100 * r.gpuUtilization(),
            r.gpuMeanWait() / 3600, r.gpuUsefulHours(),
            r.gpuWastedHours(), r.gpuOverheadHours(), r.gpuMigrations());
      }
    }
    o.println();
    o.println("report: " + out.resolve("report.html")
        + " (plots: utilization.svg wasted.svg overhead.svg slowdown.svg makespan.svg; metrics.csv/json)");
    o.flush();
    return 0;
  }
}
