package io.cairn.internal.engine;

import io.cairn.internal.format.BlockRef;
import io.cairn.internal.format.ChunkTransform;
import io.cairn.internal.format.ChunkTransforms;
import io.cairn.internal.format.PackFormat;
import io.cairn.internal.format.RegionEntry;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/** A block of a region on its way through a level's write pipeline ({@link ChunkStage}s, then the pack). */
public final class Chunk {
  /** The region and the block's place in it. */
  public String region;
  public int index;
  public long offset;
  /** The block's bytes where the program keeps them (a heap array, a staged copy, a mapped file). */
  public MemorySegment source;
  /**
   * The raw bytes in a direct buffer (position 0, limit = raw length): the source itself when it is off
   * the heap; for a heap source null until {@link ChunkStage#LOAD} copies it (a block found unchanged
   * is never copied).
   */
  public ByteBuffer raw;
  /** xxHash64 of the raw bytes; 0 when not computed. */
  public long rawHash;
  /** Bytes per element of the region (1 for byte arrays, buffers, objects and files). */
  public int elementSize = 1;
  /** The transforms applied to the stored bytes so far ({@link ChunkTransforms}: 0 = stored raw). */
  public int transforms;
  /** The bytes as they will be stored (position 0, limit = stored length): {@link #raw} or a work buffer. */
  public ByteBuffer stored;
  public int storedCrc;
  /** The same region in the level's base version (incremental), or null for a full version. */
  public RegionEntry previous;
  /** Set by a stage that found the block already stored: the chunk is not written again. */
  public BlockRef reused;
  /** This chunk's own direct buffers (allocated when first needed): raw bytes, two work buffers for transforms, its header. */
  private final int blockSize;
  private ByteBuffer rawBuf;
  private final ByteBuffer[] work = new ByteBuffer[2];
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

  /**
   * A direct work buffer for a transform's output: the one of two that does not hold {@link #stored},
   * large enough for {@code need} bytes and for any registered transform of this chunk's raw bytes (so
   * levels with different codecs sharing the chunk do not reallocate it).
   */
  public ByteBuffer spare(int need) {
    int i = work[0] != null && work[0] == stored ? 1 : 0;
    int cap = need;
    for (ChunkTransform t : ChunkTransforms.ALL) cap = Math.max(cap, t.maxEncoded(rawLen()));
    if (work[i] == null || work[i].capacity() < cap) {
      work[i] = null;
      work[i] = ByteBuffer.allocateDirect(cap);
    }
    return work[i].clear();
  }

  void reset(String region, int elementSize, int index, long offset, MemorySegment source, RegionEntry previous) {
    this.region = region;
    this.elementSize = elementSize;
    this.index = index;
    this.offset = offset;
    this.source = source;
    this.rawLen = (int) source.byteSize();
    this.raw = source.isNative() ? source.asByteBuffer() : null;
    this.rawHash = 0;
    this.transforms = 0;
    this.stored = raw;
    this.storedCrc = 0;
    this.previous = previous;
    this.reused = null;
  }

  private int rawLen;

  public int rawLen() { return rawLen; }
}
