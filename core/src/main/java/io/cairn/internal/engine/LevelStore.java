package io.cairn.internal.engine;

import io.cairn.internal.Settings.LevelSpec;
import io.cairn.internal.format.BlockRef;
import io.cairn.internal.format.ChunkTransforms;
import io.cairn.internal.format.Codec;
import io.cairn.internal.format.Manifest;
import io.cairn.internal.format.PackFormat;
import io.cairn.internal.format.RegionEntry;
import io.cairn.spi.Storage;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One level of storage: writes versions as {@code vNNNNNNNNNN/data.pack} + {@code manifest} (the
 * manifest last, atomically), reads and verifies them, and applies retention without ever deleting
 * a pack that a kept version still references.
 */
public final class LevelStore {
  private static final Logger log = LoggerFactory.getLogger(LevelStore.class);
  static final XXHash64 XXH = XXHashFactory.fastestInstance().hash64();

  private final LevelSpec spec;
  private final Storage storage;
  private final int fullEvery;
  /** The last manifest this process wrote here (base of the next incremental version). */
  private Manifest last;
  private int sinceFull;

  public LevelStore(LevelSpec spec, Storage storage, int fullEvery) {
    this(spec, storage, fullEvery, new ChunkPool());
  }

  public LevelStore(LevelSpec spec, Storage storage, int fullEvery, ChunkPool pool) {
    this.pool = pool;
    this.spec = spec;
    this.storage = storage;
    this.fullEvery = fullEvery;
  }

  public LevelSpec spec() { return spec; }
  public Storage storage() { return storage; }
  public String name() { return spec.name(); }

  public static String dir(long v) { return String.format("v%010d", v); }

  static long parseDir(String name) {
    if (name.length() != 11 || name.charAt(0) != 'v') return -1;
    for (int i = 1; i < 11; i++) if (!Character.isDigit(name.charAt(i))) return -1;
    return Long.parseLong(name.substring(1));
  }

  /** Versions with a directory here, committed or not. */
  public TreeSet<Long> allVersionDirs() throws IOException {
    TreeSet<Long> out = new TreeSet<>();
    for (String n : storage.list("")) {
      long v = parseDir(n);
      if (v > 0) out.add(v);
    }
    return out;
  }

  /** Committed versions (their manifest exists), ascending. Torn versions are not listed. */
  public TreeSet<Long> committed() throws IOException {
    TreeSet<Long> out = new TreeSet<>();
    for (long v : allVersionDirs()) if (storage.exists(dir(v) + "/manifest")) out.add(v);
    return out;
  }

  public Manifest readManifest(long v) throws IOException {
    String name = dir(v) + "/manifest";
    String where = storage.describe() + "/" + name;
    try (Storage.Input in = storage.open(name)) {
      long size = in.size();
      if (size > Manifest.MAX_BODY + 64L)
        throw new Manifest.CorruptException(where + ": manifest too large (" + size + " bytes)");
      ByteBuffer b = ByteBuffer.allocate((int) size);
      in.readFully(0, b);
      Manifest m = Manifest.decode(b.array(), where);
      if (m.version() != v) throw new Manifest.CorruptException(where + ": manifest says version " + m.version());
      if (m.littleEndian() != Manifest.nativeLittleEndian())
        throw new Manifest.UnsupportedFormatException(where + ": written on a machine of the other byte order");
      return m;
    }
  }

