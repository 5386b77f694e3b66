package io.cairn.cluster;

/**
 * The protocols that take consistent global checkpoints with the coordinator's two-phase commit ({@link Protocol#BLOCKING},
 * {@link Protocol#CHANDY_LAMPORT}): a checkpoint call numbers the next global version and reaches the {@code before-snapshot}
 * fault point, then the protocol takes the rank's part; a restore is that of the committed global version the coordinator chose
 * ({@link ParallelCheckpointer#restoreCommitted}, resharding included).
 */
abstract class CoordinatedProtocol implements RankProtocol {
  final ParallelCheckpointer pc;

  CoordinatedProtocol(ParallelCheckpointer pc) { this.pc = pc; }

  @Override
  public final boolean perRank() { return false; }

  @Override
  public final long checkpoint(long step) {
    long e = pc.epochNow();
    long g = pc.nextGlobal++;
    pc.lastGlobal = g;
    pc.fault("before-snapshot", g);
    return take(e, g, step);
  }

  /** Takes this rank's part of global version {@code g} in epoch {@code e}; returns {@code g}. */
  abstract long take(long e, long g, long step);

  @Override
  public RankProtocol.Restored restore(long epoch, long global) { return pc.restoreCommitted(epoch, global); }

  @Override
  public String freshStartNeeded(long global) { return global == 0 ? NO_GLOBAL : null; }

  /** Why a rank of a job without a committed global version restarts as a fresh process. */
  static final String NO_GLOBAL = "no committed global checkpoint to roll back to";
}
