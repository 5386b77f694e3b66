package io.cairn.internal.engine;

import io.cairn.CairnException;
import io.cairn.internal.format.Kind;
import io.cairn.internal.format.RegionEntry;
import io.cairn.spi.ObjectCodec;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.Iterator;
import java.util.ServiceLoader;

/**
 * An object graph as a region (stored as {@link Kind#OBJECT}): serialised by the {@link ObjectCodec}
 * at capture (into staging memory in async mode), put back into the root at restore.
 */
public final class GraphRegion implements RegionSource {
  private final String name;
  private final ObjectCodec.Graph graph;

  private GraphRegion(String name, ObjectCodec.Graph graph) {
    this.name = name;
    this.graph = graph;
  }

  /** Binds {@code root} with the codec found on the class path. */
  public static GraphRegion of(String name, Object root, Collection<Class<?>> alsoAllowed) {
    return new GraphRegion(name, codec().bind(name, root, alsoAllowed));
  }

  private static volatile ObjectCodec codec;

  static ObjectCodec codec() {
    ObjectCodec c = codec;
    if (c != null) return c;
    for (ClassLoader l : new ClassLoader[]{GraphRegion.class.getClassLoader(),
        Thread.currentThread().getContextClassLoader()}) {
      if (l == null) continue;
      Iterator<ObjectCodec> it = ServiceLoader.load(ObjectCodec.class, l).iterator();
      if (it.hasNext()) return codec = it.next();
    }
    throw new CairnException(
        "protecting an object graph needs the cairn-objects module (io.cairn:cairn-objects) on the class path:"
            + " no io.cairn.spi.ObjectCodec was found (cairn.jar includes it)");
  }

  @Override
  public String name() { return name; }
  @Override
  public Kind kind() { return Kind.OBJECT; }
  @Override
  public long length() { return -1; }

  @Override
  public MemorySegment capture(Arena arena, Stager stager) throws IOException {
    MemorySegment bytes = graph.write();
    return stager != null ? stager.copy(bytes) : bytes;
  }

  @Override
  public Sink sink(RegionEntry entry) {
    if (entry.byteLength() > Integer.MAX_VALUE - 16)
      throw new CairnException("object graph '" + name + "' is too large to load");
    byte[] data = new byte[(int) entry.byteLength()];
    return new Sink() {
      @Override
      public void accept(long offset, ByteBuffer b) { b.get(data, (int) offset, b.remaining()); }
      @Override
      public void finish() throws IOException { graph.read(MemorySegment.ofArray(data)); }
    };
  }

}
