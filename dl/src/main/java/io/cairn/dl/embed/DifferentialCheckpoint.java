package io.cairn.dl.embed;

import io.cairn.Checkpointable;
import io.cairn.Checkpointer;
import io.cairn.Metadata;
import io.cairn.StateReader;
import io.cairn.StateWriter;
import io.cairn.Version;
import java.io.IOException;
import java.util.BitSet;

/**
 * Differential (and optionally quantized) checkpoints of an {@link EmbeddingTable}, after Check-N-Run:
 * a full copy (the <em>base</em>) goes to a separate checkpointer now and then; each checkpoint of the
 * main state holds only the rows changed since that base, plus the base's version. Restoring is
 * "base + one delta", never a chain.
 *
 * <p>Protect this object in the main checkpointer; after the main restore, call
 * {@link #applyAfterRestore()}, which restores the base and applies the delta.
 *
 * <p>{@link Encoding#QUANTIZED_8BIT} is <b>lossy</b> (8 bits per value, one affine scale per row): the
 * restored table is close to, not equal to, the saved one. It is never allowed in a faithful-replay
 * training state ({@code TrainingState} refuses it).
 */
public final class DifferentialCheckpoint implements Checkpointable {
  /** How rows are stored. */
  public enum Encoding {
    /** The float bits: restore is exact. */
    EXACT,
    /** LOSSY: one byte per value, per-row min and step. About 4x smaller; restore is approximate. */
    QUANTIZED_8BIT
  }

  private static final int FORMAT = 1;
  private final EmbeddingTable table;
  private final Checkpointer bases;
  private final Encoding encoding;
  private final double fullFraction;
  private long baseVersion = -1;
  private final Checkpointable baseImage;
  // pending after a main restore
  private long pendingBase = -1;
  private int[] pendingRows;
  private float[] pendingValues;
  private long lastDeltaRows;

  /**
   * @param table        the table
   * @param bases        a checkpointer of its own for the full copies (keep at least 2)
   * @param encoding     exact or (lossy) quantized
   * @param fullFraction write a new base when more than this fraction of the rows changed (e.g. 0.3)
   */
  public DifferentialCheckpoint(EmbeddingTable table, Checkpointer bases, Encoding encoding, double fullFraction) {
    if (!(fullFraction > 0 && fullFraction <= 1)) throw new IllegalArgumentException("fullFraction must be in (0, 1]");
    this.table = table;
    this.bases = bases;
    this.encoding = encoding;
    this.fullFraction = fullFraction;
    this.baseImage = new Checkpointable() {
      @Override
      public void save(StateWriter out) {
        out.writeInt(table.rows());
        writeValues(out, allRows());
      }
      @Override
      public void load(StateReader in) throws IOException {
        int rows = in.readInt();
        if (rows != table.rows()) throw new IOException("embedding base has " + rows + " rows, table " + table.rows());
        float[] v = readValues(in, rows);
        System.arraycopy(v, 0, table.data(), 0, v.length);
      }
    };
    bases.protect("embedding.base", baseImage);
  }

  /** True for the quantized encoding: restores are approximate. */
  public boolean lossy() {
    return encoding != Encoding.EXACT;
  }

  /** The version (in the base checkpointer) of the current base; -1 before the first. */
  public long baseVersion() {
    return baseVersion;
  }

  /** Rows written by the last delta. */
  public long lastDeltaRows() { return lastDeltaRows; }

  private int[] allRows() {
    int[] r = new int[table.rows()];
    for (int i = 0; i < r.length; i++) r[i] = i;
    return r;
  }

  @Override
  public void save(StateWriter out) {
    BitSet changed = table.changedRows();
    if (baseVersion < 0 || changed.cardinality() > fullFraction * table.rows()) {
      Version v = bases.checkpoint(Metadata.create().label(lossy() ? "embedding-base LOSSY" : "embedding-base"))
          .await();
      baseVersion = v.number();
      table.markClean();
      changed = new BitSet();
    }
    int[] rows = changed.stream().toArray();
    lastDeltaRows = rows.length;
    out.writeInt(FORMAT).writeInt(encoding.ordinal()).writeLong(baseVersion).writeInt(table.rows())
        .writeInt(table.dim());
    writeRows(out, rows);
  }

