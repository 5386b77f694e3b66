package io.cairn.sched.trace;

/**
 * One job of a workload.
 *
 * @param id       the job's number in its trace
 * @param submit   submit time, seconds from the trace start
 * @param runtime  failure-free run time without checkpoints, seconds (the work)
 * @param nodes    nodes it needs (whole nodes)
 * @param estimate the user's requested wall time (what a scheduler sees), seconds
 * @param priority 0 for normal jobs; higher values may preempt lower ones
 * @param gpus     GPUs per node it needs, 0 for CPU-only
 */
public record Job(long id, double submit, double runtime, int nodes, double estimate, int priority, int gpus) {
  public Job {
    if (!(runtime > 0)) throw new IllegalArgumentException("job " + id + ": runtime must be > 0, got " + runtime);
    if (nodes < 1) throw new IllegalArgumentException("job " + id + ": needs at least one node, got " + nodes);
    if (!(submit >= 0)) throw new IllegalArgumentException("job " + id + ": submit time must be >= 0, got " + submit);
    if (!(estimate > 0)) estimate = runtime;
  }

  /** A normal-priority CPU job whose estimate is its runtime. */
  public static Job of(long id, double submit, double runtime, int nodes) {
    return new Job(id, submit, runtime, nodes, runtime, 0, 0);
  }
}
