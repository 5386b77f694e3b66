package io.cairn.internal.format;

import com.github.luben.zstd.Zstd;
import java.io.IOException;
import java.nio.ByteBuffer;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/** Chunk codecs. The id is stored in every chunk header, so old checkpoints stay readable. */
public enum Codec {
  NONE(0), LZ4(1), ZSTD(2);

  public final int id;

  Codec(int id) { this.id = id; }

  public static Codec byId(int id) throws IOException {
    for (Codec c : values()) if (c.id == id) return c;
    throw new IOException("unknown codec id " + id + " (this Cairn knows none, lz4, zstd)");
  }

  public static Codec parse(String s) {
    return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "none", "raw" -> NONE;
      case "lz4" -> LZ4;
      case "zstd" -> ZSTD;
      default -> throw new IllegalArgumentException("unknown codec '" + s + "' (expected none, lz4 or zstd)");
    };
  }

  /**
   * A level's {@code codec} setting: a codec, optionally after the byte shuffle ({@code lz4+shuffle},
   * {@code zstd+shuffle}: regions of 2-, 4- and 8-byte elements are shuffled by their element size,
   * others are not).
   */
  public record Choice(Codec codec, boolean shuffle) {
    public static final Choice NONE = new Choice(Codec.NONE, false);

    public static Choice parse(String s) {
      String t = s.trim().toLowerCase(java.util.Locale.ROOT);
      boolean shuffle = t.endsWith("+shuffle");
      String base = shuffle ? t.substring(0, t.length() - "+shuffle".length()) : t;
      Codec c;
      try {
        c = Codec.parse(base);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "unknown codec '" + s + "' (expected none, lz4, zstd, lz4+shuffle or zstd+shuffle)");
      }
      if (shuffle && c == Codec.NONE)
        throw new IllegalArgumentException(
            "'" + s + "': the shuffle only helps a codec after it (expected lz4+shuffle or zstd+shuffle)");
      return new Choice(c, shuffle);
    }

    @Override
    public String toString() { return codec.name().toLowerCase(java.util.Locale.ROOT) + (shuffle ? "+shuffle" : ""); }
  }

  private static final class Lz4 {
    static final LZ4Factory F = LZ4Factory.fastestInstance();
    static final LZ4Compressor C = F.fastCompressor();
    static final LZ4SafeDecompressor D = F.safeDecompressor();
  }

  /** Upper bound of the compressed size of {@code n} raw bytes. */
  public int maxCompressed(int n) {
    return switch (this) {
      case NONE -> n;
      case LZ4 -> Lz4.C.maxCompressedLength(n);
      case ZSTD -> (int) Zstd.compressBound(n);
    };
  }

  /**
   * Compresses src (position..limit, direct) into dst (direct, cleared); returns the compressed
   * length. Not used for NONE.
   */
  public int compress(ByteBuffer src, ByteBuffer dst) throws IOException {
    return switch (this) {
      case NONE -> throw new IllegalStateException("NONE does not compress");
      case LZ4 -> Lz4.C.compress(src, src.position(), src.remaining(), dst, 0, dst.capacity());
      case ZSTD -> {
        long n = Zstd.compressDirectByteBuffer(dst, 0, dst.capacity(), src, src.position(), src.remaining(), 1);
        if (Zstd.isError(n)) throw new IOException("zstd compression failed: " + Zstd.getErrorName(n));
        yield (int) n;
      }
    };
  }

  /** Decompresses exactly {@code rawLen} bytes from src (direct) into dst (direct) at 0. */
  public void decompress(ByteBuffer src, int storedLen, ByteBuffer dst, int rawLen) throws IOException {
    switch (this) {
      case NONE -> throw new IllegalStateException("NONE does not decompress");
      case LZ4 -> {
        int read;
        try {
          read = Lz4.D.decompress(src, 0, storedLen, dst, 0, rawLen);
        } catch (RuntimeException e) {
          throw new IOException("lz4 data is corrupt: " + e.getMessage(), e);
        }
        if (read != rawLen) throw new IOException("lz4 chunk: got " + read + " bytes, expected " + rawLen);
      }
      case ZSTD -> {
        long n = Zstd.decompressDirectByteBuffer(dst, 0, rawLen, src, 0, storedLen);
        if (Zstd.isError(n)) throw new IOException("zstd data is corrupt: " + Zstd.getErrorName(n));
        if (n != rawLen) throw new IOException("zstd chunk: got " + n + " bytes, expected " + rawLen);
      }
    }
  }
}
