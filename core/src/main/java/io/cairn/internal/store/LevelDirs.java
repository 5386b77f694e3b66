package io.cairn.internal.store;

import io.cairn.internal.Settings.LevelSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** Opens the directory of a file-backed level ({@code <path>/<run>}): modes, memory-level checks. */
public final class LevelDirs {
  private LevelDirs() {}

  /** The run's directory of a level for writing, created (with the level's modes) when missing. */
  public static DirectoryStorage open(LevelSpec spec, String run) throws IOException {
    Path root = spec.memoryBase() != null
        ? MemoryLevel.open(spec.path(), spec.memoryBase(), run, spec.modes())
        : spec.path().resolve(run);
    if (Files.isSymbolicLink(root) && spec.memoryBase() != null)
      throw new IOException(root + " is a symbolic link; refusing to follow it");
    spec.modes().createDirectories(root);
    if (!Files.isWritable(root)) throw new IOException("checkpoint directory " + root + " is not writable");
    return new DirectoryStorage(root, spec.modes());
  }

  /**
   * The run's directory of a level when it exists (read-only use: nothing is created); null when it
   * does not, or when it holds memory-level copies of an earlier incarnation of the base directory.
   */
  public static DirectoryStorage existing(LevelSpec spec, String run) throws IOException {
    Path root = spec.memoryBase() != null
        ? MemoryLevel.existing(spec.path(), spec.memoryBase(), run)
        : spec.path().resolve(run);
    if (root == null) return null;
    if (spec.memoryBase() != null ? !Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS) : !Files.isDirectory(root))
      return null;
    return new DirectoryStorage(root, spec.modes());
  }
}
