package io.cairn.cluster;

import io.cairn.Checkpointable;
import io.cairn.StateReader;
import io.cairn.StateWriter;
import java.io.IOException;

/**
 * An array of doubles over a global index space {@code 0..globalLength-1}, split in contiguous blocks:
 * each rank owns {@code [lo, hi)} and holds only that part. Protect it with
 * {@link ParallelCheckpointer#protect(DistributedArray)}: a job restarted with a different number of
 * ranks reads back the ranges it now owns from the old ranks' checkpoints (resharding).
 *
 * <p>The split is in whole {@code unit}s (e.g. the row length of a 2-D grid split by rows): the
 * {@code globalLength / unit} units are spread as evenly as possible, lower ranks taking one more
 * when they do not divide evenly.
 */
public final class DistributedArray implements Checkpointable {
  private final String name;
  private final long globalLength;
  private final int unit;
  private final long lo;
  private final long hi;
  private final double[] local;

  private DistributedArray(String name, long globalLength, int unit, int rank, int size) {
    if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,200}")) throw new IllegalArgumentException("array name '" + name + "': use letters, digits, '.', '_' or '-'");
    if (unit < 1 || globalLength < 0 || globalLength % unit != 0)
      throw new IllegalArgumentException("array '" + name + "': global length " + globalLength + " must be a multiple of the unit " + unit);
    this.name = name;
    this.globalLength = globalLength;
    this.unit = unit;
    long[] r = range(globalLength, unit, rank, size);
    this.lo = r[0];
    this.hi = r[1];
    if (hi - lo > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("array '" + name + "': a rank's part (" + (hi - lo) + " elements) is too large");
    this.local = new double[(int) (hi - lo)];
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
    return new long[] {first * unit, (first + count) * unit};
  }

  public String name() { return name; }
  public long globalLength() { return globalLength; }
  public int unit() { return unit; }
  /** First global index this rank owns. */
  public long lo() { return lo; }
  /** One past the last global index this rank owns. */
  public long hi() { return hi; }
  /** This rank's part: element {@code i} is global index {@code lo() + i}. */
  public double[] local() { return local; }

  @Override public void save(StateWriter out) {
    out.writeLong(globalLength).writeInt(unit).writeLong(lo).writeLong(hi).writeDoubles(local);
  }

  @Override public void load(StateReader in) throws IOException {
    Slice s = Slice.read(in);
    if (s.globalLength != globalLength || s.lo != lo || s.hi != hi)
      throw new IOException("distributed array '" + name + "': checkpoint holds [" + s.lo + "," + s.hi + ") of " + s.globalLength
          + " but this rank owns [" + lo + "," + hi + ") of " + globalLength);
    System.arraycopy(s.data, 0, local, 0, local.length);
  }

  /** Copies the part of {@code s} that this rank owns; returns how many elements it copied. */
  long fill(Slice s) {
    if (s.globalLength != globalLength)
      throw new IllegalStateException("distributed array '" + name + "': the checkpoint holds " + s.globalLength + " elements, this job declares " + globalLength);
    long from = Math.max(lo, s.lo);
    long to = Math.min(hi, s.hi);
    if (to <= from) return 0;
    System.arraycopy(s.data, (int) (from - s.lo), local, (int) (from - lo), (int) (to - from));
    return to - from;
  }

  /** A saved part of an array, as read back from a checkpoint. */
  record Slice(long globalLength, int unit, long lo, long hi, double[] data) {
    static Slice read(StateReader in) throws IOException {
      long g = in.readLong();
      int u = in.readInt();
      long l = in.readLong();
      long h = in.readLong();
      double[] d = in.readDoubles();
      if (l < 0 || h < l || h > g || d.length != h - l) throw new IOException("bad distributed array slice [" + l + "," + h + ") of " + g);
      return new Slice(g, u, l, h, d);
    }
  }
}