  /**
   * Buffers of one reader (direct): decompressed bytes and the slots the read-ahead thread fills. They
   * are sized from the chunks a read actually references (never from the block size a manifest
   * claims). The read-ahead aims at {@link #READ_AHEAD_BUDGET} bytes of slots (4 of 4 MiB; at most
   * {@link #MAX_DEPTH}, at least one chunk's worth): enough that the reader keeps the disk busy while the
   * copying thread is off the CPU, small enough that a chunk is still in the CPU's cache when it is copied
   * out (64 MiB of slots made restores 2-3x slower on a quiet machine: docs/performance.md). Only the first slot is required; the
   * others are taken while direct memory allows (a small {@code -XX:MaxDirectMemorySize} gets fewer).
   */
  public static final class Scratch {
    /** Bytes of read-ahead slots a reader aims at. */
    static final long READ_AHEAD_BUDGET = 16L << 20;
    /** Most slots, whatever the chunk size. */
    static final int MAX_DEPTH = 32;
    /** Outputs of the transforms being undone (a chunk with two transforms uses both in turn). */
    private final ByteBuffer[] decode = new ByteBuffer[2];
    ByteBuffer[] slots = new ByteBuffer[0];

    public Scratch() {}

    /** Makes the buffers fit the chunks of {@code regions}; allocation failure is a {@link NoMemoryException}. */
    void fit(List<RegionEntry> regions, String where) throws NoMemoryException {
      long maxStored = 0, maxRaw = 0, chunks = 0;
      int maxTransforms = 0;
      for (RegionEntry r : regions) {
        for (BlockRef b : r.blocks()) {
          chunks++;
          maxStored = Math.max(maxStored, PackFormat.CHUNK_HEADER + (long) b.storedLen());
          int n = ChunkTransforms.count(b.transforms());
          if (n > 0) maxRaw = Math.max(maxRaw, b.rawLen());
          maxTransforms = Math.max(maxTransforms, n);
        }
      }
      if (maxStored == 0) return;
      // no more slots than chunks to read: a restore of a 15 MB object graph (4 chunks of 4 MiB) allocated
      // and zeroed 16 slots (64 MiB of direct memory) before, the larger part of its cost (docs/objects.md)
      int depth = (int) Math.max(1, Math.min(Math.min(MAX_DEPTH, chunks), READ_AHEAD_BUDGET / maxStored));
      try {
        for (int i = 0; i < Math.min(maxTransforms, decode.length); i++) { // required: before the optional slots
          if (decode[i] == null || decode[i].capacity() < maxRaw) {
            decode[i] = null;
            decode[i] = ByteBuffer.allocateDirect((int) maxRaw);
          }
        }
        if (slots.length < depth || slots[0].capacity() < maxStored) {
          slots = null; // let the old ones go first
          List<ByteBuffer> n = new ArrayList<>(depth);
          n.add(ByteBuffer.allocateDirect((int) maxStored));
          try {
            while (n.size() < depth) n.add(ByteBuffer.allocateDirect((int) maxStored));
          } catch (OutOfMemoryError e) {
            log.debug("{}: read-ahead of {} chunks instead of {} (direct memory: {})", where, n.size(), depth,
                e.getMessage());
          }
          slots = n.toArray(ByteBuffer[]::new);
        }
      } catch (OutOfMemoryError e) {
        slots = new ByteBuffer[0];
        decode[0] = decode[1] = null;
        throw new NoMemoryException(where + ": not enough memory for the read buffers (1 x " + maxStored + " bytes"
            + (maxRaw > 0 ? " + " + Math.min(maxTransforms, 2) + " x " + maxRaw : "") + "): " + e.getMessage()
            + "; raise -XX:MaxDirectMemorySize (or -Xmx)");
      }
    }

    /** Output buffer {@code i} (0 or 1) of the transforms being undone. */
    ByteBuffer decodeBuffer(int i) {
      return decode[i];
    }
  }

  /** Reading or writing needed more memory than the JVM could give: the environment's fault, not the data's. */
  public static final class NoMemoryException extends IOException {
    public NoMemoryException(String msg) { super(msg); }
  }

