package io.cairn.internal.engine;

import io.cairn.spi.Storage;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Appends chunks to a pack on its own thread, so that copying, hashing, compressing and checksumming
 * the next chunk overlaps the write of this one. A fixed pool of chunks circulates between the two
 * threads: memory stays bounded, and a slow disk makes the stages wait.
 */
final class PackWriter implements AutoCloseable {
  private static final Chunk END = new Chunk(1);
  private final BlockingQueue<Chunk> free;
  private final BlockingQueue<Chunk> full;
  private final Storage.Output out;
  private final String where;
  private final Thread thread;
  private volatile IOException failure;

  PackWriter(Storage.Output out, Chunk[] pool, String where) {
    this.out = out;
    this.where = where;
    this.free = new ArrayBlockingQueue<>(pool.length);
    this.full = new ArrayBlockingQueue<>(pool.length + 1);
    for (Chunk c : pool) free.add(c);
    this.thread = Thread.ofPlatform().daemon(true).name("cairn-pack-writer").start(this::loop);
  }

  private void loop() {
    try {
      while (true) {
        Chunk c = full.take();
        if (c == END) return;
        try {
          if (failure == null) {
            out.write(c.header);
            out.write(c.stored);
          }
        } catch (IOException e) {
          failure = e;
        } catch (RuntimeException e) {
          failure = new IOException(where + ": " + e, e);
        } finally {
          free.add(c);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void check() throws IOException {
    IOException f = failure;
    if (f != null) throw f;
  }

  /** A chunk to fill (waits while all are being written). */
  Chunk free() throws IOException {
    try {
      while (true) {
        check();
        Chunk c = free.poll(50, TimeUnit.MILLISECONDS);
        if (c != null) return c;
        if (!thread.isAlive()) throw new IOException(where + ": pack writer stopped");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while writing " + where);
    }
  }

  void recycle(Chunk c) { free.add(c); }

  void submit(Chunk c) throws IOException {
    check();
    full.add(c);
  }

  /** Waits until every submitted chunk is written; throws the first write error. */
  void finish() throws IOException {
    full.add(END);
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while writing " + where);
    }
    check();
  }

  @Override
  public void close() {
    if (thread.isAlive()) {
      full.offer(END);
      try {
        thread.join(60_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
