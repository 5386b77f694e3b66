package io.cairn.internal.store;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Set;

/**
 * The modes of the directories and files a level creates (configuration key {@code permissions}).
 * They are set explicitly after creation, so the process's umask neither widens nor narrows them.
 */
public enum FileModes {
  /** Only the user running the job: directories 0700, files 0600 (the default). */
  PRIVATE("rwx------", "rw-------"),
  /** The user and the members of the directory's group: directories 0770, files 0660. */
  GROUP("rwxrwx---", "rw-rw----");

  private final Set<PosixFilePermission> dir, file;

  FileModes(String dir, String file) {
    this.dir = PosixFilePermissions.fromString(dir);
    this.file = PosixFilePermissions.fromString(file);
  }

  public static FileModes parse(String s) {
    return switch (s.trim().toLowerCase(Locale.ROOT)) {
      case "private" -> PRIVATE;
      case "group" -> GROUP;
      default ->
        throw new IllegalArgumentException("must be 'private' (0700 directories, 0600 files) or 'group' (0770, 0660)");
    };
  }

  public Set<PosixFilePermission> dirPermissions() { return dir; }
  public Set<PosixFilePermission> filePermissions() { return file; }

  FileAttribute<?>[] fileAttributes() { return attrs(file); }

  private static FileAttribute<?>[] attrs(Set<PosixFilePermission> p) {
    return posix() ? new FileAttribute<?>[]{PosixFilePermissions.asFileAttribute(p)} : new FileAttribute<?>[0];
  }

  static boolean posix() {
    return java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  }

  /** Sets the file mode of {@code p} (not following a symbolic link), whatever the umask made of it. */
  void applyFile(Path p) throws IOException {
    set(p, file);
  }

  void applyDir(Path p) throws IOException { set(p, dir); }

  private static void set(Path p, Set<PosixFilePermission> perms) throws IOException {
    PosixFileAttributeView v = Files.getFileAttributeView(p, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
    if (v != null) v.setPermissions(perms);
  }

  /**
   * Creates {@code dir} and its missing parents with this directory mode, and fsyncs the parent of each
   * directory it created, so that a crash cannot lose a new run directory after a checkpoint committed in
   * it. Existing directories keep their modes (they are the user's). Returns true when {@code dir} itself
   * was created.
   */
  public boolean createDirectories(Path dir) throws IOException {
    Path d = dir.toAbsolutePath().normalize();
    boolean existed = Files.isDirectory(d);
    createDurably(d);
    return !existed;
  }

  /**
   * {@link #createDirectories}, returning the directories that were fsynced (the parent of each directory
   * created here, outermost first); empty when nothing was created.
   */
  public java.util.List<Path> createDurably(Path dir) throws IOException {
    Path d = dir.toAbsolutePath().normalize();
    java.util.List<Path> missing = new java.util.ArrayList<>();
    for (Path p = d; p != null && !Files.isDirectory(p); p = p.getParent()) missing.addFirst(p);
    java.util.List<Path> synced = new java.util.ArrayList<>();
    for (Path p : missing) {
      try {
        Files.createDirectory(p, attrs(this.dir));
      } catch (FileAlreadyExistsException e) {
        if (Files.isDirectory(p)) continue; // created meanwhile (another run)
        throw e;
      }
      applyDir(p);
      if (p.getParent() != null && fsyncDirectory(p.getParent())) synced.add(p.getParent());
    }
    return synced;
  }

  /** fsyncs a directory's entries; best effort: some file systems refuse, the entry is there all the same. */
  static boolean fsyncDirectory(Path dir) {
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(dir,
        java.nio.file.StandardOpenOption.READ)) {
      ch.force(true);
      return true;
    } catch (IOException e) {
      org.slf4j.LoggerFactory.getLogger(FileModes.class).debug("cannot fsync directory {}: {}", dir, e.getMessage());
      return false;
    }
  }
}
