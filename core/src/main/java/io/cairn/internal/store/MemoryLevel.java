package io.cairn.internal.store;

import io.cairn.CheckpointLockedException;
import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default directory of a {@code memory} level: {@code <ram>/cairn-<user>/<digest>/<run>}, where
 * {@code <ram>} is a RAM file system shared by every user of the machine ({@code /dev/shm}).
 *
 * <ul>
 *   <li>{@code cairn-<user>} is created 0700; an existing one is used only when it is a real directory
 *       (not a symbolic link), owned by this process's user and not writable by group or others — the
 *       checks ssh-agent and {@code XDG_RUNTIME_DIR} make. Anything else is refused with a message.
 *   <li>{@code <digest>} is 32 hex digits (128 bits) of the SHA-256 of the base directory's absolute,
 *       normalized path, which is also recorded inside ({@code identity}); a recorded path other than
 *       this base is refused.
 *   <li>Copies belong to one incarnation of the base directory: a random id is kept both in
 *       {@code <base>/.cairn-memory-id} and in {@code identity}. When they differ (the base directory
 *       was deleted to start afresh, or recreated), the memory copies are stale: they are never
 *       restored, and a writable open removes them (except those of a run still holding its lock).
 * </ul>
 */
public final class MemoryLevel {
  private static final Logger log = LoggerFactory.getLogger(MemoryLevel.class);
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
  /** The file in the base directory that names the base's incarnation. */
  public static final String ANCHOR = ".cairn-memory-id";
  static final String IDENTITY = "identity";
  private static final String IDENTITY_LOCK = ".identity.lock";
  private static final Object JVM_LOCK = new Object();

  private MemoryLevel() {}

  /** {@code <ram>/cairn-<user>/<digest>} for a base directory. */
  public static Path directory(Path ram, String user, Path base) {
    return ram.resolve("cairn-" + user.replaceAll("[^A-Za-z0-9_-]", "_")).resolve(digest(base));
  }

  static String normalized(Path base) { return base.toAbsolutePath().normalize().toString(); }

  static String digest(Path base) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(normalized(base).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }

  private static MethodHandle geteuid;

