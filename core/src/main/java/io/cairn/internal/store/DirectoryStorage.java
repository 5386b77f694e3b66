package io.cairn.internal.store;

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
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** A {@link Storage} in a local directory (RAM file system, node-local disk, shared file system). */
public final class DirectoryStorage implements Storage {
  private final Path root;

  public DirectoryStorage(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  public Path root() { return root; }

  /** Resolves a relative name, refusing anything that would leave the root. */
  public Path resolve(String name) throws IOException {
    if (name.startsWith("/") || name.contains("\\")) throw new IOException("invalid name '" + name + "' in " + root);
    Path p = root.resolve(name).normalize();
    if (!p.startsWith(root)) throw new IOException("name '" + name + "' leaves the directory " + root);
    return p;
  }

  @Override public String describe() { return root.toString(); }

  @Override public Output create(String name) throws IOException {
    Path p = resolve(name);
    Files.createDirectories(p.getParent());
    FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING);
    return new Output() {
      long pos;
      @Override public void write(ByteBuffer src) throws IOException {
        while (src.hasRemaining()) pos += ch.write(src);
      }
      @Override public long position() { return pos; }
      @Override public void sync() throws IOException { ch.force(true); }
      @Override public void close() throws IOException { ch.close(); }
    };
  }

  @Override public Input open(String name) throws IOException {
    Path p = resolve(name);
    FileChannel ch = FileChannel.open(p, StandardOpenOption.READ);
    return new Input() {
      @Override public long size() throws IOException { return ch.size(); }
      @Override public void readFully(long position, ByteBuffer dst) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
          int n = ch.read(dst, pos);
          if (n < 0) throw new EOFException(p + ": file ends at " + pos + ", expected " + dst.remaining() + " more bytes");
          pos += n;
        }
      }
      @Override public void close() throws IOException { ch.close(); }
    };
  }

  @Override public boolean exists(String name) throws IOException { return Files.exists(resolve(name)); }

  @Override public List<String> list(String dir) throws IOException {
    Path d = dir.isEmpty() ? root : resolve(dir);
    List<String> out = new ArrayList<>();
    if (!Files.isDirectory(d)) return out;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(d)) {
      for (Path p : ds) out.add(p.getFileName().toString());
    }
    out.sort(null);
    return out;
  }

  @Override public void rename(String from, String to) throws IOException {
    Path a = resolve(from), b = resolve(to);
    try {
      Files.move(a, b, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("atomic rename not supported in " + root + ": " + e.getMessage(), e);
    }
  }

  @Override public void delete(String name) throws IOException {
    try { Files.deleteIfExists(resolve(name)); } catch (NoSuchFileException ignored) { }
  }

  @Override public void deleteTree(String dir) throws IOException {
    Path d = resolve(dir);
    if (!Files.exists(d)) return;
    try (Stream<Path> s = Files.walk(d)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }

  @Override public void syncDir(String dir) throws IOException {
    Path d = dir.isEmpty() ? root : resolve(dir);
    try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some file systems do not allow opening a directory; the rename is still atomic there.
      if (!Files.isDirectory(d)) throw e;
    }
  }

  @Override public AutoCloseable lock(String name, String holder) throws IOException {
    Path p = resolve(name);
    Files.createDirectories(p.getParent());
    FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      String other;
      try {
        other = Files.readString(p, StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        other = "unknown";
      }
      ch.close();
      throw new IOException("checkpoint directory " + p.getParent() + " is in use by another run (" + other
          + "); two runs must not share one checkpoint directory: give this run another name or directory");
    }
    ch.truncate(0);
    ch.write(ByteBuffer.wrap(holder.getBytes(StandardCharsets.UTF_8)), 0);
    FileLock held = lock;
    return () -> { held.release(); ch.close(); };
  }
}
