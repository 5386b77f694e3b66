package io.cairn.sched.sim;

/** Observes a simulation (tests use it to check invariants). All callbacks default to nothing. */
public interface SimListener {
  /** A run of job {@code jobId} starts at {@code time} on {@code nodes}, resuming from {@code resumeFrom} seconds of work. */
  default void started(long jobId, double time, int[] nodes, double resumeFrom) {}

  /**
   * A run stops at {@code time}. {@code reason} is {@code "done"}, {@code "failure"}, {@code "preempted"} or
   * {@code "migrated"}; {@code resumePoint} is the work a restart resumes from (the last checkpoint that survived).
   */
  default void stopped(long jobId, double time, String reason, double resumePoint) {}

  /** Called after every batch of same-time events, with the simulator's checkable state. */
  default void tick(double time, int busyNodes, int freeUpNodes, int downNodes) {}
}
