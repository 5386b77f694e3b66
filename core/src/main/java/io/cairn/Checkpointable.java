package io.cairn;

import java.io.IOException;

/**
 * An object that saves and restores its own state through Cairn, without Java serialization.
 *
 * <pre>{@code
 * final class Particles implements Checkpointable {
 *   double[] x; int count;
 *   public void save(StateWriter out) { out.writeInt(count); out.writeDoubles(x); }
 *   public void load(StateReader in) throws IOException { count = in.readInt(); x = in.readDoubles(); }
 * }
 * }</pre>
 *
 * {@link #load} must read exactly what {@link #save} wrote, in the same order; the reader throws
 * when it asks for more than was saved, and the restore fails when bytes are left over.
 */
public interface Checkpointable {
  /** Writes the state; called at each checkpoint, on the thread that calls {@code checkpoint()}. */
  void save(StateWriter out) throws IOException;

  /** Replaces the state with what {@link #save} wrote. */
  void load(StateReader in) throws IOException;
}
