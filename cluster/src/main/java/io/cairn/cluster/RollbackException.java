package io.cairn.cluster;

/**
 * Thrown out of a communicator or checkpoint call when the job must roll back (a rank failed, or the
 * coordinator was lost). Let it propagate to {@link Rank#run}, which restores the newest committed
 * global version and runs the body again; do not catch it in application code.
 */
public final class RollbackException extends RuntimeException {
  RollbackException(String message) { super(message, null, false, false); }
}
