package io.cairn.cluster.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on a file of the job directory (an fcntl record lock on Linux): one launcher and one
 * coordinator per job directory. The operating system releases it when the process dies, so a kill -9 never
 * leaves a stale lock. The file holds the holder's pid and start time, for the message of whoever is refused.
 */
public final class JobLock implements AutoCloseable {
  /** The lock is held by another process (or another owner in this one). */
  public static final class LockedException extends IOException {
    LockedException(String m) { super(m); }
  }

  private final FileChannel channel;
  private final FileLock lock;

  private JobLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** Takes the lock or throws {@link LockedException} naming the file and what the holder wrote into it. */
  public static JobLock acquire(Path file, String role) throws IOException {
    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    FileLock l;
    try {
      l = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      l = null;
    } catch (IOException e) {
      ch.close();
      throw e;
    }
    if (l == null) {
      String holder;
      try {
        ByteBuffer b = ByteBuffer.allocate(512);
        ch.read(b, 0);
        holder = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).trim();
      } finally {
        ch.close();
      }
      throw new LockedException(
          "the job directory " + file.getParent() + " is in use by another " + role + " (" + file.getFileName()
              + " is locked" + (holder.isEmpty() ? "" : "; holder: " + holder) + ")");
    }
    ProcessHandle me = ProcessHandle.current();
    String who = "pid " + me.pid() + " started " + me.info().startInstant().map(Object::toString).orElse("?") + "\n";
    ch.truncate(0);
    ch.write(ByteBuffer.wrap(who.getBytes(StandardCharsets.UTF_8)), 0);
    return new JobLock(ch, l);
  }

  @Override
  public void close() {
    try {
      lock.release();
    } catch (IOException ignored) {
      // the channel closes below, which releases it too
    }
    try {
      channel.close();
    } catch (IOException ignored) {
      // closing
    }
  }
}
