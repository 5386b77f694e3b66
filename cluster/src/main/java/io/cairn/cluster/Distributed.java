package io.cairn.cluster;

/**
 * What {@link DistributedArray} (doubles) and {@link DistributedFloatArray} (floats) share: a global
 * index space {@code 0..globalLength-1} split over the ranks in contiguous blocks of whole units, and
 * the copy of the overlap of an old part (a {@link Slice}) into the new one when a job is restarted
 * with another number of ranks. {@link ParallelCheckpointer} saves a part as a plain array region.
 */
abstract sealed class Distributed permits DistributedArray, DistributedFloatArray {
  /** Element type of a distributed array, as recorded in a checkpoint's region list. */
  enum Type {
    DOUBLE("darray-double"), FLOAT("darray-float");

    final String kind;

    Type(String kind) { this.kind = kind; }

    /** The type a region-list kind names. */
    static Type ofKind(String kind) {
      return switch (kind) {
        case "darray-double" -> DOUBLE;
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
    if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,200}"))
      throw new IllegalArgumentException("array name '" + name + "': use letters, digits, '.', '_' or '-'");
    if (unit < 1 || globalLength < 0 || globalLength % unit != 0)
      throw new IllegalArgumentException(
          "array '" + name + "': global length " + globalLength + " must be a multiple of the unit " + unit);
    this.name = name;
    this.globalLength = globalLength;
    this.unit = unit;
    long[] r = DistributedArray.range(globalLength, unit, rank, size);
    this.lo = r[0];
    this.hi = r[1];
    if (hi - lo > Integer.MAX_VALUE - 16)
      throw new IllegalArgumentException(
          "array '" + name + "': a rank's part (" + (hi - lo) + " elements) is too large");
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

  /** Copies the part of {@code s} that this rank owns; returns how many elements it copied. */
  final long fill(Slice s) {
    if (s.globalLength != globalLength)
      throw new IllegalStateException("distributed array '" + name + "': the checkpoint holds " + s.globalLength
          + " elements, this job declares " + globalLength);
    long from = Math.max(lo, s.lo);
    long to = Math.min(hi, s.hi);
    if (to <= from) return 0;
    System.arraycopy(s.data, (int) (from - s.lo), data(), (int) (from - lo), (int) (to - from));
    return to - from;
  }

  /** A saved part of an array, as read back from a checkpoint; {@code data} is a {@code double[]} or a {@code float[]} of {@code hi - lo} elements. */
  record Slice(long globalLength, int unit, long lo, long hi, Object data) {}
}
