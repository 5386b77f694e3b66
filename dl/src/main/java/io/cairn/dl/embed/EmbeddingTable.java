package io.cairn.dl.embed;

import io.cairn.dl.rng.Keys;
import io.cairn.dl.rng.Stream;
import java.util.BitSet;

/**
 * A large embedding table ({@code rows x dim} floats, row-major) that is updated sparsely: a step
 * touches only the rows of the ids it saw. It remembers which rows changed since the last full copy,
 * so {@link DifferentialCheckpoint} can save only those.
 */
public final class EmbeddingTable {
  private final int rows, dim;
  private final float[] data;
  private final BitSet dirty = new BitSet();

  public EmbeddingTable(int rows, int dim) {
    if (rows < 1 || dim < 1 || (long) rows * dim > Integer.MAX_VALUE - 16)
      throw new IllegalArgumentException(
          "embedding table " + rows + " x " + dim + " is empty or too large for one array");
    this.rows = rows;
    this.dim = dim;
    this.data = new float[rows * dim];
  }

  /** Initialises every row from the keyed stream {@code (seed, "embedding-init", 0, 0, row)}. */
  public EmbeddingTable init(Keys keys, double scale) {
    for (int r = 0; r < rows; r++) {
      Stream s = keys.stream("embedding-init", 0, 0, r);
      for (int j = 0; j < dim; j++) data[r * dim + j] = (float) (scale * s.normal());
    }
    dirty.set(0, rows);
    return this;
  }

  public int rows() { return rows; }
  public int dim() { return dim; }

  /** The live row-major array (do not replace). */
  public float[] data() { return data; }

  /** Copies row {@code r} into {@code out}. */
  public void get(int r, float[] out) {
    System.arraycopy(data, r * dim, out, 0, dim);
  }

  /** SGD on one row: {@code row -= lr * grad}; marks the row changed. */
  public void update(int r, float[] grad, float lr) {
    int o = r * dim;
    for (int j = 0; j < dim; j++) data[o + j] -= lr * grad[j];
    dirty.set(r);
  }

  /** Rows changed since the last {@link #markClean()}. */
  public BitSet changedRows() { return (BitSet) dirty.clone(); }

  void markClean() { dirty.clear(); }

  void markChanged(BitSet rowsChanged) {
    dirty.clear();
    dirty.or(rowsChanged);
  }
}
