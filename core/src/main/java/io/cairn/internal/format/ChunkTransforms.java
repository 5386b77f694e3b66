package io.cairn.internal.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.StringJoiner;

/**
 * The registry of {@link ChunkTransform}s by recorded id, and the encoding of a chunk's transform list.
 *
 * <p>A chunk records up to two transforms as one 32-bit value ({@code transforms}): bytes
 * {@code id0, param0, id1, param1}, outermost first (the one applied last on write and undone first on
 * read); id 0 ends the list. Version 1 wrote the codec id in the first byte and zeros after it, which
 * reads as the list {@code [codec]}: old chunks need no translation.
 */
public final class ChunkTransforms {
  private ChunkTransforms() {}

  public static final ChunkTransform LZ4 = new CodecTransform(Codec.LZ4);
  public static final ChunkTransform ZSTD = new CodecTransform(Codec.ZSTD);
  public static final ChunkTransform SHUFFLE = new ByteShuffle();

  /** Every transform this Cairn can read: the one place a new transform is registered. */
  public static final List<ChunkTransform> ALL = List.of(LZ4, ZSTD, SHUFFLE);

  /** The most transforms one chunk records. */
  public static final int SLOTS = 2;

  private static final ChunkTransform[] BY_ID = new ChunkTransform[256];

  static {
    for (ChunkTransform t : ALL) {
      if (t.id() < 1 || t.id() > 255 || BY_ID[t.id()] != null)
        throw new ExceptionInInitializerError("transform id " + t.id() + " of " + t.name());
      BY_ID[t.id()] = t;
    }
  }

  /** The transform recorded as {@code id}, or null when this Cairn does not know it. */
  public static ChunkTransform byId(int id) {
    return id < 1 || id > 255 ? null : BY_ID[id];
  }

  /** The transform for a codec (null for {@link Codec#NONE}). */
  public static ChunkTransform of(Codec codec) {
    return switch (codec) {
      case NONE -> null;
      case LZ4 -> LZ4;
      case ZSTD -> ZSTD;
    };
  }

  public static int id(int transforms, int slot) { return (transforms >>> (24 - 16 * slot)) & 0xff; }

  public static int param(int transforms, int slot) { return (transforms >>> (16 - 16 * slot)) & 0xff; }

  /** How many transforms the list holds. */
  public static int count(int transforms) {
    int n = 0;
    while (n < SLOTS && id(transforms, n) != 0) n++;
    return n;
  }

  /** {@code transforms} with {@code t(param)} added as the new outermost transform. */
  public static int push(int transforms, ChunkTransform t, int param) {
    if (count(transforms) >= SLOTS) throw new IllegalStateException("a chunk records at most " + SLOTS + " transforms");
    return ((t.id() << 24) | (param << 16)) | (transforms >>> 16);
  }

  /** E.g. {@code zstd+shuffle8}, {@code lz4}, {@code none}: the transforms as applied on write, outermost last. */
  public static String describe(int transforms) {
    int n = count(transforms);
    if (n == 0) return "none";
    StringJoiner j = new StringJoiner("+");
    for (int s = 0; s < n; s++) {
      ChunkTransform t = byId(id(transforms, s));
      int p = param(transforms, s);
      j.add((t == null ? "id" + id(transforms, s) : t.name()) + (p != 0 ? Integer.toString(p) : ""));
    }
    return j.toString();
  }

  /** The known transforms, for error messages: {@code 1 lz4, 2 zstd, 3 shuffle}. */
  public static String known() {
    StringJoiner j = new StringJoiner(", ");
    for (ChunkTransform t : ALL) j.add(t.id() + " " + t.name());
    return j.toString();
  }

  /**
   * Checks a chunk's recorded transforms against what this Cairn knows and the chunk's lengths;
   * {@code chunk} names it ("region 'x' chunk 3 (pack of version 2, offset 96)") and {@code where} the file.
   */
  public static void check(int transforms, int storedLen, int rawLen, String where, String chunk) throws IOException {
    int n = count(transforms);
    for (int s = n; s < SLOTS; s++)
      if (id(transforms, s) != 0 || param(transforms, s) != 0)
        throw new Manifest.CorruptException(
            where + ": " + chunk + " records transform bytes after the end of its list ("
                + String.format("%08x", transforms) + ")");
    long bound = rawLen;
    for (int s = n - 1; s >= 0; s--) { // innermost first, the way they were applied
      int id = id(transforms, s);
      ChunkTransform t = byId(id);
      if (t == null)
        throw new Manifest.UnsupportedFormatException(where + ": " + chunk + " uses transform id " + id
            + ", which this Cairn does not know (it knows " + known() + "); it was written by a newer Cairn");
      if (!t.validParam(param(transforms, s)))
        throw new Manifest.CorruptException(
            where + ": " + chunk + " records " + t.name() + " with parameter " + param(transforms, s));
      if (s > 0 && !t.keepsLength())
        throw new Manifest.CorruptException(where + ": " + chunk + " records " + t.name() + " below another transform");
      bound = t.maxEncoded((int) Math.min(bound, Integer.MAX_VALUE));
    }
    if (n == 0 ? storedLen != rawLen : storedLen > bound)
      throw new Manifest.CorruptException(
          where + ": " + chunk + " stores " + storedLen + " bytes for " + rawLen + " raw bytes ("
              + describe(transforms) + ")");
  }

  /** A {@link Codec} as a transform; its id is the codec id (as in version 1). */
  private record CodecTransform(Codec codec) implements ChunkTransform {
    @Override
    public int id() { return codec.id; }
    @Override
    public String name() { return codec.name().toLowerCase(java.util.Locale.ROOT); }
    @Override
    public boolean keepsLength() { return false; }
    @Override
    public int maxEncoded(int n) { return codec.maxCompressed(n); }
    @Override
    public int encode(ByteBuffer src, ByteBuffer dst, int param) throws IOException { return codec.compress(src, dst); }
    @Override
    public void decode(ByteBuffer src, int len, ByteBuffer dst, int outLen, int param) throws IOException {
      codec.decompress(src, len, dst, outLen);
    }
  }
}
