package io.cairn.cluster;

/**
 * How one rank takes and restores its checkpoints under one {@link Protocol}. {@link ParallelCheckpointer} keeps what
 * every protocol shares (the protected regions, the rank's core checkpointer, the parts' metadata, pinning, the restore
 * of a committed global version with resharding) and leaves every protocol decision to the implementation of this
 * interface that {@link #of} picks.
 *
 * <p>To add a protocol: a constant in {@link Protocol}, a class implementing this interface (a coordinated one extends
 * {@link CoordinatedProtocol}), and its line in {@link #of} — the one place that maps protocols to classes. The
 * coordinator's side (how it commits or which ranks roll back) is in {@code internal.Coordinator}.
 */
interface RankProtocol {
  /** The implementation of {@code p} for the rank whose checkpointer is {@code pc}. */
  static RankProtocol of(Protocol p, ParallelCheckpointer pc) {
    return switch (p) {
      case BLOCKING -> new BlockingProtocol(pc);
      case CHANDY_LAMPORT -> new ChandyLamportProtocol(pc);
      case INDEPENDENT -> new IndependentProtocol(pc);
      case LOGGING, HIERARCHICAL -> new LoggingProtocol(pc);
    };
  }

  /** What a restore brought back: the global version (per-rank protocols: the rank's own version; 0: the initial state), the rank's own version and its step. */
  record Restored(long global, long version, long step) {
    static final Restored INITIAL = new Restored(0, 0, 0);
  }

  /** Whether the rank's parts are written in the background (the core checkpointer in async mode); asked before it is opened. */
  default boolean asyncParts() {
    return false;
  }

  /** The rank's core checkpointer is open: the protocol protects its own regions ({@link ParallelCheckpointer#protectInternal}). */
  default void opened() {}

  /** Whether the protocol keeps no global versions: each rank restores its own version (independent, logging, hierarchical). */
  boolean perRank();

  /** The rank's {@code checkpoint(step)} call; returns the global version number (per-rank protocols: the rank's version, or its last one when this call took none). */
  long checkpoint(long step);

  /**
   * Restores the rank for the recovery of epoch {@code epoch}: the coordinated protocols global version {@code global} (0: the
   * initial state) that the coordinator chose; the per-rank protocols decide themselves what to restore.
   */
  Restored restore(long epoch, long global);

  /**
   * Why a rollback to {@code global} cannot be restored in place once the body ran: the rank would go back to its initial
   * state, which only a fresh process has; null when it can (the rank then exits for a fresh start, see {@link Rank#run}).
   */
  String freshStartNeeded(long global);

  /** What a restore for {@code global} tries, for the coordinator's RESTORE_FAILED report: the global, or the rank's own version (independent). */
  default long restoreTarget(long global) {
    return global;
  }

  /** The job runs (after the coordinator's GO), before the body. */
  default void started() {}

  /** The end of the rank's body: waits for what the protocol still commits in the background (so no last global is lost). */
  default void finish() {}
}
