package io.cairn.cluster;

/**
 * An array of doubles over a global index space {@code 0..globalLength-1}, split in contiguous blocks:
 * each rank owns {@code [lo, hi)} and holds only that part. Protect it with
 * {@link ParallelCheckpointer#protect(DistributedArray)}: a job restarted with a different number of
 * ranks reads back the ranges it now owns from the old ranks' checkpoints (resharding).
 * {@link DistributedFloatArray} is the same for floats.
 *
 * <p>The split is in whole {@code unit}s (e.g. the row length of a 2-D grid split by rows): the
 * {@code globalLength / unit} units are spread as evenly as possible, lower ranks taking one more
 * when they do not divide evenly.
 */
public final class DistributedArray extends Distributed {
  private final double[] local;

  private DistributedArray(String name, long globalLength, int unit, int rank, int size) {
    super(name, globalLength, unit, rank, size);
    this.local = new double[(int) (hi() - lo())];
  }

  /** An array of {@code globalLength} elements split by single elements. */
  public static DistributedArray create(Comm comm, String name, long globalLength) {
    return create(comm, name, globalLength, 1);
  }

  /** An array of {@code globalLength} elements split in whole units of {@code unit} elements. */
  public static DistributedArray create(Comm comm, String name, long globalLength, int unit) {
    return new DistributedArray(name, globalLength, unit, comm.rank(), comm.size());
  }

  /** The {@code [lo, hi)} range rank {@code rank} of {@code size} owns. */
  public static long[] range(long globalLength, int unit, int rank, int size) {
    long units = globalLength / unit;
    long base = units / size;
    long extra = units % size;
    long first = rank * base + Math.min(rank, extra);
    long count = base + (rank < extra ? 1 : 0);
    return new long[]{first * unit, (first + count) * unit};
  }

  /** This rank's part: element {@code i} is global index {@code lo() + i}. */
  public double[] local() { return local; }

  @Override
  Type type() { return Type.DOUBLE; }
  @Override
  Object data() { return local; }
}