  /** The effective uid of this process (geteuid(2) through the FFM API). */
  static synchronized int euid() {
    try {
      if (geteuid == null) {
        Linker l = Linker.nativeLinker();
        geteuid = l.downcallHandle(l.defaultLookup().find("geteuid").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT));
      }
      return (int) geteuid.invokeExact();
    } catch (Throwable t) {
      throw new IllegalStateException("cannot call geteuid(): " + t, t);
    }
  }

  /**
   * Checks that {@code dir} is a directory only this user controls: not a symbolic link, owned by this
   * process's uid, not writable by group or others.
   */
  static void checkPrivate(Path dir, String what) throws IOException {
    PosixFileAttributes a;
    try {
      a = Files.readAttributes(dir, PosixFileAttributes.class, NOFOLLOW);
    } catch (UnsupportedOperationException e) {
      return; // no POSIX owners and modes here (not Linux or macOS): nothing to check
    }
    String fix = " Another user may have created it to read this user's checkpoints or to plant one; remove it"
        + " (as its owner or root) or set level.<name>.path to a directory of your own.";
    if (a.isSymbolicLink())
      throw new IOException(
          what + " " + dir + " is a symbolic link (to " + Files.readSymbolicLink(dir) + "), not a directory." + fix);
    if (!a.isDirectory()) throw new IOException(what + " " + dir + " is not a directory." + fix);
    int owner = (Integer) Files.getAttribute(dir, "unix:uid", NOFOLLOW);
    int me = euid();
    if (owner != me)
      throw new IOException(what + " " + dir + " is owned by " + a.owner().getName() + " (uid " + owner
          + "), not by this user (uid " + me + ")." + fix);
    Set<PosixFilePermission> p = a.permissions();
    if (p.contains(PosixFilePermission.GROUP_WRITE) || p.contains(PosixFilePermission.OTHERS_WRITE))
      throw new IOException(what + " " + dir + " is writable by "
          + (p.contains(PosixFilePermission.OTHERS_WRITE) ? "other users" : "its group")
          + " (mode " + java.nio.file.attribute.PosixFilePermissions.toString(p) + "); it must be private (chmod 700 "
          + dir + ").");
  }

  /** Creates {@code dir} 0700 (unless it exists) and checks it. */
  private static void ensurePrivate(Path dir, String what) throws IOException {
    try {
      Files.createDirectory(dir, FileModes.posix()
          ? new java.nio.file.attribute.FileAttribute<?>[]{
              java.nio.file.attribute.PosixFilePermissions.asFileAttribute(FileModes.PRIVATE.dirPermissions())}
          : new java.nio.file.attribute.FileAttribute<?>[0]);
      FileModes.PRIVATE.applyDir(dir);
    } catch (FileAlreadyExistsException e) {
      // checked below, like one made by this process
    }
    checkPrivate(dir, what);
    // ours, and writable only by us; one made by an older Cairn under umask 022 is also readable by
    // others (0755): tighten it
    Set<PosixFilePermission> p = Files.getPosixFilePermissions(dir, NOFOLLOW);
    if (!p.equals(FileModes.PRIVATE.dirPermissions())) {
      FileModes.PRIVATE.applyDir(dir);
      log.info("memory level: {} was mode {}; set to rwx------", dir,
          java.nio.file.attribute.PosixFilePermissions.toString(p));
    }
  }

  record Identity(String base, String id) {}

  static Identity readIdentity(Path dir) throws IOException {
    Path f = dir.resolve(IDENTITY);
    String text;
    try {
      text = readSmall(f);
    } catch (NoSuchFileException e) {
      return null;
    }
    String base = null, id = null;
    for (String line : text.split("\n")) {
      if (line.startsWith("base=")) base = line.substring(5);
      else if (line.startsWith("id=")) id = line.substring(3);
    }
    if (base == null || id == null)
      throw new IOException(f + " is not a memory-level identity file (no base= and id= lines)");
    return new Identity(base, id);
  }

  private static String readSmall(Path f) throws IOException {
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, NOFOLLOW)) {
      if (ch.size() > 64 * 1024) throw new IOException(f + " is too large (" + ch.size() + " bytes)");
      ByteBuffer b = ByteBuffer.allocate((int) ch.size());
      while (b.hasRemaining() && ch.read(b) >= 0) {}
      return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw e;
    } catch (IOException e) {
      if (Files.isSymbolicLink(f)) throw new IOException(f + " is a symbolic link; refusing to follow it");
      throw e;
    }
  }

  static String readAnchor(Path base) throws IOException {
    try {
      String s = readSmall(base.resolve(ANCHOR)).strip();
      return s.isEmpty() ? null : s;
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /** Writes {@code text} to {@code dir/name} atomically (a private temporary file renamed or linked into place). */
  private static void writeFile(Path dir, String name, String text, boolean replace) throws IOException {
    Path tmp = dir.resolve(name + ".tmp-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
    try (FileChannel ch = FileChannel.open(tmp,
        Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, NOFOLLOW),
        FileModes.PRIVATE.fileAttributes())) {
      ch.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
      ch.force(true);
    }
    try {
      if (replace) {
        Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } else {
        Files.createLink(dir.resolve(name), tmp); // fails when it exists: the first writer wins
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Prepares the memory level's directory for {@code base} (creating and checking it as described
   * above) and returns the run's directory in it, not yet created.
   */
  public static Path open(Path dir, Path base, String run, FileModes baseModes) throws IOException {
    Path userDir = dir.getParent();
    ensurePrivate(userDir, "the memory level's per-user directory");
    ensurePrivate(dir, "the memory level's directory");
    String basePath = normalized(base);
    synchronized (JVM_LOCK) {
      try (FileChannel lc = FileChannel.open(dir.resolve(IDENTITY_LOCK),
          Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, NOFOLLOW), FileModes.PRIVATE.fileAttributes());
          FileLock ignored = lc.lock()) {
        Identity id = readIdentity(dir);
        if (id != null && !id.base().equals(basePath))
          throw new IOException("the memory level's directory " + dir + " records the base directory " + id.base()
              + ", not " + basePath + "; refusing to mix the checkpoints of two runs (remove " + dir + ")");
        baseModes.createDirectories(base);
        String anchor = readAnchor(base);
        if (anchor == null) {
          byte[] r = new byte[16];
          new SecureRandom().nextBytes(r);
          try {
            writeFile(base.toAbsolutePath().normalize(), ANCHOR, HexFormat.of().formatHex(r) + "\n", false);
          } catch (FileAlreadyExistsException e) {
            // another process (another node sharing the base) wrote it first: use theirs
          }
          anchor = readAnchor(base);
          if (anchor == null) throw new IOException("cannot read back " + base.resolve(ANCHOR));
        }
        if (id == null || !id.id().equals(anchor)) {
          discardStale(dir, basePath, id == null);
          writeFile(dir, IDENTITY, "base=" + basePath + "\nid=" + anchor + "\n", true);
        }
      }
    }
    return dir.resolve(run);
  }

  /** Removes the copies of an earlier incarnation of the base directory (runs still holding their lock stay). */
  private static void discardStale(Path dir, String basePath, boolean noIdentity) throws IOException {
    List<Path> entries = new ArrayList<>();
    try (var ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        String n = p.getFileName().toString();
        if (!n.equals(IDENTITY) && !n.equals(IDENTITY_LOCK) && !n.startsWith(IDENTITY + ".tmp-")) entries.add(p);
      }
    }
    for (Path p : entries) {
      if (Files.isDirectory(p, NOFOLLOW)) {
        DirectoryStorage st = new DirectoryStorage(p);
        AutoCloseable lock;
        try {
          lock = st.lock(".lock", "discarding stale memory-level copies, pid " + ProcessHandle.current().pid());
        } catch (IOException | CheckpointLockedException e) {
          log.warn("memory level: {} belongs to an earlier {} but is in use; left alone ({})", p,
              "incarnation of " + basePath, e.getMessage());
          continue;
        }
        try (AutoCloseable l = lock) {
          st.deleteTree("");
        } catch (Exception e) {
          throw e instanceof IOException io ? io : new IOException(e);
        }
      } else {
        Files.deleteIfExists(p);
      }
      log.warn(
          "memory level: removed {}: its copies were written for {} before that directory was {}; they are never restored",
          p, basePath, noIdentity ? "created" : "deleted or recreated");
    }
  }

  /**
   * The run's directory when it exists and belongs to this incarnation of {@code base} (read-only use:
   * nothing is created or changed); null otherwise. An unsafe per-user directory is still an error.
   */
  public static Path existing(Path dir, Path base, String run) throws IOException {
    Path userDir = dir.getParent();
    if (!Files.exists(userDir, NOFOLLOW)) return null;
    checkPrivate(userDir, "the memory level's per-user directory");
    if (!Files.exists(dir, NOFOLLOW)) return null;
    checkPrivate(dir, "the memory level's directory");
    Path runDir = dir.resolve(run);
    if (!Files.exists(runDir, NOFOLLOW)) return null;
    String basePath = normalized(base);
    Identity id = readIdentity(dir);
    if (id != null && !id.base().equals(basePath))
      throw new IOException("the memory level's directory " + dir + " records the base directory " + id.base()
          + ", not " + basePath + "; refusing to mix the checkpoints of two runs (remove " + dir + ")");
    String anchor = readAnchor(base);
    if (id == null || anchor == null || !anchor.equals(id.id())) {
      log.warn("memory level: the copies in {} were written for an earlier {} ({}); not used", runDir, basePath,
          anchor == null ? "the base directory has no " + ANCHOR : "its id differs");
      return null;
    }
    return runDir;
  }
}
