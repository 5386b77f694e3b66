package io.cairn.hw;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

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
    if (!Files.exists(root)) return true;
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.deleteIfExists(file);
          return FileVisitResult.CONTINUE;
        }

        @Override public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
          if (exc != null) throw exc;
          Files.deleteIfExists(d);
          return FileVisitResult.CONTINUE;
        }
      });
      return true;
    } catch (IOException e) {
      System.err.println("cairn hw: warning: could not remove the work directory " + root + ": " + e);
      return false;
    }
  }

  @Override public void close() { deleteTree(dir); }
}
