package io.cairn.cluster.examples;

import io.cairn.cluster.Rank;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The examples' work counter for benchmarks ({@code --progress 1}): how many steps this rank executed in all its
 * processes, re-executions after rollbacks included, in {@code <job>/progress/r<rank>} (8 bytes, big-endian, rewritten
 * in place each step: a kill -9 leaves the last count in the page cache). Minus the job's steps, it is the work a
 * failure cost. Not a checkpoint: never restored.
 */
final class Progress implements AutoCloseable {
  private final FileChannel ch;
  private final ByteBuffer buf = ByteBuffer.allocate(8);
  private long count;

  private Progress(FileChannel ch, long count) {
    this.ch = ch;
    this.count = count;
  }

  /** The rank's counter, or null when {@code on} is false. */
  static Progress open(Rank rank, boolean on) {
    if (!on) return null;
    Path f = rank.jobDir().resolve("progress").resolve("r" + rank.rank());
    try {
      Files.createDirectories(f.getParent());
      FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.READ,
          StandardOpenOption.WRITE);
      ByteBuffer b = ByteBuffer.allocate(8);
      long c = ch.read(b, 0) == 8 ? b.flip().getLong() : 0;
      return new Progress(ch, c);
    } catch (IOException e) {
      throw new UncheckedIOException("progress counter " + f + ": " + e.getMessage(), e);
    }
  }

  /** One more step executed. */
  void step() {
    count++;
    buf.clear();
    buf.putLong(count).flip();
    try {
      ch.write(buf, 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws IOException { ch.close(); }
}
