package io.cairn.sched.sim;

import io.cairn.sched.FailureModel;
import io.cairn.sched.trace.FailureEvent;
import java.util.List;

/**
 * Cluster, failure and checkpoint-cost settings of a simulation. Fluent setters; defaults in brackets.
 * Checkpoint cost of a job on {@code n} nodes to the parallel file system: {@code checkpointBase + checkpointPerNode * n}
 * [60 s + 0.5 s/node]; its restart costs {@code restartFactor} times that [1]; the level-1 (node-local/partner)
 * checkpoint and its recovery cost {@code level1Fraction} of it [0.1].
 */
public final class SimConfig {
  /** Queue disciplines. */
  public enum Scheduler { FCFS, EASY }

  int nodes;
  Scheduler scheduler = Scheduler.EASY;
  FailureModel nodeFailures;
  List<FailureEvent> failureTrace;
  double traceOffset;
  double transientFraction = 0.7;
  double rebootTime = 600;
  double repairTime = 4 * 3600;
  double checkpointBase = 60, checkpointPerNode = 0.5, level1Fraction = 0.1, restartFactor = 1;
  boolean preemption = true;
  double predictedFraction = 0, predictionLead = 1800;
  int backfillDepth = 500;
  long seed = 1;
  double utilizationBucket = 3600;
  boolean checkInvariants;
  double assumedNodeMtbf = Double.NaN;
  int maxRestarts = 50;
  int gpuNodes, gpusPerNode;
  boolean gpuBestFit = true, gpuDefrag = true;

  public SimConfig(int nodes) {
    if (nodes < 1) throw new IllegalArgumentException("cluster needs at least one node, got " + nodes);
    this.nodes = nodes;
  }

  public int nodes() { return nodes; }
  public SimConfig scheduler(Scheduler s) { scheduler = s; return this; }
  /** Per-node failures from a model (renewal after each repair). */
  public SimConfig nodeFailures(FailureModel m) {
    nodeFailures = m;
    return this;
  }
  /** Failures replayed from a log (node numbers taken modulo the cluster size; times shifted by {@code offset} seconds). */
  public SimConfig failureTrace(List<FailureEvent> events, double offset) {
    failureTrace = events;
    traceOffset = offset;
    return this;
  }
  /** Share of model failures that are transient (node reboots, local checkpoint survives) [0.7]. */
  public SimConfig transientFraction(double f) {
    transientFraction = f;
    return this;
  }
  public SimConfig rebootTime(double s) { rebootTime = s; return this; }
  public SimConfig repairTime(double s) { repairTime = s; return this; }
  public SimConfig checkpointCost(double base, double perNode) {
    checkpointBase = base;
    checkpointPerNode = perNode;
    return this;
  }
  public SimConfig level1Fraction(double f) { level1Fraction = f; return this; }
  public SimConfig restartFactor(double f) { restartFactor = f; return this; }
  /** Whether jobs of higher priority preempt running lower-priority jobs (with a checkpoint) [true]. */
  public SimConfig preemption(boolean p) {
    preemption = p;
    return this;
  }
  /** Share of failures announced {@code lead} seconds ahead; the job on the node checkpoints and migrates [0]. */
  public SimConfig prediction(double fraction, double lead) {
    predictedFraction = fraction;
    predictionLead = lead;
    return this;
  }
  public SimConfig backfillDepth(int d) { backfillDepth = d; return this; }
  /**
   * A GPU partition of {@code nodes} nodes with {@code gpusPerNode} GPUs each, besides the CPU nodes; jobs with
   * {@code gpus > 0} run there, one node each, several per node [none].
   */
  public SimConfig gpuPartition(int nodes, int gpusPerNode) {
    if (nodes < 0 || (nodes > 0 && gpusPerNode < 1))
      throw new IllegalArgumentException("GPU partition needs nodes >= 0 and >= 1 GPU per node");
    gpuNodes = nodes;
    this.gpusPerNode = gpusPerNode;
    return this;
  }
  /** Best fit (pack jobs onto the fullest node that fits) rather than first fit [true]. */
  public SimConfig gpuBestFit(boolean b) {
    gpuBestFit = b;
    return this;
  }
  /** Migrate GPU jobs (checkpoint, restart elsewhere) to make room for a blocked job [true]. */
  public SimConfig gpuDefrag(boolean b) {
    gpuDefrag = b;
    return this;
  }
  /** A job interrupted by failures more than this many times is abandoned [50]. */
  public SimConfig maxRestarts(int m) {
    maxRestarts = m;
    return this;
  }
  public SimConfig seed(long s) { seed = s; return this; }
  public SimConfig utilizationBucket(double s) { utilizationBucket = s; return this; }
  /** Check capacity and bookkeeping after every event (slower; for tests). */
  public SimConfig checkInvariants(boolean c) {
    checkInvariants = c;
    return this;
  }
  /** The node MTBF the policies assume [the failure model's mean, or estimated from the trace]. */
  public SimConfig assumedNodeMtbf(double s) {
    assumedNodeMtbf = s;
    return this;
  }

  double l2Cost(int n) { return checkpointBase + checkpointPerNode * n; }
}
