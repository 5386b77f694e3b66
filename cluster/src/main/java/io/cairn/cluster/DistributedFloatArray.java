package io.cairn.cluster;

/**
 * An array of floats over a global index space, split in contiguous blocks over the ranks like
 * {@link DistributedArray} (same split, same resharding on a restart with another number of ranks).
 * {@link #wrap} makes an existing array (e.g. an optimizer's moments for this rank's share of the
 * parameters) the rank's part, so it is checkpointed without a copy.
 */
public final class DistributedFloatArray extends Distributed {
  private final float[] local;

  private DistributedFloatArray(String name, long globalLength, int unit, int rank, int size, float[] local) {
    super(name, globalLength, unit, rank, size);
    if (local == null) local = new float[(int) (hi() - lo())];
    if (local.length != hi() - lo())
      throw new IllegalArgumentException(
          "array '" + name + "': rank " + rank + " of " + size + " owns [" + lo() + "," + hi() + ") of "
              + globalLength + ", i.e. " + (hi() - lo()) + " elements, but the array to wrap has " + local.length);
    this.local = local;
  }

  /** An array of {@code globalLength} elements split in whole units of {@code unit} elements. */
  public static DistributedFloatArray create(Comm comm, String name, long globalLength, int unit) {
    return new DistributedFloatArray(name, globalLength, unit, comm.rank(), comm.size(), null);
  }

  /** Like {@link #create}, with {@code local} (exactly this rank's {@code hi - lo} elements) as the rank's part. */
  public static DistributedFloatArray wrap(Comm comm, String name, long globalLength, int unit, float[] local) {
    return new DistributedFloatArray(name, globalLength, unit, comm.rank(), comm.size(), local);
  }

  /** The {@code [lo, hi)} range rank {@code rank} of {@code size} owns (as {@link DistributedArray#range}). */
  public static long[] range(long globalLength, int unit, int rank, int size) {
    return DistributedArray.range(globalLength, unit, rank, size);
  }

  /** This rank's part: element {@code i} is global index {@code lo() + i}. */
  public float[] local() { return local; }

  @Override
  Type type() { return Type.FLOAT; }
  @Override
  Object data() { return local; }
}
