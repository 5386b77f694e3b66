package io.cairn.spi;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.Collection;

/**
 * Turns the object graph reachable from a root into bytes and puts them back: what
 * {@code Checkpointer.protect(String, Object)} needs. Core finds the implementation with
 * {@link java.util.ServiceLoader}; the module {@code cairn-objects} provides one backed by Apache Fory.
 * Core itself has no serializer, so it depends on none.
 */
public interface ObjectCodec {
  /**
   * Prepares the codec for one root. The classes a restore may instantiate (the allow-list) are fixed
   * here, from the root's declared field types and the objects reachable from it now, plus
   * {@code alsoAllowed}. Throws {@link IllegalArgumentException} (naming the region and the class) for
   * a root that cannot be restored in place.
   */
  Graph bind(String name, Object root, Collection<Class<?>> alsoAllowed);

  /** One bound root. Used from one thread at a time (the one that calls {@code checkpoint()} or {@code restore}). */
  interface Graph {
    /** The graph's bytes now; the segment stays valid and unchanged until the next call on this graph. */
    MemorySegment write() throws IOException;

    /**
     * Puts the graph held in {@code data} back into the root. Either the root is filled completely or,
     * when it throws, left as it was. A checkpoint that must not be restored into this program (a class
     * outside the allow-list, an incompatible class change) is refused with a
     * {@code io.cairn.StateMismatchException} naming the class and field.
     */
    void read(MemorySegment data) throws IOException;
  }
}
