package io.cairn.internal.engine;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.MemorySegment;
import java.util.AbstractList;
import java.util.List;

/**
 * The capture of an asynchronous checkpoint, shared between the program's thread, which copies the
 * state into staging memory, and the background writer, which follows the copy chunk by chunk: the
 * write starts with the first copied chunk instead of after the last, so the copy and the write
 * overlap and the checkpoint commits about one copy sooner. The program's thread still returns from
 * {@code checkpoint()} only once everything is copied.
 */
final class StagedCapture {
  /** Thrown to the writer when the program's thread could not capture the state (the program is told by {@code checkpoint()}). */
  static final class Abandoned extends RuntimeException {
    Abandoned(Throwable cause) { super("the capture failed: " + cause, cause); }
  }

  private final LevelStore.Captured[] regions;
  private final long[] copied;
  private Throwable failure;
  private boolean finished;
  private double blockingSeconds;

  StagedCapture(int count) {
    regions = new LevelStore.Captured[count];
    copied = new long[count];
  }

  /** Region {@code i}, whose bytes will arrive in {@code data} (reported with {@link #copied}). */
  synchronized void publishInProgress(int i, String name, io.cairn.internal.format.Kind kind, long length,
      MemorySegment data) {
    regions[i] = new LevelStore.Captured(name, kind, length, data, end -> awaitCopied(i, end));
    notifyAll();
  }

  /** Region {@code i}, complete. */
  synchronized void publish(int i, LevelStore.Captured c) {
    regions[i] = c;
    copied[i] = Long.MAX_VALUE;
    notifyAll();
  }

  synchronized boolean published(int i) { return regions[i] != null; }

  synchronized MemorySegment data(int i) { return regions[i] == null ? null : regions[i].data(); }

  /** The first {@code end} bytes of region {@code i} are copied. */
  synchronized void copied(int i, long end) {
    copied[i] = end;
    notifyAll();
  }

  /** Everything is copied; the program was blocked {@code seconds}. */
  synchronized void finish(double seconds) {
    blockingSeconds = seconds;
    finished = true;
    notifyAll();
  }

  /** The capture failed: the writer stops at its next wait. */
  synchronized void fail(Throwable t) {
    failure = t;
    notifyAll();
  }

  synchronized boolean failed() { return failure != null; }

  /** The regions in order, as the writer reads them: each waits until it is published. */
  List<LevelStore.Captured> regions() {
    return new AbstractList<>() {
      @Override
      public LevelStore.Captured get(int i) {
        synchronized (StagedCapture.this) {
          try {
            while (regions[i] == null) {
              if (failure != null) throw new Abandoned(failure);
              StagedCapture.this.wait();
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Abandoned(e);
          }
          return regions[i];
        }
      }

      @Override
      public int size() { return regions.length; }
    };
  }

  private synchronized void awaitCopied(int i, long end) throws IOException {
    try {
      while (copied[i] < end) {
        if (failure != null) throw new IOException("the capture failed: " + failure, failure);
        wait();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the capture");
    }
  }

  /** The program's blocking time, once everything is copied. */
  synchronized double awaitFinished() {
    try {
      while (!finished) {
        if (failure != null) throw new Abandoned(failure);
        wait();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Abandoned(e);
    }
    return blockingSeconds;
  }
}
