package io.cairn.hw;

import io.cairn.internal.util.FileTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A temporary work directory (testbenches, iverilog builds) that is removed with everything in it
 * when closed. Closing never throws: a failure to delete is reported on standard error, so it can
 * never replace the error that ended the run (use it in try-with-resources).
 */
public final class WorkDir implements AutoCloseable {
  private final Path dir;

  private WorkDir(Path dir) { this.dir = dir; }

  /** A new directory {@code <tmp>/<prefix>...}. */
  public static WorkDir create(String prefix) {
    try {
      return new WorkDir(Files.createTempDirectory(prefix));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory: " + e.getMessage(), e);
    }
  }

  /** The directory. */
  public Path path() { return dir; }

  /** Deletes {@code root} and everything below it; returns false (and leaves what it could not delete) on failure. */
  public static boolean deleteTree(Path root) {
    try {
      FileTrees.deleteTree(root);
      return true;
    } catch (IOException e) {
      org.slf4j.LoggerFactory.getLogger(WorkDir.class).warn("could not remove the work directory {}: {}", root,
          e.toString());
      return false;
    }
  }

  @Override
  public void close() { deleteTree(dir); }
}
