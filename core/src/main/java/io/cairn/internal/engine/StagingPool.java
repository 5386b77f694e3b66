package io.cairn.internal.engine;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Off-heap staging buffers for asynchronous checkpoints, kept between checkpoints: the program's state
 * has the same shape from one checkpoint to the next, so after the first one a checkpoint only copies
 * (no allocation, no zero-filling, no page faults). Buffers beyond the staging limit are freed.
 */
final class StagingPool {
  private final long limit;
  private final List<MemorySegment> free = new ArrayList<>();
  private final Map<MemorySegment, Arena> arenas = new IdentityHashMap<>();
  private long pooled;
  private boolean closed;

  StagingPool(long limit) { this.limit = limit; }

  /** A buffer of at least {@code size} bytes (a pooled one of close size, or a new one). */
  synchronized MemorySegment take(long size) {
    MemorySegment best = null;
    for (MemorySegment s : free) {
      if (s.byteSize() >= size && s.byteSize() <= size + size / 8 + 4096
          && (best == null || s.byteSize() < best.byteSize()))
        best = s;
    }
    if (best != null) {
      free.remove(best);
      pooled -= best.byteSize();
      return best;
    }
    Arena a = Arena.ofShared();
    MemorySegment s = a.allocate(Math.max(1, size), 64);
    arenas.put(s, a);
    return s;
  }

  /** Returns buffers once their checkpoint is written. */
  synchronized void give(List<MemorySegment> segments) {
    for (MemorySegment s : segments) {
      if (!closed && pooled + s.byteSize() <= limit) {
        free.add(s);
        pooled += s.byteSize();
      } else {
        Arena a = arenas.remove(s);
        if (a != null) a.close();
      }
    }
  }

  synchronized void close() {
    closed = true;
    for (MemorySegment s : free) {
      Arena a = arenas.remove(s);
      if (a != null) a.close();
    }
    free.clear();
    pooled = 0;
  }
}