  /**
   * What a version is made of before it is written: regions with their captured bytes.
   *
   * @param staging null when {@code data} is complete; else the copy in progress that fills it (an
   *     async checkpoint's capture, which the write follows chunk by chunk)
   */
  public record Captured(String name, io.cairn.internal.format.Kind kind, long length, MemorySegment data,
      Staging staging) {
    public Captured(String name, io.cairn.internal.format.Kind kind, long length, MemorySegment data) {
      this(name, kind, length, data, null);
    }

    /** Waits until the first {@code end} bytes of {@code data} are there. */
    void awaitBytes(long end) throws IOException {
      if (staging != null) staging.await(end);
    }
  }

  /** A copy into staging memory still in progress. */
  public interface Staging {
    /** Returns once the first {@code end} bytes are copied; throws when the copy was abandoned. */
    void await(long end) throws IOException;
  }

  /** Header fields of a version that every level records the same way. */
  public record Header(String run, long version, long created, String writer, String label, long step,
      Map<String, String> meta) {}

  /** Result of writing one version. */
  public record Written(Manifest manifest, long bytesWritten, long nanos) {}

  /**
   * Writes and commits a version. On failure nothing committed changes; the torn directory is removed.
   * When the disk is full, room is made first the way retention would after this commit (the oldest
   * versions beyond the newest {@code keep - 1}, never the newest committed one nor a pinned one),
   * one at a time, retrying the write after each.
   */
  public Written write(Header h, List<Captured> regions, int blockSize) throws IOException {
    try {
      return writeOnce(h, regions, blockSize);
    } catch (IOException e) {
      IOException last = e;
      while (diskFull(last)) {
        Long victim = makeRoom();
        if (victim == null) throw last;
        log.warn(
            "level {} ({}): disk full writing version {}; removed version {} early (retention would after this commit, keep={}) "
                + "and trying again",
            name(), storage.describe(), h.version(), victim, spec.keep());
        try {
          return writeOnce(h, regions, blockSize);
        } catch (IOException again) {
          last = again;
        }
      }
      throw last;
    }
  }

