package io.cairn.internal.format;

/**
 * One chunk of a region as the manifest records it: where it lies (the pack of version
 * {@code pack}, at {@code offset}), its sizes, the transforms applied to its bytes (see
 * {@link ChunkTransforms}: up to two (id, parameter) pairs, outermost first; 0 = stored raw) and
 * its checksums.
 */
public record BlockRef(long pack, long offset, int storedLen, int rawLen, int transforms, int storedCrc, long rawHash) {
  /** A chunk stored raw or with one codec (the only forms of format version 1). */
  public BlockRef(long pack, long offset, int storedLen, int rawLen, Codec codec, int storedCrc, long rawHash) {
    this(pack, offset, storedLen, rawLen, codec.id << 24, storedCrc, rawHash);
  }

  /** The transforms as written, e.g. {@code zstd+shuffle8} or {@code none}. */
  public String describeTransforms() {
    return ChunkTransforms.describe(transforms);
  }
}
