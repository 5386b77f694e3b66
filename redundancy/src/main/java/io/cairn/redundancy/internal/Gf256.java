package io.cairn.redundancy.internal;

/**
 * Arithmetic in GF(2^8) with the polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11d), and the few matrix
 * operations the erasure codes need. Addition is XOR.
 */
public final class Gf256 {
  private static final int POLY = 0x11d;
  private static final int[] EXP = new int[512];
  private static final int[] LOG = new int[256];

  static {
    int x = 1;
    for (int i = 0; i < 255; i++) {
      EXP[i] = x;
      LOG[x] = i;
      x <<= 1;
      if ((x & 0x100) != 0) x ^= POLY;
    }
    for (int i = 255; i < 512; i++) EXP[i] = EXP[i - 255];
  }

  private Gf256() {}

  /** a * b. */
  public static int mul(int a, int b) {
    if (a == 0 || b == 0) return 0;
    return EXP[LOG[a] + LOG[b]];
  }

  /** a / b, b != 0. */
  public static int div(int a, int b) {
    if (b == 0) throw new ArithmeticException("division by zero in GF(2^8)");
    if (a == 0) return 0;
    return EXP[LOG[a] + 255 - LOG[b]];
  }

  public static int inv(int a) { return div(1, a); }

  /** The 8x8 bit matrix of multiplication by {@code c}: bit t of {@code rows[r]} is bit r of {@code c * 2^t}. */
  public static byte[] bitRows(int c) {
    byte[] rows = new byte[8];
    for (int t = 0; t < 8; t++) {
      int p = mul(c, 1 << t);
      for (int r = 0; r < 8; r++) if ((p >>> r & 1) != 0) rows[r] |= (byte) (1 << t);
    }
    return rows;
  }

  /** Number of ones in the bit matrix of {@code c}: the XORs of packets one multiply-add by c costs. */
  public static int ones(int c) {
    int n = 0;
    for (byte r : bitRows(c)) n += Integer.bitCount(r & 0xff);
    return n;
  }

  /** Inverse of a square matrix over GF(2^8) (Gauss-Jordan). @throws ArithmeticException when singular */
  public static int[][] invert(int[][] a) {
    int n = a.length;
    int[][] m = new int[n][2 * n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(a[i], 0, m[i], 0, n);
      m[i][n + i] = 1;
    }
    for (int col = 0; col < n; col++) {
      int piv = col;
      while (piv < n && m[piv][col] == 0) piv++;
      if (piv == n) throw new ArithmeticException("singular matrix");
      int[] t = m[piv];
      m[piv] = m[col];
      m[col] = t;
      int ip = inv(m[col][col]);
      for (int j = 0; j < 2 * n; j++) m[col][j] = mul(m[col][j], ip);
      for (int r = 0; r < n; r++) {
        if (r == col || m[r][col] == 0) continue;
        int f = m[r][col];
        for (int j = 0; j < 2 * n; j++) m[r][j] ^= mul(f, m[col][j]);
      }
    }
    int[][] out = new int[n][n];
    for (int i = 0; i < n; i++) System.arraycopy(m[i], n, out[i], 0, n);
    return out;
  }

  /**
   * For m = 2: row 0 all ones, row 1 the k distinct non-zero elements whose bit matrices have the fewest
   * ones (ties: smaller value first), in increasing order. Every 1x1 minor is non-zero and every 2x2
   * minor is a_i + a_j != 0, so the code is MDS; and it needs far fewer XORs than a Cauchy row.
   */
  static int[][] twoRows(int k) {
    Integer[] e = new Integer[255];
    for (int i = 0; i < 255; i++) e[i] = i + 1;
    java.util.Arrays.sort(e, java.util.Comparator.comparingInt((Integer x) -> ones(x)).thenComparingInt(x -> x));
    int[] row1 = new int[k];
    for (int j = 0; j < k; j++) row1[j] = e[j];
    java.util.Arrays.sort(row1);
    int[] row0 = new int[k];
    java.util.Arrays.fill(row0, 1);
    return new int[][]{row0, row1};
  }

  /**
   * The m x k parity part of a systematic MDS generator (for m = 2 see {@link #twoRows}): a Cauchy matrix 1/(x_i + y_j) with
   * x_i = k + i, y_j = j, columns scaled so that the first row is all ones (parity 0 is plain XOR),
   * and every other row scaled by the factor that gives its bit matrices the fewest ones. Scaling rows
   * and columns by non-zero constants keeps every square submatrix non-singular, so any k of the k + m
   * shards determine the data.
   */
  public static int[][] cauchyParity(int k, int m) {
    if (k < 1 || m < 1 || k + m > 256)
      throw new IllegalArgumentException("need k >= 1, m >= 1, k + m <= 256 (k=" + k + ", m=" + m + ")");
    if (m == 2) return twoRows(k);
    int[][] c = new int[m][k];
    for (int i = 0; i < m; i++) for (int j = 0; j < k; j++) c[i][j] = inv((k + i) ^ j);
    for (int j = 0; j < k; j++) {
      int f = c[0][j];
      for (int i = 0; i < m; i++) c[i][j] = div(c[i][j], f);
    }
    for (int i = 1; i < m; i++) {
      int best = 1, bestOnes = Integer.MAX_VALUE;
      for (int j = 0; j < k; j++) {
        int f = c[i][j], ones = 0;
        for (int jj = 0; jj < k; jj++) ones += ones(div(c[i][jj], f));
        if (ones < bestOnes) { bestOnes = ones; best = f; }
      }
      for (int j = 0; j < k; j++) c[i][j] = div(c[i][j], best);
    }
    return c;
  }
}
