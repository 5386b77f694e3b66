package io.cairn.internal.engine;

import io.cairn.internal.format.BlockRef;
import io.cairn.internal.format.Codec;
import java.io.IOException;
import java.util.zip.CRC32C;

/**
 * One step of a level's write pipeline. Stages run in order on every chunk; a stage that sets
 * {@link Chunk#reused} ends that chunk's trip (nothing is written for it). Each stage has one job; a
 * new transform is a new stage (and, on the read side, its inverse recorded per chunk in the format).
 */
public interface ChunkStage {
  void apply(Chunk c) throws IOException;

  /** Change detection: xxHash64 of the raw bytes (JNI, memory-bandwidth speed). */
  ChunkStage HASH = c -> c.rawHash = LevelStore.XXH.hash(c.raw, 0, c.rawLen(), 0);

  /** Incremental: a block equal (length and hash) to the same block of the level's previous version is referenced, not written. */
  ChunkStage DEDUP = c -> {
    if (c.previous == null || c.rawHash == 0L || c.index >= c.previous.blocks().size()) return;
    BlockRef pb = c.previous.blocks().get(c.index);
    if (pb.rawLen() == c.rawLen() && pb.rawHash() == c.rawHash) c.reused = pb;
  };

  /** Checksum of the bytes as stored (CRC32C, an intrinsic). */
  ChunkStage CHECKSUM = c -> {
    CRC32C crc = new CRC32C();
    crc.update(c.stored.duplicate());
    c.storedCrc = (int) crc.getValue();
  };

  /** Compression with a codec; a chunk that would not shrink by at least 1/32 is stored raw. */
  static ChunkStage compress(Codec codec) {
    return c -> {
      java.nio.ByteBuffer out = c.comp().clear();
      int n = codec.compress(c.raw.duplicate(), out);
      if (n < c.rawLen() - c.rawLen() / 32) {
        c.codec = codec;
        c.stored = out.limit(n).position(0);
      }
    };
  }
}
