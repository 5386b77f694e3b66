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
  /** The next recorded transform to undo (0 = outermost). */
  int slot;
  private final LevelStore.Scratch scratch;
  private int next;

  ChunkRead(BlockRef ref, String where, ByteBuffer stored, LevelStore.Scratch scratch) {
    this.ref = ref;
    this.where = where;
    this.data = stored;
    this.scratch = scratch;
  }

  /** A buffer for the next transform's output (the reader's two decode buffers in turn), cleared. */
  ByteBuffer spare() { return scratch.decodeBuffer(next++ & 1).clear(); }
}
