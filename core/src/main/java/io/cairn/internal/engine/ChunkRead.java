package io.cairn.internal.engine;

import io.cairn.internal.format.BlockRef;
import java.nio.ByteBuffer;

/** A chunk on its way back through the read side of the stages ({@link ChunkStage#undo}). */
public final class ChunkRead {
  /** What the manifest records of the chunk. */
  public final BlockRef ref;
  /** Names the pack and region in error messages. */
  public final String where;
  /** The bytes at this point: the stored bytes first, the raw bytes once every transform is undone (position 0). */
  public ByteBuffer data;
  /**
   * CRC32C of {@link #data} as first given (the stored bytes), computed by the reader thread right after
   * reading them; {@link ChunkStage#CHECKSUM} compares it with the manifest's instead of reading the bytes
   * again. Null: not computed, the stage computes it.
   */
  final Integer storedCrc;
  /** The next recorded transform to undo (0 = outermost). */
  int slot;
  private final LevelStore.Scratch scratch;
  private int next;

  ChunkRead(BlockRef ref, String where, ByteBuffer stored, LevelStore.Scratch scratch) {
    this(ref, where, stored, scratch, null);
  }

  ChunkRead(BlockRef ref, String where, ByteBuffer stored, LevelStore.Scratch scratch, Integer storedCrc) {
    this.storedCrc = storedCrc;
    this.ref = ref;
    this.where = where;
    this.data = stored;
    this.scratch = scratch;
  }

  /** A buffer for the next transform's output (the reader's two decode buffers in turn), cleared. */
  ByteBuffer spare() {
    return scratch.decodeBuffer(next++ & 1).clear();
  }
}
