package io.cairn.internal.engine;

import io.cairn.internal.format.BlockRef;
import io.cairn.internal.format.Manifest;
import io.cairn.internal.format.PackFormat;
import io.cairn.internal.format.RegionEntry;
import io.cairn.spi.Storage;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Function;
import java.util.zip.CRC32C;

/**
 * Read-ahead for restores: a thread reads the chunks of a version in manifest order (header and stored
 * bytes in one read each) into a small pool of buffers and computes the CRC32C of each chunk's stored
 * bytes right after reading them (while they are in cache), while the caller compares that checksum
 * with the manifest's, undoes the chunk's transforms and applies it: reading and checksumming run on
 * one core, copying into the program's memory on the other.
 */
final class PackReader implements AutoCloseable {
  /** A filled buffer, or the error met reading it. */
  static final class Slot {
    final ByteBuffer buf;
    IOException error;
    /** CRC32C of the stored bytes (after the chunk header) as read into {@link #buf}. */
    int storedCrc;
    Slot(ByteBuffer buf) { this.buf = buf; }
  }

  interface PackOpener { Storage.Input open(long version) throws IOException; }

  private final BlockingQueue<Slot> free;
  private final BlockingQueue<Slot> full;
  private final Thread thread;

  PackReader(List<RegionEntry> regions, PackOpener packs, LevelStore.Scratch s, Function<BlockRef, String> where) {
    free = new ArrayBlockingQueue<>(s.slots.length);
    full = new ArrayBlockingQueue<>(s.slots.length);
    for (ByteBuffer b : s.slots) free.add(new Slot(b));
    thread = Thread.ofPlatform().daemon(true).name("cairn-pack-reader").start(() -> {
      CRC32C crc = new CRC32C();
      try {
        for (RegionEntry r : regions) {
          for (BlockRef b : r.blocks()) {
            Slot slot = free.take();
            slot.error = null;
            try {
              int len = PackFormat.CHUNK_HEADER + b.storedLen();
              if (b.storedLen() < 0 || len > slot.buf.capacity())
                throw new Manifest.CorruptException(where.apply(b) + ": chunk at offset " + b.offset() + " exceeds the read buffer");
              slot.buf.clear().limit(len);
              packs.open(b.pack()).readFully(b.offset(), slot.buf);
              slot.buf.flip();
              crc.reset();
              crc.update(slot.buf.slice(PackFormat.CHUNK_HEADER, b.storedLen()));
              slot.storedCrc = (int) crc.getValue();
            } catch (IOException e) {
              slot.error = e;
            } catch (RuntimeException e) {
              slot.error = new IOException(where.apply(b) + ": " + e, e);
            }
            full.put(slot);
            if (slot.error != null) return;
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
  }

  /** The next chunk in manifest order. */
  Slot next() throws IOException {
    try {
      Slot s = full.take();
      if (s.error != null) throw s.error;
      return s;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while reading a checkpoint");
    }
  }

  void recycle(Slot s) { free.add(s); }

  @Override public void close() {
    thread.interrupt();
    try {
      thread.join(60_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
