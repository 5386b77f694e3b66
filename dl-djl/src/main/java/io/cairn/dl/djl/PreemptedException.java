package io.cairn.dl.djl;

import io.cairn.CairnException;
import io.cairn.Checkpointer;

/**
 * Thrown out of the training loop (e.g. out of {@code EasyTrain.fit}) after SIGTERM or SIGUSR1 arrived and
 * the state was checkpointed and committed: exit with {@link #EXIT_CODE} so a scheduler requeues the job.
 */
public final class PreemptedException extends CairnException {
  /** {@link Checkpointer#EXIT_REQUEUE}. */
  public static final int EXIT_CODE = Checkpointer.EXIT_REQUEUE;
  private final long step;
  private final long version;

  PreemptedException(String signal, long step, long version) {
    super((signal == null ? "preemption requested" : signal + " received") + ": checkpointed " + step
        + " steps as version " + version
        + "; exit with " + EXIT_CODE + " and resume with restoreLatest()");
    this.step = step;
    this.version = version;
  }

  /** Optimizer steps in the committed checkpoint. */
  public long step() { return step; }

  /** The committed version. */
  public long version() { return version; }
}
