package io.cairn.cluster;

/**
 * How one rank takes and restores its checkpoints under a protocol that keeps no global versions (the rank's own
 * versions only). {@link ParallelCheckpointer} delegates to it; the coordinated protocols (blocking, Chandy-Lamport)
 * and independent checkpoints are still implemented in {@link ParallelCheckpointer} itself.
 */
interface RankProtocol {
  /** The rank's {@code checkpoint(step)} call; returns the rank's version number (or the last one when this call took none). */
  long checkpoint(long step);

  /** Restores the rank's own newest checkpoint (or the initial state) for the recovery of epoch {@code epoch}; returns its version (0: none). */
  long restore(long epoch);

  /** The job runs (after the coordinator's GO), before the body. */
  void started();
}
