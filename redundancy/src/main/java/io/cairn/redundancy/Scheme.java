package io.cairn.redundancy;

/**
 * A redundancy scheme across nodes.
 *
 * @param kind    partner copy, XOR set or Reed-Solomon set
 * @param setSize ranks per set ({@code k + m}; 2 for a partner pair)
 * @param m       node losses a set survives (1 for partner and XOR)
 */
public record Scheme(Kind kind, int setSize, int m) {
  public enum Kind { PARTNER, XOR, RS }

  public Scheme {
    if (m < 1) throw new IllegalArgumentException("m must be >= 1, got " + m);
    if (setSize < m + 1)
      throw new IllegalArgumentException("a set of " + setSize + " cannot hold " + m + " parity shards and data");
    if (kind != Kind.RS && m != 1) throw new IllegalArgumentException(kind + " tolerates exactly one loss");
  }

  /** Each rank's checkpoint is copied to a rank on another node. */
  public static Scheme partner() {
    return new Scheme(Kind.PARTNER, 2, 1);
  }

  /** XOR parity over sets of {@code setSize} ranks on distinct nodes (SCR's XOR set). */
  public static Scheme xor(int setSize) {
    return new Scheme(Kind.XOR, setSize, 1);
  }

  /** Reed-Solomon over sets of {@code k + m} ranks on distinct nodes; survives {@code m} lost nodes per set. */
  public static Scheme reedSolomon(int k, int m) {
    if (k < 1) throw new IllegalArgumentException("k must be >= 1, got " + k);
    return new Scheme(Kind.RS, k + m, m);
  }

  /** Data shards per stripe of a full set. */
  public int k() { return setSize - m; }

  /** Name used in directories and reports: {@code partner}, {@code xor}, {@code rs}. */
  public String id() {
    return kind.name().toLowerCase(java.util.Locale.ROOT);
  }

  /** Parses {@code partner}, {@code xor:8}, {@code rs:4+2}. */
  public static Scheme parse(String s) {
    String t = s.trim().toLowerCase(java.util.Locale.ROOT);
    try {
      if (t.equals("partner")) return partner();
      if (t.startsWith("xor:")) return xor(Integer.parseInt(t.substring(4)));
      if (t.startsWith("rs:")) {
        String[] km = t.substring(3).split("\\+");
        return reedSolomon(Integer.parseInt(km[0]), Integer.parseInt(km[1]));
      }
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("bad redundancy scheme '" + s + "': " + e.getMessage(), e);
    }
    throw new IllegalArgumentException(
        "bad redundancy scheme '" + s + "': expected partner, xor:<set size> or rs:<k>+<m>");
  }

  @Override
  public String toString() {
    return switch (kind) {
      case PARTNER -> "partner";
      case XOR -> "xor:" + setSize;
      case RS -> "rs:" + k() + "+" + m;
    };
  }
}
