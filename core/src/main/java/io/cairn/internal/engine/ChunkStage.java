package io.cairn.internal.engine;

import io.cairn.internal.format.BlockRef;
import io.cairn.internal.format.ChunkTransform;
import io.cairn.internal.format.ChunkTransforms;
import io.cairn.internal.format.Manifest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * One step of a level's chunk pipeline, in both directions. On write ({@link #apply}) the level's
 * stages run in order on every chunk; a stage that sets {@link Chunk#reused} ends that chunk's trip
 * (nothing is written for it). On read ({@link #undo}) the stages come from what the chunk records
 * ({@link #readPipeline}): the checksum, then each recorded transform, outermost first — whatever the
 * level is configured to do now. A new transform is one {@link ChunkTransform} registered in
 * {@link ChunkTransforms#ALL}; {@link #transform} makes it a stage.
 */
public interface ChunkStage {
  /** Write direction. */
  void apply(Chunk c) throws IOException;

  /** Read direction: undoes or checks what {@link #apply} did (default: nothing to undo). */
  default void undo(ChunkRead r) throws IOException {}

  /**
   * Change detection: xxHash64 of the raw bytes, read where they are (no copy of a heap array), unless
   * the writer hashed the region's blocks ahead (in parallel). On read nothing to undo.
   */
  ChunkStage HASH = c -> {
    if (c.rawHash == 0) c.rawHash = XxHash64.hash(c.source, 0, c.rawLen(), 0);
  };

  /** Incremental: a block equal (length and hash) to the same block of the level's previous version is referenced, not written. */
  ChunkStage DEDUP = c -> {
    if (c.previous == null || c.rawHash == 0L || c.index >= c.previous.blocks().size()) return;
    BlockRef pb = c.previous.blocks().get(c.index);
    if (pb.rawLen() == c.rawLen() && pb.rawHash() == c.rawHash) c.reused = pb;
  };

  /**
   * The raw bytes into a direct buffer: native code (codecs, CRC) and I/O need one. A heap source is
   * copied once into the chunk's own buffer; an off-heap source is used in place. Runs after change
   * detection, so an unchanged block is never copied. On read nothing to undo (the sink copies out).
   */
  ChunkStage LOAD = c -> {
    if (c.raw != null) return;
    int len = c.rawLen();
    ByteBuffer raw = c.rawBuf(len).clear().limit(len);
    java.lang.foreign.MemorySegment.copy(c.source, 0, java.lang.foreign.MemorySegment.ofBuffer(raw), 0, len);
    c.raw = raw;
    c.stored = raw;
  };

  /** Checksum of the bytes as stored (CRC32C, an intrinsic): computed on write, verified on read. */
  ChunkStage CHECKSUM = new ChunkStage() {
    @Override
    public void apply(Chunk c) {
      CRC32C crc = new CRC32C();
      crc.update(c.stored.duplicate());
      c.storedCrc = (int) crc.getValue();
    }

    @Override
    public void undo(ChunkRead r) throws IOException {
      int got;
      if (r.storedCrc != null && r.slot == 0) {
        got = r.storedCrc; // the reader checksummed these very bytes as it read them
      } else {
        CRC32C crc = new CRC32C();
        crc.update(r.data.duplicate());
        got = (int) crc.getValue();
      }
      if (got != r.ref.storedCrc())
        throw new Manifest.CorruptException(r.where + ": checksum mismatch in chunk at offset " + r.ref.offset());
    }
  };

  /** The stage of a registered transform (one instance per transform). */
  static ChunkStage transform(ChunkTransform t) {
    return TransformStage.of(t);
  }

  /** The stages that undo what chunk {@code b} records: the checksum, then its transforms, outermost first. */
  static List<ChunkStage> readPipeline(BlockRef b, String where) throws IOException {
    int n = ChunkTransforms.count(b.transforms());
    List<ChunkStage> out = new ArrayList<>(1 + n);
    out.add(CHECKSUM);
    for (int s = 0; s < n; s++) {
      ChunkTransform t = ChunkTransforms.byId(ChunkTransforms.id(b.transforms(), s));
      if (t == null) // the manifest was checked already; a chunk that names an unknown transform anyway is refused here
        throw new Manifest.UnsupportedFormatException(where + ": chunk at offset " + b.offset() + " uses transform id "
            + ChunkTransforms.id(b.transforms(), s) + ", which this Cairn does not know (it knows "
            + ChunkTransforms.known() + ")");
      out.add(transform(t));
    }
    return out;
  }

  /**
   * A registered transform as a stage. On write it applies the transform where it fits the chunk (its
   * element size); a transform that changes the length (a codec) must save at least 1/32 of the chunk,
   * or the chunk is stored raw — without the filters before it too. On read it undoes the chunk's next
   * recorded transform.
   */
  final class TransformStage implements ChunkStage {
    private static final TransformStage[] BY_ID = new TransformStage[256];

    static {
      for (ChunkTransform t : ChunkTransforms.ALL) BY_ID[t.id()] = new TransformStage(t);
    }

    static TransformStage of(ChunkTransform t) { return BY_ID[t.id()]; }

    private final ChunkTransform t;

    private TransformStage(ChunkTransform t) { this.t = t; }

    @Override
    public void apply(Chunk c) throws IOException {
      int p = t.param(c.elementSize);
      if (p < 0) return;
      int len = c.stored.remaining();
      ByteBuffer out = c.spare(t.maxEncoded(len));
      int n = t.encode(c.stored.duplicate(), out, p);
      if (!t.keepsLength() && n >= c.rawLen() - c.rawLen() / 32) {
        c.stored = c.raw;
        c.transforms = 0;
        return;
      }
      c.stored = out.limit(n).position(0);
      c.transforms = ChunkTransforms.push(c.transforms, t, p);
    }

    @Override
    public void undo(ChunkRead r) throws IOException {
      int p = ChunkTransforms.param(r.ref.transforms(), r.slot);
      ByteBuffer out = r.spare();
      try {
        t.decode(r.data, r.data.remaining(), out, r.ref.rawLen(), p);
      } catch (Manifest.CorruptException e) {
        throw e;
      } catch (IOException e) {
        throw new Manifest.CorruptException(
            r.where + ": chunk at offset " + r.ref.offset() + " (" + t.name() + "): " + e.getMessage());
      }
      r.data = out.limit(r.ref.rawLen()).position(0);
      r.slot++;
    }

    @Override
    public String toString() { return t.name(); }
  }
}
