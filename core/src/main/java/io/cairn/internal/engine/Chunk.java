package io.cairn.internal.engine;

import io.cairn.internal.format.BlockRef;
import io.cairn.internal.format.Codec;
import io.cairn.internal.format.PackFormat;
import io.cairn.internal.format.RegionEntry;
import java.nio.ByteBuffer;

/** A block of a region on its way through a level's write pipeline ({@link ChunkStage}s, then the pack). */
public final class Chunk {
  /** The region and the block's place in it. */
  public String region;
  public int index;
  public long offset;
  /** The raw bytes (a direct buffer, position 0, limit = raw length). */
  public ByteBuffer raw;
  /** xxHash64 of the raw bytes; 0 when not computed. */
  public long rawHash;
  /** What will be stored and how: raw (codec NONE) or compressed. */
  public Codec codec = Codec.NONE;
  public ByteBuffer stored;
  public int storedCrc;
  /** The same region in the level's base version (incremental), or null for a full version. */
  public RegionEntry previous;
  /** Set by a stage that found the block already stored: the chunk is not written again. */
  public BlockRef reused;
  /** This chunk's own direct buffers (allocated when first needed): raw bytes, compressed bytes, its header. */
  private final int blockSize;
  private ByteBuffer rawBuf;
  private ByteBuffer comp;
  final ByteBuffer header = ByteBuffer.allocateDirect(PackFormat.CHUNK_HEADER);

  Chunk(int blockSize) { this.blockSize = blockSize; }

  int blockSize() { return blockSize; }

  /**
   * A direct buffer for {@code len} raw bytes copied from the heap: grown to what the chunks need, at
   * most the block size (a small state with a large block size does not reserve whole blocks).
   */
  ByteBuffer rawBuf(int len) {
    if (rawBuf == null || rawBuf.capacity() < len) {
      rawBuf = null;
      rawBuf = ByteBuffer.allocateDirect(Math.min(blockSize, Math.max(len, 4096)));
    }
    return rawBuf;
  }

  /** A direct buffer large enough for the compressed form of this chunk's raw bytes with any codec. */
  public ByteBuffer comp() {
    int need = Math.max(Codec.ZSTD.maxCompressed(rawLen()), Codec.LZ4.maxCompressed(rawLen()));
    if (comp == null || comp.capacity() < need) {
      comp = null;
      comp = ByteBuffer.allocateDirect(need);
    }
    return comp;
  }

  void reset(String region, int index, long offset, ByteBuffer raw, RegionEntry previous) {
    this.region = region;
    this.index = index;
    this.offset = offset;
    this.raw = raw;
    this.rawHash = 0;
    this.codec = Codec.NONE;
    this.stored = raw;
    this.storedCrc = 0;
    this.previous = previous;
    this.reused = null;
  }

  public int rawLen() { return raw.limit(); }
}