  /** The file system reported no space (or quota) left, anywhere in the chain. */
  static boolean diskFull(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      String m = c.getMessage();
      if (m != null && (m.contains("No space left on device") || m.contains("Disk quota exceeded"))) return true;
      for (Throwable sup : c.getSuppressed()) if (sup != e && diskFull(sup)) return true;
    }
    return false;
  }

  /**
   * Uncommits the oldest committed version that retention will drop anyway once the version being
   * written commits (beyond the newest {@code keep - 1}, not pinned, never the newest) and deletes its
   * data where nothing kept references it; null when there is none.
   */
  synchronized Long makeRoom() throws IOException {
    TreeSet<Long> committed = committed();
    if (committed.size() < 2) return null;
    TreeSet<Long> pins = pinned();
    TreeSet<Long> kept = new TreeSet<>();
    Long victim = null;
    int i = 0;
    long newest = committed.last();
    for (long v : committed.descendingSet()) { // the newest is first: always kept
      if (pins.contains(v) || i++ < Math.max(1, spec.keep() - 1)) continue;
      victim = v; // ends at the oldest candidate
    }
    if (victim == null) return null;
    for (long v : committed) if (v != victim) kept.add(v);
    uncommitAndCollect(List.of(victim), kept, newest);
    return victim;
  }

  private Written writeOnce(Header h, List<Captured> regions, int blockSize) throws IOException {
    long t0 = System.nanoTime();
    String d = dir(h.version());
    boolean incremental = spec.incremental() && last != null && sinceFull + 1 < fullEvery;
    Map<String, RegionEntry> base = new HashMap<>();
    if (incremental) for (RegionEntry r : last.regions()) base.put(r.name(), r);
    long written = 0;
    List<RegionEntry> entries = new ArrayList<>();
    List<ChunkStage> stages = pipeline();
    try {
      try (Storage.Output out = storage.create(d + "/data.pack")) {
        out.write(PackFormat.header(h.version()));
        long pos = PackFormat.HEADER;
        PackWriter writer = new PackWriter(out, pool(blockSize), storage.describe() + "/" + d + "/data.pack");
        try {
          for (Captured c : regions) {
            RegionEntry prev = base.get(c.name());
            // regions of variable size (object graphs, files) keep their base when they grow or shrink: DEDUP
            // compares block by block (index, length, hash), so unchanged leading blocks are still reused
            boolean variable = c.kind() == io.cairn.internal.format.Kind.OBJECT
                || c.kind() == io.cairn.internal.format.Kind.FILE;
            if (prev != null && (prev.kind() != c.kind() || (!variable && prev.byteLength() != c.data().byteSize())))
              prev = null;
            List<BlockRef> blocks = new ArrayList<>();
            long size = c.data().byteSize();
            long[] hashes = prev != null && spec.incremental() ? hashAhead(c.data(), blockSize) : null;
            int index = 0;
            for (long off = 0; off < size; off += blockSize, index++) {
              int len = (int) Math.min(blockSize, size - off);
              c.awaitBytes(off + len);
              Chunk chunk = writer.free();
              // the stages read the source in place; LOAD copies a heap block into the chunk's direct buffer
              chunk.reset(c.name(), c.kind().elementSize, index, off, c.data().asSlice(off, len), prev);
              if (hashes != null) chunk.rawHash = hashes[index];
              for (ChunkStage stage : stages) {
                stage.apply(chunk);
                if (chunk.reused != null) break;
              }
              if (chunk.reused != null) {
                blocks.add(chunk.reused);
                writer.recycle(chunk);
                continue;
              }
              int storedLen = chunk.stored.remaining();
              chunk.header.clear();
              PackFormat.putChunkHeader(chunk.header, chunk.transforms, len, storedLen, chunk.storedCrc, chunk.rawHash);
              chunk.header.flip();
              blocks.add(
                  new BlockRef(h.version(), pos, storedLen, len, chunk.transforms, chunk.storedCrc, chunk.rawHash));
              pos += PackFormat.CHUNK_HEADER + storedLen;
              written += PackFormat.CHUNK_HEADER + storedLen;
              writer.submit(chunk);
            }
            entries.add(new RegionEntry(c.name(), c.kind(), c.length(), size, blocks));
          }
          writer.finish();
        } finally {
          writer.close();
        }
        out.sync();
      }
      Manifest m = new Manifest(h.run(), h.version(), h.created(), incremental ? last.version() : -1, h.writer(),
          h.label(),
          h.step(), h.meta(), blockSize, Manifest.nativeLittleEndian(), entries);
      byte[] mb = m.encode();
      try (Storage.Output out = storage.create(d + "/manifest.tmp")) {
        out.write(ByteBuffer.wrap(mb));
        out.sync();
      }
      storage.rename(d + "/manifest.tmp", d + "/manifest");
      storage.syncDir(d);
      storage.syncDir("");
      last = m;
      sinceFull = incremental ? sinceFull + 1 : 0;
      return new Written(m, written + mb.length, System.nanoTime() - t0);
    } catch (OutOfMemoryError e) {
      // buffers of the block size (direct memory) did not fit: the environment's fault; nothing committed
      try {
        if (!storage.exists(d + "/manifest")) storage.deleteTree(d);
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw new NoMemoryException("not enough memory for the checkpoint buffers (block size " + blockSize + " bytes): "
          + e.getMessage() + "; lower block-size or raise -XX:MaxDirectMemorySize (or -Xmx)");
    } catch (IOException | RuntimeException e) {
      try {
        if (!storage.exists(d + "/manifest")) storage.deleteTree(d);
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
  }

  /**
   * The write pipeline of this level: change detection and deduplication when incremental, the byte
   * shuffle ({@code codec = ...+shuffle}) and compression with the level's codec, then the checksum of
   * what is stored. The read side does not use it: it undoes what each chunk records.
   */
  List<ChunkStage> pipeline() {
    List<ChunkStage> stages = new ArrayList<>();
    if (spec.incremental()) {
      stages.add(ChunkStage.HASH);
      stages.add(ChunkStage.DEDUP);
    }
    stages.add(ChunkStage.LOAD);
    if (spec.codec() != Codec.NONE) {
      if (spec.shuffle()) stages.add(ChunkStage.transform(ChunkTransforms.SHUFFLE));
      stages.add(ChunkStage.transform(ChunkTransforms.of(spec.codec())));
    }
    stages.add(ChunkStage.CHECKSUM);
    return stages;
  }

  /**
   * The xxHash64 of every block of a heap region, on two threads (this one and a virtual thread, taking
   * the next block from a shared counter), for
   * change detection before any block is copied; null when the region is off the heap (a staged copy:
   * the program runs on meanwhile and keeps its cores) or has a single block. The program waits for a
   * synchronous checkpoint, so its cores are free; the data does not change meanwhile.
   */
  static long[] hashAhead(MemorySegment data, int blockSize) throws IOException {
    long size = data.byteSize();
    int n = (int) ((size + blockSize - 1) / blockSize);
    if (data.isNative() || n < 2) return null;
    long[] out = new long[n];
    // blocks are taken one at a time from a shared counter, not split in halves up front: on a busy
    // machine the thread that keeps its core hashes more, instead of waiting for the one that lost it
    java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
    Thread helper = Thread.ofVirtual().name("cairn-hash").start(() -> hashBlocks(data, blockSize, next, n, out));
    hashBlocks(data, blockSize, next, n, out);
    try {
      helper.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while hashing");
    }
    return out;
  }

  private static void hashBlocks(MemorySegment data, int blockSize, java.util.concurrent.atomic.AtomicInteger next,
      int n, long[] out) {
    for (int i; (i = next.getAndIncrement()) < n;) {
      long off = (long) i * blockSize;
      out[i] = XxHash64.hash(data, off, Math.min(blockSize, data.byteSize() - off), 0);
    }
  }

  /**
   * Chunks in flight between the stages and the pack writer: three per engine, shared by its levels
   * (they are written one after the other), their buffers allocated only when needed.
   */
  public static final class ChunkPool {
    private Chunk[] chunks;

    synchronized Chunk[] get(int blockSize) {
      if (chunks == null || chunks[0].blockSize() != blockSize) {
        chunks = new Chunk[3];
        for (int i = 0; i < chunks.length; i++) chunks[i] = new Chunk(blockSize);
      }
      return chunks;
    }
  }

  private final ChunkPool pool;

  private Chunk[] pool(int blockSize) { return pool.get(blockSize); }

  /** Forgets the incremental base (e.g. after a restore: the next version here is full). */
  public void resetBase() {
    last = null;
    sinceFull = 0;
  }

  /**
   * Keeps the newest {@code keep} committed versions; uncommits older ones (manifest first) and deletes
   * every version directory that no kept manifest references, up to {@code upTo}.
   *
   * @return the versions that were uncommitted
   */
  public synchronized List<Long> prune(int keep, long upTo) throws IOException {
    TreeSet<Long> committed = committed();
    TreeSet<Long> pins = pinned();
    List<Long> drop = new ArrayList<>();
    TreeSet<Long> kept = new TreeSet<>();
    int i = 0;
    for (long v : committed.descendingSet()) {
      if (pins.contains(v)) kept.add(v); // pinned: kept besides the newest `keep`
      else if (i++ < keep) kept.add(v);
      else
        drop.add(v);
    }
    uncommitAndCollect(drop, kept, upTo);
    return drop;
  }

  /** Uncommits {@code drop} (manifest first), then deletes every directory up to {@code upTo} that no version of {@code kept} references. */
  private void uncommitAndCollect(List<Long> drop, TreeSet<Long> kept, long upTo) throws IOException {
    TreeSet<Long> needed = new TreeSet<>();
    for (long v : kept) {
      needed.add(v);
      try {
        needed.addAll(readManifest(v).packsUsed());
      } catch (IOException e) {
        // A damaged kept manifest cannot tell what it needs: keep every older directory, lose nothing.
        log.warn("level {}: cannot read manifest of kept version {} ({}); keeping all older data", name(), v,
            e.getMessage());
        needed.addAll(allVersionDirs().headSet(v));
      }
    }
    for (long v : drop) {
      storage.delete(dir(v) + "/manifest");
      storage.syncDir(dir(v));
    }
    for (long v : allVersionDirs()) {
      if (v <= upTo && !needed.contains(v)) storage.deleteTree(dir(v));
    }
    if (!drop.isEmpty()) storage.syncDir("");
  }

  private static String pinFile(long v) { return dir(v) + "/pinned"; }

  /** Committed versions marked as pinned (never removed by retention). */
  public TreeSet<Long> pinned() throws IOException {
    TreeSet<Long> out = new TreeSet<>();
    for (long v : committed()) if (storage.exists(pinFile(v))) out.add(v);
    return out;
  }

  /** Marks committed version {@code v} as kept by retention whatever {@code keep} says (a file {@code pinned} in its directory); false when this level does not hold it. */
  public synchronized boolean pin(long v) throws IOException {
    if (!committed().contains(v)) return false;
    if (storage.exists(pinFile(v))) return true;
    try (Storage.Output o = storage.create(pinFile(v))) {
      o.sync();
    }
    storage.syncDir(dir(v));
    return true;
  }

  /** Lets retention remove version {@code v} again (at the next pass); false when it was not pinned here. */
  public synchronized boolean unpin(long v) throws IOException {
    if (!storage.exists(pinFile(v))) return false;
    storage.delete(pinFile(v));
    storage.syncDir(dir(v));
    return true;
  }

  /**
   * Removes committed version {@code v} from this level now (pinned or not): uncommits it, then deletes
   * its data unless a remaining (incremental) version references it. Versions being written (newer
   * than every committed one) are not touched. False when this level does not hold it.
   */
  public synchronized boolean delete(long v) throws IOException {
    TreeSet<Long> committed = committed();
    if (!committed.contains(v)) return false;
    if (storage.exists(pinFile(v))) storage.delete(pinFile(v));
    TreeSet<Long> kept = new TreeSet<>(committed);
    kept.remove(v);
    uncommitAndCollect(List.of(v), kept, committed.last());
    return true;
  }

  /**
   * Reads a version's chunks, verifying every checksum, and hands the bytes to the sinks (null: verify
   * only). A reader thread fetches the next chunks (header and data in one read) while this thread
   * runs the current one back through the stages its record names ({@link ChunkStage#readPipeline}:
   * checksum, then its transforms undone) and applies it.
   */
  public long read(Manifest m, Map<String, RegionSource.Sink> sinks, Scratch s) throws IOException {
    return read(m, m.regions(), sinks, s);
  }

  /** Like {@link #read(Manifest, Map, Scratch)}, for some of the version's regions only (the others' chunks are not read). */
  public long read(Manifest m, List<RegionEntry> regions, Map<String, RegionSource.Sink> sinks, Scratch s)
      throws IOException {
    s.fit(regions, storage.describe() + "/" + dir(m.version()));
    Map<Long, Storage.Input> packs = new HashMap<>();
    PackReader reader = new PackReader(regions, v -> {
      Storage.Input in = packs.get(v);
      if (in == null) {
        in = openPack(v);
        packs.put(v, in);
      }
      return in;
    }, s, b -> storage.describe() + "/" + dir(b.pack()) + "/data.pack (version " + m.version() + ")", (r, off, b) -> {
      RegionSource.Sink sink = sinks == null ? null : sinks.get(r.name());
      return sink == null ? null : sink.readTarget(off, b.rawLen());
    });
    long bytes = 0;
    Map<Integer, List<ChunkStage>> pipelines = new HashMap<>(); // by the chunk's recorded transforms
    try {
      for (RegionEntry r : regions) {
        RegionSource.Sink sink = sinks == null ? null : sinks.get(r.name());
        long off = 0;
        long wherePack = -1;
        String where = null;
        for (BlockRef b : r.blocks()) {
          PackReader.Slot slot = reader.next();
          if (b.pack() != wherePack) { // one message prefix per pack and region, not per chunk
            wherePack = b.pack();
            where = storage.describe() + "/" + dir(b.pack()) + "/data.pack (region '" + r.name() + "' of version "
                + m.version() + ")";
          }
          ByteBuffer buf = slot.buf;
          PackFormat.checkChunkHeader(buf.slice(0, PackFormat.CHUNK_HEADER), b, where);
          ChunkRead chunk = new ChunkRead(b, where, slot.data, s, slot.storedCrc);
          List<ChunkStage> undo = pipelines.get(b.transforms());
          if (undo == null) {
            undo = ChunkStage.readPipeline(b, where);
            pipelines.put(b.transforms(), undo);
          }
          for (ChunkStage stage : undo) stage.undo(chunk);
          ByteBuffer raw = chunk.data;
          if (sink != null) sink.accept(off, raw);
          reader.recycle(slot);
          off += b.rawLen();
          bytes += b.rawLen();
        }
      }
      if (sinks != null) for (RegionEntry r : regions) {
        RegionSource.Sink sink = sinks.get(r.name());
        if (sink != null) sink.finish();
      }
      return bytes;
    } finally {
      reader.close();
      for (Storage.Input in : packs.values()) in.close();
    }
  }

  /** Outcome of {@link #verify}. */
  public enum Check {
    /** Every chunk read and matched its checksums. */
    OK,
    /** Something is wrong with the data ({@link Verified#error} says what and where). */
    DAMAGED,
    /** The version was uncommitted (retention, prune, delete) while it was being verified: not damaged. */
    REMOVED,
    /** The reader could not get the memory to check it: not damaged, not checked. */
    UNCHECKED
  }

  /** What {@link #verify} found for one version. */
  public record Verified(long version, Check check, long bytes, String error) {}

  /**
   * Re-reads version {@code v} and checks every chunk. A version removed while it was read (retention
   * of a running program deletes the manifest first, then the data) is reported as {@link Check#REMOVED},
   * not as damaged: the manifest is looked for again after any failure.
   */
  public Verified verify(long v, Scratch s) {
    try {
      Manifest m = readManifest(v);
      return new Verified(v, Check.OK, read(m, null, s), null);
    } catch (NoMemoryException e) {
      return new Verified(v, Check.UNCHECKED, 0, e.getMessage());
    } catch (IOException | RuntimeException e) {
      try {
        if (!storage.exists(dir(v) + "/manifest")) return new Verified(v, Check.REMOVED, 0, "removed while verifying");
      } catch (IOException ignored) {
        // cannot tell: report what was found
      }
      return new Verified(v, Check.DAMAGED, 0, e.getMessage());
    }
  }

  private Storage.Input openPack(long v) throws IOException {
    String name = dir(v) + "/data.pack";
    Storage.Input in;
    try {
      in = storage.open(name);
    } catch (NoSuchFileException e) {
      throw new Manifest.CorruptException(storage.describe() + "/" + name + ": pack is missing");
    }
    ByteBuffer h = ByteBuffer.allocate(PackFormat.HEADER);
    try {
      in.readFully(0, h);
      PackFormat.checkHeader(h, v, storage.describe() + "/" + name);
    } catch (IOException e) {
      in.close();
      throw e instanceof Manifest.CorruptException || e instanceof Manifest.UnsupportedFormatException
          ? e
          : new Manifest.CorruptException(storage.describe() + "/" + name + ": " + e.getMessage());
    }
    return in;
  }
}
