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
    /** CRC32C of the stored bytes as read into {@link #data}. */
    int storedCrc;
    /** The stored bytes: a slice of {@link #buf} after the chunk header, or the sink's memory they were read into. */
    ByteBuffer data;
    Slot(ByteBuffer buf) { this.buf = buf; }
  }

  interface PackOpener { Storage.Input open(long version) throws IOException; }

  private final BlockingQueue<Slot> free;
  private final BlockingQueue<Slot> full;
  private final Thread thread;

  /** Where a chunk stored raw may be read straight into: {@link RegionSource.Sink#readTarget}, or null. */
  interface Targets {
    java.lang.foreign.MemorySegment target(RegionEntry region, long offset, BlockRef b);
  }

  PackReader(List<RegionEntry> regions, PackOpener packs, LevelStore.Scratch s, Function<BlockRef, String> where) {
    this(regions, packs, s, where, (r, off, b) -> null);
  }

  PackReader(List<RegionEntry> regions, PackOpener packs, LevelStore.Scratch s, Function<BlockRef, String> where,
      Targets targets) {
    free = new ArrayBlockingQueue<>(s.slots.length);
    full = new ArrayBlockingQueue<>(s.slots.length);
    for (ByteBuffer b : s.slots) free.add(new Slot(b));
    thread = Thread.ofPlatform().daemon(true).name("cairn-pack-reader").start(() -> {
      CRC32C crc = new CRC32C();
      try {
        for (RegionEntry r : regions) {
          long off = 0;
          for (BlockRef b : r.blocks()) {
            Slot slot = free.take();
            slot.error = null;
            try {
              int len = PackFormat.CHUNK_HEADER + b.storedLen();
              if (b.storedLen() < 0 || len > slot.buf.capacity())
                throw new Manifest.CorruptException(
                    where.apply(b) + ": chunk at offset " + b.offset() + " exceeds the read buffer");
              // stored raw (no transform) and the sink has private memory for it: header here, bytes straight there
              java.lang.foreign.MemorySegment target = b.transforms() == 0 && b.storedLen() == b.rawLen()
                  ? targets.target(r, off, b)
                  : null;
              if (target != null) {
                slot.buf.clear().limit(PackFormat.CHUNK_HEADER);
                packs.open(b.pack()).readFully(b.offset(), slot.buf);
                slot.buf.flip();
                ByteBuffer into = target.asByteBuffer();
                packs.open(b.pack()).readFully(b.offset() + PackFormat.CHUNK_HEADER, into);
                slot.data = into.flip();
              } else {
                slot.buf.clear().limit(len);
                packs.open(b.pack()).readFully(b.offset(), slot.buf);
                slot.buf.flip();
                slot.data = slot.buf.slice(PackFormat.CHUNK_HEADER, b.storedLen());
              }
              crc.reset();
              crc.update(slot.data.duplicate());
              slot.storedCrc = (int) crc.getValue();
            } catch (IOException e) {
              slot.error = e;
            } catch (RuntimeException e) {
              slot.error = new IOException(where.apply(b) + ": " + e, e);
            }
            off += b.rawLen();
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

  @Override
  public void close() {
    thread.interrupt();
    try {
      thread.join(60_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
