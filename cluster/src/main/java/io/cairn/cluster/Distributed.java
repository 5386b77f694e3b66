package io.cairn.cluster;

import io.cairn.Checkpointable;
import io.cairn.StateReader;
import io.cairn.StateWriter;
import java.io.IOException;

/**
 * What {@link DistributedArray} (doubles) and {@link DistributedFloatArray} (floats) share: a global
 * index space {@code 0..globalLength-1} split over the ranks in contiguous blocks of whole units, the
 * saved layout of one rank's part (a {@link Slice}), and the copy of the overlap of an old part into
 * the new one when a job is restarted with another number of ranks.
 */
abstract sealed class Distributed implements Checkpointable permits DistributedArray, DistributedFloatArray {
  /** Element type of a distributed array, as recorded in a checkpoint's region list. */
  enum Type {
    DOUBLE("darray-double"), FLOAT("darray-float");

    final String kind;

    Type(String kind) { this.kind = kind; }

    /** The type a region-list kind names ({@code object} is how version-1 checkpoints listed double arrays). */
    static Type ofKind(String kind) {
      return switch (kind) {
        case "darray-double", "object" -> DOUBLE;
        case "darray-float" -> FLOAT;
        default -> throw new IllegalArgumentException("unknown distributed array kind '" + kind + "'");
      };
    }
  }

  private final String name;
  private final long globalLength;
  private final int unit;
  private final long lo;
  private final long hi;

  Distributed(String name, long globalLength, int unit, int rank, int size) {
    if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,200}")) throw new IllegalArgumentException("array name '" + name + "': use letters, digits, '.', '_' or '-'");
    if (unit < 1 || globalLength < 0 || globalLength % unit != 0)
      throw new IllegalArgumentException("array '" + name + "': global length " + globalLength + " must be a multiple of the unit " + unit);
    this.name = name;
    this.globalLength = globalLength;
    this.unit = unit;
    long[] r = DistributedArray.range(globalLength, unit, rank, size);
    this.lo = r[0];
    this.hi = r[1];
    if (hi - lo > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("array '" + name + "': a rank's part (" + (hi - lo) + " elements) is too large");
  }

  public final String name() { return name; }
  public final long globalLength() { return globalLength; }
  public final int unit() { return unit; }
  /** First global index this rank owns. */
  public final long lo() { return lo; }
  /** One past the last global index this rank owns. */
  public final long hi() { return hi; }

  abstract Type type();

  /** This rank's part, a {@code double[]} or {@code float[]} of {@code hi() - lo()} elements. */
  abstract Object data();

  @Override public final void save(StateWriter out) {
    out.writeLong(globalLength).writeInt(unit).writeLong(lo).writeLong(hi);
    switch (data()) {
      case double[] d -> out.writeDoubles(d);
      case float[] f -> out.writeFloats(f);
      default -> throw new IllegalStateException();
    }
  }

  @Override public final void load(StateReader in) throws IOException {
    Slice s = Slice.read(in, type());
    if (s.globalLength != globalLength || s.lo != lo || s.hi != hi)
      throw new IOException("distributed array '" + name + "': checkpoint holds [" + s.lo + "," + s.hi + ") of " + s.globalLength
          + " but this rank owns [" + lo + "," + hi + ") of " + globalLength);
    System.arraycopy(s.data, 0, data(), 0, (int) (hi - lo));
  }

  /** Copies the part of {@code s} that this rank owns; returns how many elements it copied. */
  final long fill(Slice s) {
    if (s.globalLength != globalLength)
      throw new IllegalStateException("distributed array '" + name + "': the checkpoint holds " + s.globalLength + " elements, this job declares " + globalLength);
    long from = Math.max(lo, s.lo);
    long to = Math.min(hi, s.hi);
    if (to <= from) return 0;
    System.arraycopy(s.data, (int) (from - s.lo), data(), (int) (from - lo), (int) (to - from));
    return to - from;
  }

  /** A saved part of an array, as read back from a checkpoint; {@code data} is a {@code double[]} or a {@code float[]}. */
  record Slice(long globalLength, int unit, long lo, long hi, Object data) {
    static Slice read(StateReader in, Type type) throws IOException {
      long g = in.readLong();
      int u = in.readInt();
      long l = in.readLong();
      long h = in.readLong();
      Object d = type == Type.DOUBLE ? in.readDoubles() : in.readFloats();
      int n = d instanceof double[] a ? a.length : ((float[]) d).length;
      if (l < 0 || h < l || h > g || n != h - l) throw new IOException("bad distributed array slice [" + l + "," + h + ") of " + g);
      return new Slice(g, u, l, h, d);
    }
  }
}
