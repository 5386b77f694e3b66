package io.cairn.sched.trace;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generates a synthetic workload: submit times uniform over the horizon (a Poisson process), sizes mostly powers of
 * two with many single-node jobs, run times log-uniform, scaled so the offered load (node time asked / node time
 * available) hits the target; estimates are 1-3x the run time rounded up to 15 minutes, as users over-ask.
 */
public final class TraceGenerator {
  private int nodes = 64, jobs = 500, maxJobNodes = -1;
  private double horizon = 7 * 86400, load = 0.8, minRuntime = 60, maxRuntime = 36 * 3600, urgentFraction;
  private long seed = 1;
  private int gpuNodes, gpusPerNode, gpuJobs;

  public TraceGenerator nodes(int n) { nodes = n; return this; }
  public TraceGenerator jobs(int n) { jobs = n; return this; }
  public TraceGenerator horizon(double s) { horizon = s; return this; }
  public TraceGenerator load(double l) { load = l; return this; }
  public TraceGenerator maxJobNodes(int n) { maxJobNodes = n; return this; }
  public TraceGenerator runtimes(double min, double max) { minRuntime = min; maxRuntime = max; return this; }
  /** Share of jobs with priority 1 (they may preempt others). */
  public TraceGenerator urgentFraction(double f) {
    urgentFraction = f;
    return this;
  }
  public TraceGenerator seed(long s) { seed = s; return this; }
  /**
   * Also generate {@code jobs} GPU jobs for a partition of {@code nodes} nodes with {@code gpusPerNode} GPUs: each needs
   * 1, 2, 4 or 8 GPUs (40/30/20/10%, capped at a node's GPUs) on one node, at the same offered load.
   */
  public TraceGenerator gpus(int nodes, int gpusPerNode, int jobs) {
    gpuNodes = nodes;
    this.gpusPerNode = gpusPerNode;
    gpuJobs = jobs;
    return this;
  }

  /** The jobs, sorted by submit time, ids from 1. */
  public List<Job> generate() {
    SplittableRandom r = new SplittableRandom(seed);
    int maxN = maxJobNodes > 0 ? Math.min(maxJobNodes, nodes) : Math.max(1, nodes / 4);
    int maxExp = 31 - Integer.numberOfLeadingZeros(maxN);
    double[] submit = new double[jobs], run = new double[jobs];
    int[] size = new int[jobs];
    double area = 0;
    for (int i = 0; i < jobs; i++) {
      submit[i] = r.nextDouble() * horizon;
      double u = r.nextDouble();
      int s = u < 0.3 ? 1 : 1 << (1 + r.nextInt(Math.max(1, maxExp)));
      if (r.nextDouble() < 0.15) s = 1 + r.nextInt(maxN);
      size[i] = Math.min(s, maxN);
      run[i] = Math.exp(Math.log(minRuntime) + r.nextDouble() * Math.log(maxRuntime / minRuntime));
      area += size[i] * run[i];
    }
    double scale = load * nodes * horizon / area;
    java.util.Arrays.sort(submit);
    List<Job> out = new ArrayList<>(jobs);
    for (int i = 0; i < jobs; i++) {
      double rt = Math.max(30, Math.min(7 * 86400, Math.round(run[i] * scale)));
      double est = Math.ceil(rt * (1 + 2 * r.nextDouble()) / 900) * 900;
      int prio = r.nextDouble() < urgentFraction ? 1 : 0;
      out.add(new Job(i + 1, Math.floor(submit[i]), rt, size[i], est, prio, 0));
    }
    if (gpuJobs > 0 && gpuNodes > 0) {
      double[] gs = new double[gpuJobs], gr = new double[gpuJobs];
      int[] gg = new int[gpuJobs];
      double garea = 0;
      for (int i = 0; i < gpuJobs; i++) {
        gs[i] = r.nextDouble() * horizon;
        double u = r.nextDouble();
        gg[i] = Math.min(gpusPerNode, u < 0.4 ? 1 : u < 0.7 ? 2 : u < 0.9 ? 4 : 8);
        gr[i] = Math.exp(Math.log(minRuntime) + r.nextDouble() * Math.log(maxRuntime / minRuntime));
        garea += gg[i] * gr[i];
      }
      double gscale = load * gpuNodes * gpusPerNode * horizon / garea;
      for (int i = 0; i < gpuJobs; i++) {
        double rt = Math.max(30, Math.min(7 * 86400, Math.round(gr[i] * gscale)));
        double est = Math.ceil(rt * (1 + 2 * r.nextDouble()) / 900) * 900;
        out.add(new Job(jobs + i + 1, Math.floor(gs[i]), rt, 1, est, 0, gg[i]));
      }
      out.sort(java.util.Comparator.comparingDouble(Job::submit).thenComparingLong(Job::id));
    }
    return out;
  }
}
