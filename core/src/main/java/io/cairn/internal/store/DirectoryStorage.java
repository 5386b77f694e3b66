package io.cairn.internal.store;

import io.cairn.CheckpointLockedException;
import io.cairn.spi.Storage;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A {@link Storage} in a local directory (RAM file system, node-local disk, shared file system).
 *
 * <p>Inside its root it never follows a symbolic link: every component of a name is checked with
 * {@code lstat} before it is opened, created, listed, descended into or deleted, and files are opened
 * with {@code O_NOFOLLOW}; a link is refused with a message naming it. (The root itself and the
 * directories above it are the user's configuration and may be links.) What it creates gets the modes
 * of its {@link FileModes}, whatever the umask.
 */
public final class DirectoryStorage implements Storage {
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
  private final Path root;
  private final FileModes modes;

  /** A private store (0700 directories, 0600 files). */
  public DirectoryStorage(Path root) {
    this(root, FileModes.PRIVATE);
  }

  public DirectoryStorage(Path root, FileModes modes) {
    this.root = root.toAbsolutePath().normalize();
    this.modes = modes;
  }

  public Path root() { return root; }

  public FileModes modes() { return modes; }

  /** Resolves a relative name, refusing anything that would leave the root or pass through a symbolic link. */
  public Path resolve(String name) throws IOException {
    if (name.startsWith("/") || name.contains("\\")) throw new IOException("invalid name '" + name + "' in " + root);
    Path p = root.resolve(name).normalize();
    if (!p.startsWith(root)) throw new IOException("name '" + name + "' leaves the directory " + root);
    Path cur = root;
    for (Path part : root.relativize(p)) {
      if (part.toString().isEmpty()) continue;
      cur = cur.resolve(part);
      BasicFileAttributes a;
      try {
        a = Files.readAttributes(cur, BasicFileAttributes.class, NOFOLLOW);
      } catch (NoSuchFileException e) {
        break; // the rest does not exist yet: nothing to follow
      }
      if (a.isSymbolicLink()) throw symlink(cur);
      if (!cur.equals(p) && !a.isDirectory())
        throw new IOException(cur + " in the checkpoint directory " + root + " is not a directory");
    }
    return p;
  }

  private IOException symlink(Path link) {
    String target;
    try {
      target = " -> " + Files.readSymbolicLink(link);
    } catch (IOException e) {
      target = "";
    }
    return new IOException("refusing to follow the symbolic link " + link + target + " inside the checkpoint directory "
        + root + ": a checkpoint tree holds only the files Cairn writes there; remove the link");
  }

  /** Rewords the error of an {@code O_NOFOLLOW} open that met a link created after the check. */
  private IOException opening(Path p, IOException e) {
    if (e instanceof FileSystemException && Files.isSymbolicLink(p)) return symlink(p);
    return e;
  }

  @Override
  public String describe() { return root.toString(); }

  /** Creates the missing directories from the root down to {@code dir} (inside the root: already checked by resolve). */
  private void mkdirs(Path dir) throws IOException {
    if (Files.isDirectory(dir, NOFOLLOW)) return;
    if (dir.equals(root) || !dir.startsWith(root)) {
      modes.createDirectories(dir);
      return;
    }
    mkdirs(dir.getParent());
    try {
      Files.createDirectory(dir);
    } catch (FileAlreadyExistsException e) {
      if (Files.isSymbolicLink(dir)) throw symlink(dir);
      if (Files.isDirectory(dir, NOFOLLOW)) return;
      throw e;
    }
    modes.applyDir(dir);
  }

  private FileChannel openNew(Path p, Set<? extends OpenOption> options) throws IOException {
    boolean existed = Files.exists(p, NOFOLLOW);
    FileChannel ch;
    try {
      ch = FileChannel.open(p, options, modes.fileAttributes());
    } catch (IOException e) {
      throw opening(p, e);
    }
    if (!existed) {
      try {
        modes.applyFile(p);
      } catch (IOException e) {
        ch.close();
        throw e;
      }
    }
    return ch;
  }

  @Override
  public Output create(String name) throws IOException {
    Path p = resolve(name);
    mkdirs(p.getParent());
    FileChannel ch = openNew(p, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING, NOFOLLOW));
    return new Output() {
      long pos;
      @Override
      public void write(ByteBuffer src) throws IOException {
        while (src.hasRemaining()) pos += ch.write(src);
      }
      @Override
      public long position() { return pos; }
      @Override
      public void sync() throws IOException { ch.force(true); }
      @Override
      public void close() throws IOException { ch.close(); }
    };
  }

  @Override
  public Input open(String name) throws IOException {
    Path p = resolve(name);
    FileChannel ch;
    try {
      ch = FileChannel.open(p, StandardOpenOption.READ, NOFOLLOW);
    } catch (NoSuchFileException e) {
      throw e;
    } catch (IOException e) {
      throw opening(p, e);
    }
    return new Input() {
      @Override
      public long size() throws IOException { return ch.size(); }
      @Override
      public void readFully(long position, ByteBuffer dst) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
          int n = ch.read(dst, pos);
          if (n < 0)
            throw new EOFException(p + ": file ends at " + pos + ", expected " + dst.remaining() + " more bytes");
          pos += n;
        }
      }
      @Override
      public void close() throws IOException { ch.close(); }
    };
  }

  @Override
  public boolean exists(String name) throws IOException { return Files.exists(resolve(name), NOFOLLOW); }

  @Override
  public List<String> list(String dir) throws IOException {
    Path d = dir.isEmpty() ? root : resolve(dir);
    List<String> out = new ArrayList<>();
    if (!Files.isDirectory(d, dir.isEmpty() ? new LinkOption[0] : new LinkOption[]{NOFOLLOW})) return out;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(d)) {
      for (Path p : ds) out.add(p.getFileName().toString());
    }
    out.sort(null);
    return out;
  }

  @Override
  public void rename(String from, String to) throws IOException {
    Path a = resolve(from), b = resolve(to);
    try {
      Files.move(a, b, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("atomic rename not supported in " + root + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void delete(String name) throws IOException {
    try {
      Files.deleteIfExists(resolve(name));
    } catch (NoSuchFileException ignored) {
    }
  }

  /** Deletes a tree bottom-up, never descending into (or deleting through) a symbolic link. */
  @Override
  public void deleteTree(String dir) throws IOException {
    Path d = resolve(dir);
    if (!Files.exists(d, NOFOLLOW)) return;
    deleteTree(d);
  }

  private void deleteTree(Path p) throws IOException {
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW);
    } catch (NoSuchFileException e) {
      return;
    }
    if (a.isSymbolicLink()) throw symlink(p);
    if (a.isDirectory()) {
      List<Path> children = new ArrayList<>();
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
        for (Path c : ds) children.add(c);
      } catch (NoSuchFileException e) {
        return;
      }
      for (Path c : children) deleteTree(c);
    }
    Files.deleteIfExists(p);
  }

  @Override
  public void syncDir(String dir) throws IOException {
    Path d = dir.isEmpty() ? root : resolve(dir);
    try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some file systems do not allow opening a directory; the rename is still atomic there.
      if (!Files.isDirectory(d)) throw e;
    }
  }

  @Override
  public AutoCloseable lock(String name, String holder) throws IOException {
    Path p = resolve(name);
    mkdirs(p.getParent());
    FileChannel ch = openNew(p,
        Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE, NOFOLLOW));
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    } catch (IOException e) {
      ch.close();
      throw e;
    }
    if (lock == null) {
      String other;
      try {
        ByteBuffer b = ByteBuffer.allocate(512);
        ch.read(b, 0);
        other = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        other = null;
      }
      ch.close();
      throw new CheckpointLockedException(p.getParent().toString(), other == null || other.isEmpty() ? null : other);
    }
    ch.truncate(0);
    ch.write(ByteBuffer.wrap(holder.getBytes(StandardCharsets.UTF_8)), 0);
    FileLock held = lock;
    return () -> { held.release(); ch.close(); };
  }
}
