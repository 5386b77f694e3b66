package io.cairn;

import java.util.Optional;

/**
 * A checkpoint directory is locked by another run (another process, or another {@link Checkpointer}
 * of this process, opened for writing on the same name and directory): two runs must not share one
 * checkpoint directory. Thrown by {@code Checkpointer.Builder.open()} (and by {@link io.cairn.spi.Storage#lock}
 * implementations); the directory is released when the holder closes its checkpointer or exits.
 * Read-only openers ({@code readOnly(true)}) take no lock and never see this exception.
 */
public class CheckpointLockedException extends CairnException {
  private final String directory;
  private final String holder;

  /**
   * @param directory the locked directory, as its storage describes it (a path for local levels)
   * @param holder who holds the lock as it recorded itself (e.g. {@code "pid 4711 on node3, opened …"}),
   *     or null when not known
   */
  public CheckpointLockedException(String directory, String holder) {
    this("checkpoint directory " + directory + " is in use by another run (" + (holder == null ? "unknown" : holder)
        + "); two runs must not share one checkpoint directory: give this run another name or directory", directory,
        holder, null);
  }

  /** With a message of the caller's (e.g. naming the level), keeping {@code directory} and {@code holder}. */
  public CheckpointLockedException(String message, String directory, String holder, Throwable cause) {
    super(message, cause);
    this.directory = directory;
    this.holder = holder;
  }

  /** The locked directory, as its storage describes it (a path for local levels). */
  public String directory() {
    return directory;
  }

  /** Who holds the lock, as the holder recorded itself; empty when that could not be read. */
  public Optional<String> holder() {
    return Optional.ofNullable(holder);
  }
}
