package io.cairn.internal.util;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The one place that replaces a file durably and atomically: the content goes to a temporary file beside the
 * target (created new, never following a link), is forced to disk, renamed over the target (atomically where the
 * file system can; a plain rename elsewhere), and the directory is forced so that the rename itself survives a
 * crash. A reader sees the old content or the new one, never a part; after a crash the new one survives once this
 * returned. The temporary file is removed when anything fails.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** Writes the content to an open channel of the temporary file. */
  @FunctionalInterface
  public interface Body {
    void writeTo(FileChannel ch) throws IOException;
  }

  /** Writes {@code content} to {@code target} durably; creates missing parent directories. */
  public static void write(Path target, byte[] content) throws IOException {
    write(target, false, ch -> writeFully(ch, ByteBuffer.wrap(content)));
  }

  /** {@link #write(Path, byte[])} of UTF-8 text. */
  public static void writeString(Path target, String text) throws IOException {
    write(target, text.getBytes(StandardCharsets.UTF_8));
  }

  /** {@link #writeString} of the lines, each ended by a newline. */
  public static void writeLines(Path target, List<String> lines) throws IOException {
    StringBuilder b = new StringBuilder();
    for (String l : lines) b.append(l).append('\n');
    writeString(target, b.toString());
  }

  /** {@link #write(Path, byte[])} through an output stream (buffered by the caller if it writes small pieces). */
  public static void writeStream(Path target, StreamBody body) throws IOException {
    write(target, false, ch -> {
      OutputStream os = Channels.newOutputStream(ch); // not closed: closing would close the channel before the force
      body.writeTo(os);
      os.flush();
    });
  }

  /** Writes the content to an output stream. */
  @FunctionalInterface
  public interface StreamBody {
    void writeTo(OutputStream out) throws IOException;
  }

  /**
   * Writes {@code target} durably with {@code body}; {@code ownerOnly} creates the file with mode 0600 (where the
   * file system has POSIX modes) for secrets, addresses and the job's data.
   */
  public static void write(Path target, boolean ownerOnly, Body body) throws IOException {
    Path abs = target.toAbsolutePath();
    Path dir = abs.getParent();
    if (dir != null) Files.createDirectories(dir);
    Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-"
        + Thread.currentThread().threadId() + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    try {
      createNew(tmp, ownerOnly);
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
        body.writeTo(ch);
        ch.force(true);
      }
      try {
        Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
    if (dir != null) syncDir(dir);
  }

  /** Forces a directory's entries (a rename or a new file in it) to disk; file systems that cannot open a directory are skipped. */
  public static void syncDir(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException ignored) {
      // some file systems cannot open or force a directory; the rename is still atomic there
    }
  }

  /** Writes all of {@code b} to {@code ch}. */
  public static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) ch.write(b);
  }

  private static void createNew(Path f, boolean ownerOnly) throws IOException {
    if (ownerOnly) {
      try {
        Files.createFile(f, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        return;
      } catch (UnsupportedOperationException e) {
        // no POSIX modes on this file system
      }
    }
    Files.createFile(f);
  }
}
