package io.cairn.sched.sim;

import io.cairn.sched.Durations;
import io.cairn.sched.FailureModel;
import io.cairn.sched.Fit;
import io.cairn.sched.trace.FailureEvent;
import io.cairn.sched.trace.FailureLogs;
import io.cairn.sched.trace.Job;
import io.cairn.sched.trace.SampleTrace;
import io.cairn.sched.trace.SwfReader;
import io.cairn.sched.trace.SwfWriter;
import io.cairn.sched.trace.TraceGenerator;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One simulation set-up as a user describes it (what {@code cairn simulate} takes on its command line): a workload (a
 * SWF trace, the bundled sample, or the generated one-year benchmark, optionally with generated GPU jobs), a cluster,
 * a failure model (given, or fitted to / replayed from a failure log) and checkpoint costs. {@link #build} turns it
 * into the jobs and the {@link SimConfig} the {@link Simulator} runs, with a human-readable description of the set-up;
 * {@link #run} runs it under several policies. Durations are strings such as {@code 30d}, {@code 10m}
 * ({@link Durations}).
 */
public final class Scenario {
  private Path trace;
  private int procsPerNode = 1;
  private int urgentQueue = -2;
  private int maxJobs;
  private int nodes;
  private String scheduler = "easy";
  private String nodeMtbf;
  private double shape = 0.7;
  private Path failures;
  private String failureSystem;
  private String failureMode = "fit";
  private Double transientFraction;
  private String reboot = "10m", repair = "4h", ckptBase = "60s", ckptPerNode = "0.5s", lead = "30m";
  private double l1Fraction = 0.1, predict;
  private boolean preemption = true, bench, gpuFirstFit, gpuDefrag = true;
  private int gpuNodes, gpusPerNode = 8, gpuJobs;
  private long seed = 1;

  /** The set-up as built: the jobs, the simulator's configuration, and the description a report shows. */
  public record Built(List<Job> jobs, SimConfig config, Map<String, Object> setup) {}

  /** SWF job trace ({@code .swf} or {@code .swf.gz}); null: the bundled sample. */
  public Scenario trace(Path p) {
    trace = p;
    return this;
  }
  /** Processors per node, to turn SWF processors into nodes. */
  public Scenario procsPerNode(int n) {
    procsPerNode = n;
    return this;
  }
  /** SWF queue number whose jobs are urgent; -2: 1 for the sample, none otherwise. */
  public Scenario urgentQueue(int q) {
    urgentQueue = q;
    return this;
  }
  /** Only the first {@code n} jobs of the trace (0: all). */
  public Scenario maxJobs(int n) {
    maxJobs = n;
    return this;
  }
  /** Cluster size (0: the trace's MaxNodes). */
  public Scenario nodes(int n) { nodes = n; return this; }
  /** {@code fcfs} or {@code easy}. */
  public Scenario scheduler(String s) { scheduler = s; return this; }
  /** Mean time between failures of one node (null: 30d, 5y for the benchmark). */
  public Scenario nodeMtbf(String m) {
    nodeMtbf = m;
    return this;
  }
  /** Weibull shape of node failures; 1 = exponential. */
  public Scenario weibullShape(double s) {
    shape = s;
    return this;
  }
  /** A failure log (LANL CSV, or node,start,end[,category] CSV), its system (null: all), {@code fit} or {@code replay}. */
  public Scenario failureLog(Path log, String system, String mode) {
    failures = log;
    failureSystem = system;
    failureMode = mode;
    return this;
  }
  /** Share of failures that are transient (null: 0.7, or from the failure log's blame categories). */
  public Scenario transientFraction(Double f) {
    transientFraction = f;
    return this;
  }
  /** Downtime after a transient failure and after a node loss. */
  public Scenario downtime(String reboot, String repair) {
    this.reboot = reboot;
    this.repair = repair;
    return this;
  }
  /** PFS checkpoint cost (fixed part, per node) and the level-1 cost as a share of it. */
  public Scenario checkpointCost(String base, String perNode, double level1Fraction) {
    ckptBase = base;
    ckptPerNode = perNode;
    l1Fraction = level1Fraction;
    return this;
  }
  /** Share of failures announced ahead, and how far ahead. */
  public Scenario prediction(double share, String lead) {
    predict = share;
    this.lead = lead;
    return this;
  }
  /** Whether urgent jobs may preempt. */
  public Scenario preemption(boolean p) { preemption = p; return this; }
  /** A GPU partition and generated GPU jobs (1–8 GPUs on one node, offered load 0.8). */
  public Scenario gpus(int nodes, int perNode, int jobs, boolean firstFit, boolean defrag) {
    gpuNodes = nodes;
    gpusPerNode = perNode;
    gpuJobs = jobs;
    gpuFirstFit = firstFit;
    gpuDefrag = defrag;
    return this;
  }
  /** The benchmark workload: a year of a 10,000-node cluster, 100,000 generated jobs (the trace is ignored). */
  public Scenario benchmark(boolean b) {
    bench = b;
    return this;
  }
  /** Random seed. */
  public Scenario seed(long s) { seed = s; return this; }

  /**
   * Writes a synthetic SWF trace ({@code urgentFraction} 0.05, queue 1 = urgent) and returns its number of jobs.
   */
  public static int writeTrace(Path out, int nodes, int jobs, double days, double load, long seed) throws IOException {
    List<Job> js = new TraceGenerator().nodes(nodes).jobs(jobs).horizon(days * 86400).load(load).urgentFraction(0.05)
        .seed(seed).generate();
    try (var w = Files.newBufferedWriter(out)) {
      SwfWriter.write(w, js, nodes, String.format(Locale.ROOT,
          "generated by cairn simulate: %d jobs, %d nodes, %.1f days, load %.2f, seed %d, queue 1 = urgent", jobs,
          nodes,
          days, load, seed));
    }
    return js.size();
  }

  /**
   * Reads or generates the workload, fits or sets the failure model, and returns what the simulator needs.
   * {@code warnings} receives the trace's malformed lines (the first ten, then a count).
   *
   * @throws IOException the trace or the failure log cannot be read
   * @throws IllegalArgumentException a bad value (a duration, a scheduler name, a failure log without failures)
   */
  public Built build(Consumer<String> warnings) throws IOException {
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
      for (String p : t.problems().subList(0, Math.min(10, t.problems().size()))) warnings.accept(p);
      if (t.problems().size() > 10) warnings.accept("... " + (t.problems().size() - 10) + " more malformed lines");
      jobs = t.jobs();
      if (maxJobs > 0 && jobs.size() > maxJobs) jobs = jobs.subList(0, maxJobs);
      clusterNodes = nodes > 0 ? nodes : t.maxNodes();
      setup.put("malformed lines", t.problems().size());
      setup.put("jobs skipped (no run time or processors)", t.skipped());
    }
    if (nodes > 0) clusterNodes = nodes;
    if (gpuNodes > 0 && gpuJobs > 0) {
      double span = Math.max(86400, jobs.stream().mapToDouble(Job::submit).max().orElse(0));
      long maxId = jobs.stream().mapToLong(Job::id).max().orElse(0);
      List<Job> all = new ArrayList<>(jobs);
      for (Job g : new TraceGenerator().nodes(1).jobs(0).horizon(span).load(0.8).gpus(gpuNodes, gpusPerNode, gpuJobs)
          .seed(seed + 1).generate()) {
        all.add(new Job(maxId + g.id(), g.submit(), g.runtime(), 1, g.estimate(), 0, g.gpus()));
      }
      all.sort(Comparator.comparingDouble(Job::submit));
      jobs = all;
      setup.put("GPU partition", gpuNodes + " nodes x " + gpusPerNode + " GPUs, " + gpuJobs + " generated GPU jobs, "
          + (gpuFirstFit ? "first fit" : "best fit") + (gpuDefrag ? ", defragmenting migration" : ""));
    }
    setup.put("jobs", jobs.size());
    setup.put("nodes", clusterNodes);
    SimConfig cfg = new SimConfig(clusterNodes)
        .scheduler(SimConfig.Scheduler.valueOf(scheduler.toUpperCase(Locale.ROOT)))
        .rebootTime(Durations.parse(reboot)).repairTime(Durations.parse(repair))
        .checkpointCost(Durations.parse(ckptBase), Durations.parse(ckptPerNode)).level1Fraction(l1Fraction)
        .prediction(predict, Durations.parse(lead)).preemption(preemption).seed(seed)
        .utilizationBucket(bench ? 6 * 3600 : 600).gpuPartition(gpuNodes, gpuNodes > 0 ? gpusPerNode : 0)
        .gpuBestFit(!gpuFirstFit).gpuDefrag(gpuDefrag);
    double transientShare;
    if (failures != null) {
      FailureLogs.Log log = FailureLogs.read(failures);
      List<FailureEvent> ev = failureSystem == null ? log.events() : FailureLogs.system(log.events(), failureSystem);
      if (ev.isEmpty())
        throw new IllegalArgumentException(
            failures + ": no failures" + (failureSystem == null ? "" : " of system " + failureSystem));
      setup.put("failure log",
          failures + (failureSystem == null ? "" : " system " + failureSystem) + ", " + ev.size() + " failures");
      transientShare = transientFraction != null
          ? transientFraction
          : ev.stream().filter(f -> !f.nodeLoss()).count() / (double) ev.size();
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
      transientShare = transientFraction != null ? transientFraction : 0.7;
    }
    cfg.transientFraction(transientShare);
    setup.put("scheduler", scheduler);
    setup.put("checkpoint cost",
        ckptBase + " + " + ckptPerNode + "/node to the PFS; level 1 = " + l1Fraction + " of it");
    setup.put("transient share, reboot, repair",
        String.format(Locale.ROOT, "%.3f, %s, %s", transientShare, reboot, repair));
    setup.put("seed", seed);
    return new Built(jobs, cfg, setup);
  }

  /** What one policy's run gave, with the simulating thread's CPU seconds. */
  public record Run(SimResult result, double cpuSeconds) {}

  /** Runs the built set-up under each policy ({@link Policy#parse}); {@code each} sees every run as it ends. */
  public static List<SimResult> run(Built built, List<String> policies, Consumer<Run> each) {
    var mx = ManagementFactory.getThreadMXBean();
    List<SimResult> results = new ArrayList<>();
    for (String p : policies) {
      Policy pol = Policy.parse(p);
      long cpu0 = mx.getCurrentThreadCpuTime();
      SimResult r = Simulator.run(built.jobs(), built.config(), pol);
      results.add(r);
      each.accept(new Run(r, (mx.getCurrentThreadCpuTime() - cpu0) / 1e9));
    }
    return results;
  }
}