  @Override
  public void load(StateReader in) throws IOException {
    int f = in.readInt();
    if (f != FORMAT) throw new IOException("embedding delta format " + f + ", this library reads " + FORMAT);
    int enc = in.readInt();
    if (enc != encoding.ordinal())
      throw new IOException("embedding delta encoded " + Encoding.values()[enc] + ", table expects " + encoding);
    long base = in.readLong();
    int rows = in.readInt(), dim = in.readInt();
    if (rows != table.rows() || dim != table.dim())
      throw new IOException("embedding delta for a " + rows + " x " + dim + " table, this table is " + table.rows()
          + " x " + table.dim());
    pendingRows = readIndices(in);
    pendingValues = readValues(in, pendingRows.length);
    pendingBase = base;
  }

  /** After the main checkpointer restored: restores the base copy and applies the delta. */
  public void applyAfterRestore() {
    if (pendingBase < 0)
      throw new IllegalStateException("no restored embedding delta to apply (restore the main checkpointer first)");
    try {
      bases.restore(pendingBase);
    } catch (RuntimeException e) {
      throw new io.cairn.CairnException(
          "embedding base version " + pendingBase + " (referenced by the restored delta) cannot be restored: "
              + e.getMessage() + "; keep more base versions",
          e);
    }
    int d = table.dim();
    BitSet changed = new BitSet();
    for (int i = 0; i < pendingRows.length; i++) {
      System.arraycopy(pendingValues, i * d, table.data(), pendingRows[i] * d, d);
      changed.set(pendingRows[i]);
    }
    table.markChanged(changed);
    baseVersion = pendingBase;
    pendingBase = -1;
    pendingRows = null;
    pendingValues = null;
  }

  // ---------------------------------------------------------------- encoding

  private void writeRows(StateWriter out, int[] rows) {
    out.writeInts(rows);
    writeValues(out, rows);
  }

  private void writeValues(StateWriter out, int[] rows) {
    int d = table.dim();
    float[] data = table.data();
    if (encoding == Encoding.EXACT) {
      float[] v = new float[rows.length * d];
      for (int i = 0; i < rows.length; i++) System.arraycopy(data, rows[i] * d, v, i * d, d);
      out.writeFloats(v);
      return;
    }
    float[] mins = new float[rows.length], steps = new float[rows.length];
    byte[] q = new byte[rows.length * d];
    for (int i = 0; i < rows.length; i++) {
      int o = rows[i] * d;
      float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;
      for (int j = 0; j < d; j++) { lo = Math.min(lo, data[o + j]); hi = Math.max(hi, data[o + j]); }
      float step = hi > lo ? (hi - lo) / 255f : 1f;
      mins[i] = lo;
      steps[i] = step;
      for (int j = 0; j < d; j++) q[i * d + j] = (byte) Math.clamp(Math.round((data[o + j] - lo) / step), 0, 255);
    }
    out.writeFloats(mins).writeFloats(steps).writeBytes(q);
  }

  private static int[] readIndices(StateReader in) throws IOException { return in.readInts(); }

  private float[] readValues(StateReader in, int n) throws IOException {
    int d = table.dim();
    if (encoding == Encoding.EXACT) {
      float[] v = in.readFloats();
      if (v.length != n * d)
        throw new IOException("embedding rows: " + v.length + " values for " + n + " rows of " + d);
      return v;
    }
    float[] mins = in.readFloats(), steps = in.readFloats();
    byte[] q = in.readBytes();
    if (mins.length != n || steps.length != n || q.length != n * d)
      throw new IOException("embedding rows: quantized sizes do not match " + n + " rows");
    float[] v = new float[n * d];
    for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) v[i * d + j] = mins[i] + steps[i] * (q[i * d + j] & 0xFF);
    return v;
  }
}
