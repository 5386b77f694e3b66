package io.cairn.internal.util;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The one place that deletes a directory tree. Links are removed, never followed. */
public final class FileTrees {
  private FileTrees() {}

  /**
   * Deletes {@code root} and everything below it; nothing to do when it does not exist. Entries that vanish while it
   * runs (another process cleaning up too) are not an error.
   */
  public static void deleteTree(Path root) throws IOException {
    if (Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
      List<Path> children = new ArrayList<>();
      try (Stream<Path> s = Files.list(root)) {
        s.forEach(children::add);
      } catch (NoSuchFileException gone) {
        return;
      }
      for (Path c : children) deleteTree(c);
    }
    try {
      Files.deleteIfExists(root);
    } catch (DirectoryNotEmptyException raced) {
      deleteTree(root); // something was created meanwhile: once more
    }
  }

  /** {@link #deleteTree} that reports failure as {@code false} instead of an exception (clean-up paths). */
  public static boolean deleteTreeQuietly(Path root) {
    try {
      deleteTree(root);
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }
}
