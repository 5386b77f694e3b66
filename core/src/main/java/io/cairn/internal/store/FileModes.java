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
      default -> throw new IllegalArgumentException("must be 'private' (0700 directories, 0600 files) or 'group' (0770, 0660)");
    };
  }

  public Set<PosixFilePermission> dirPermissions() { return dir; }
  public Set<PosixFilePermission> filePermissions() { return file; }

  FileAttribute<?>[] fileAttributes() { return attrs(file); }

  private static FileAttribute<?>[] attrs(Set<PosixFilePermission> p) {
    return posix() ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(p)} : new FileAttribute<?>[0];
  }

  static boolean posix() {
    return java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  }

  /** Sets the file mode of {@code p} (not following a symbolic link), whatever the umask made of it. */
  void applyFile(Path p) throws IOException { set(p, file); }

  void applyDir(Path p) throws IOException { set(p, dir); }

  private static void set(Path p, Set<PosixFilePermission> perms) throws IOException {
    PosixFileAttributeView v = Files.getFileAttributeView(p, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
    if (v != null) v.setPermissions(perms);
  }

  /**
   * Creates {@code dir} and its missing parents with this directory mode. Existing directories keep
   * theirs (they are the user's). Returns true when {@code dir} itself was created.
   */
  public boolean createDirectories(Path dir) throws IOException {
    Path d = dir.toAbsolutePath().normalize();
    if (Files.isDirectory(d)) return false;
    Path parent = d.getParent();
    if (parent != null) createDirectories(parent);
    try {
      Files.createDirectory(d, attrs(this.dir));
    } catch (FileAlreadyExistsException e) {
      if (Files.isDirectory(d)) return false; // created meanwhile (another run)
      throw e;
    }
    applyDir(d);
    return true;
  }
}
