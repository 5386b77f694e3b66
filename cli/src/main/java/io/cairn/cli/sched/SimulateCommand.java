package io.cairn.cli.sched;

import io.cairn.sched.Durations;
import io.cairn.sched.FailureModel;
import io.cairn.sched.Fit;
import io.cairn.sched.report.Json;
import io.cairn.sched.report.Report;
import io.cairn.sched.sim.Policy;
import io.cairn.sched.sim.SimConfig;
import io.cairn.sched.sim.SimResult;
import io.cairn.sched.sim.Simulator;
import io.cairn.sched.trace.FailureEvent;
import io.cairn.sched.trace.FailureLogs;
import io.cairn.sched.trace.Job;
import io.cairn.sched.trace.SampleTrace;
import io.cairn.sched.trace.SwfReader;
import io.cairn.sched.trace.SwfWriter;
import io.cairn.sched.trace.TraceGenerator;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
      List<Job> jobs = new TraceGenerator().nodes(genNodes).jobs(genJobs).horizon(genDays * 86400).load(genLoad)
          .urgentFraction(0.05).seed(seed).generate();
      try (var w = Files.newBufferedWriter(generate)) {
        SwfWriter.write(w, jobs, genNodes,
            String.format(Locale.ROOT,
                "generated by cairn simulate: %d jobs, %d nodes, %.1f days, load %.2f, seed %d, queue 1 = urgent",
                genJobs, genNodes, genDays, genLoad, seed));
      }
      o.println("wrote " + generate + " (" + jobs.size() + " jobs, " + genNodes + " nodes)");
      o.flush();
      return 0;
    }
    Map<String, Object> setup = new LinkedHashMap<>();
    List<Job> jobs;
    int clusterNodes;
    if (bench) {
      jobs = new TraceGenerator().nodes(10_000).jobs(100_000).horizon(365 * 86400).load(0.85).maxJobNodes(4096)
          .seed(seed).generate();
      clusterNodes = 10_000;
      setup.put("trace", "benchmark: 100,000 generated jobs, one year, offered load 0.85");
    } else {
      SwfReader.Trace t;
      if (trace == null) {
        t = SampleTrace.read();
        setup.put("trace", "bundled sample (" + SampleTrace.RESOURCE + ")");
      } else {
        t = SwfReader.read(trace, procsPerNode, urgentQueue == -2 ? -1 : urgentQueue);
        setup.put("trace", trace.toString());
      }
      for (String p : t.problems().subList(0, Math.min(10, t.problems().size()))) err.println("warning: " + p);
      if (t.problems().size() > 10) err.println("warning: ... " + (t.problems().size() - 10) + " more malformed lines");
      jobs = t.jobs();
      if (maxJobs > 0 && jobs.size() > maxJobs) jobs = jobs.subList(0, maxJobs);
      clusterNodes = nodes > 0 ? nodes : t.maxNodes();
      setup.put("malformed lines", t.problems().size());
      setup.put("jobs skipped (no run time or processors)", t.skipped());
    }
    if (nodes > 0) clusterNodes = nodes;
    if (gpuNodes > 0 && gpuJobCount > 0) {
      double span = Math.max(86400, jobs.stream().mapToDouble(Job::submit).max().orElse(0));
      long maxId = jobs.stream().mapToLong(Job::id).max().orElse(0);
      List<Job> all = new ArrayList<>(jobs);
      for (Job g : new TraceGenerator().nodes(1).jobs(0).horizon(span).load(0.8)
          .gpus(gpuNodes, gpusPerNode, gpuJobCount).seed(seed + 1).generate()) {
        all.add(new Job(maxId + g.id(), g.submit(), g.runtime(), 1, g.estimate(), 0, g.gpus()));
      }
      all.sort(java.util.Comparator.comparingDouble(Job::submit));
      jobs = all;
      setup.put("GPU partition",
          gpuNodes + " nodes x " + gpusPerNode + " GPUs, " + gpuJobCount + " generated GPU jobs, "
              + (gpuFirstFit ? "first fit" : "best fit") + (noGpuDefrag ? "" : ", defragmenting migration"));
    }
    setup.put("jobs", jobs.size());
    setup.put("nodes", clusterNodes);
    SimConfig cfg = new SimConfig(clusterNodes)
        .scheduler(SimConfig.Scheduler.valueOf(scheduler.toUpperCase(Locale.ROOT)))
        .rebootTime(Durations.parse(reboot)).repairTime(Durations.parse(repair))
        .checkpointCost(Durations.parse(ckptBase), Durations.parse(ckptPerNode)).level1Fraction(l1Fraction)
        .prediction(predict, Durations.parse(lead)).preemption(!noPreemption).seed(seed)
        .utilizationBucket(bench ? 6 * 3600 : 600).gpuPartition(gpuNodes, gpuNodes > 0 ? gpusPerNode : 0)
        .gpuBestFit(!gpuFirstFit).gpuDefrag(!noGpuDefrag);
    if (failures != null) {
      FailureLogs.Log log = FailureLogs.read(failures);
      List<FailureEvent> ev = failureSystem == null ? log.events() : FailureLogs.system(log.events(), failureSystem);
      if (ev.isEmpty())
        throw new IllegalArgumentException(
            failures + ": no failures" + (failureSystem == null ? "" : " of system " + failureSystem));
      setup.put("failure log",
          failures + (failureSystem == null ? "" : " system " + failureSystem) + ", " + ev.size() + " failures");
      if (transientFraction == null)
        transientFraction = ev.stream().filter(f -> !f.nodeLoss()).count() / (double) ev.size();
      if (failureMode.equals("replay")) {
        double first = ev.stream().mapToDouble(FailureEvent::start).min().orElse(0);
        cfg.failureTrace(ev, first);
        setup.put("failures",
            "replayed from the log (node numbers modulo the cluster size; each failure's class from its blame category)");
      } else {
        FailureModel.Weibull w = Fit.weibull(FailureLogs.interArrivalTimes(ev, true));
        cfg.nodeFailures(w);
        setup.put("failures", "per node, Weibull fitted by maximum likelihood: " + w.describe());
      }
    } else {
      double m = Durations.parse(nodeMtbf != null ? nodeMtbf : bench ? "5y" : "30d");
      FailureModel f = shape == 1 ? new FailureModel.Exponential(m) : FailureModel.Weibull.withMean(shape, m);
      cfg.nodeFailures(f);
      setup.put("failures", "per node: " + f.describe());
    }
    if (transientFraction == null) transientFraction = 0.7;
    cfg.transientFraction(transientFraction);
    setup.put("scheduler", scheduler);
    setup.put("checkpoint cost",
        ckptBase + " + " + ckptPerNode + "/node to the PFS; level 1 = " + l1Fraction + " of it");
    setup.put("transient share, reboot, repair",
        String.format(Locale.ROOT, "%.3f, %s, %s", transientFraction, reboot, repair));
    setup.put("seed", seed);
    List<SimResult> results = new ArrayList<>();
    for (String p : policies) {
      Policy pol = Policy.parse(p);
      var mx = java.lang.management.ManagementFactory.getThreadMXBean();
      long cpu0 = mx.getCurrentThreadCpuTime();
      SimResult r = Simulator.run(jobs, cfg, pol);
      double cpu = (mx.getCurrentThreadCpuTime() - cpu0) / 1e9;
      results.add(r);
      if (bench)
        o.printf(Locale.ROOT,
            "bench %-12s wall %6.2f s, cpu %6.2f s (one thread), %d events, %d failures, %d jobs done%n", r.policy(),
            r.wallSeconds(), cpu, r.events(), r.failures(), r.jobs());
      o.flush();
    }
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
