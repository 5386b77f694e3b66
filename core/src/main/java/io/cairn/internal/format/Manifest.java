package io.cairn.internal.format;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The manifest of one version: written last, it is what makes a version exist. Layout (all integers
 * big-endian, strings as Java modified UTF-8 with a 2-byte length) in {@code docs/format.md}.
 */
public record Manifest(
    String run,
    long version,
    long createdMillis,
    long parent,
    String writer,
    String label,
    long step,
    Map<String, String> metadata,
    int blockSize,
    boolean littleEndian,
    List<RegionEntry> regions) {

  public static final byte[] MAGIC = {'C', 'A', 'I', 'R', 'N', 'M', 'F', '1'};
  /** Version 2 records a transform list per chunk (4 bytes) where version 1 recorded a codec byte; both are read. */
  public static final int FORMAT_VERSION = 2;
  /** A manifest larger than this is refused before it is read (a corrupt length field). */
  public static final int MAX_BODY = 256 << 20;
  /** The largest block size a writer may use (the {@code block-size} key's maximum); a larger one is refused at decode. */
  public static final int MAX_BLOCK = 256 << 20;

  public Manifest {
    metadata = Map.copyOf(metadata);
    regions = List.copyOf(regions);
  }

  /** Logical bytes of state (what restore rebuilds). */
  public long logicalBytes() {
    long n = 0;
    for (RegionEntry r : regions) n += r.byteLength();
    return n;
  }

  /** Bytes stored in this version's own pack (not referenced from older versions). */
  public long ownBytes() {
    long n = 0;
    for (RegionEntry r : regions)
      for (BlockRef b : r.blocks()) if (b.pack() == version) n += b.storedLen() + PackFormat.CHUNK_HEADER;
    return n;
  }

  /** Versions whose packs this manifest reads. */
  public java.util.SortedSet<Long> packsUsed() {
    java.util.TreeSet<Long> s = new java.util.TreeSet<>();
    for (RegionEntry r : regions) for (BlockRef b : r.blocks()) s.add(b.pack());
    return s;
  }

  public byte[] encode() {
    try {
      ByteArrayOutputStream bodyBytes = new ByteArrayOutputStream();
      DataOutputStream o = new DataOutputStream(bodyBytes);
      o.writeUTF(run);
      o.writeLong(version);
      o.writeLong(createdMillis);
      o.writeLong(parent);
      o.writeUTF(writer);
      o.writeUTF(label);
      o.writeLong(step);
      o.writeInt(metadata.size());
      for (var e : new java.util.TreeMap<>(metadata).entrySet()) {
        o.writeUTF(e.getKey());
        o.writeUTF(e.getValue());
      }
      o.writeInt(blockSize);
      o.writeByte(littleEndian ? 1 : 0);
      o.writeInt(regions.size());
      for (RegionEntry r : regions) {
        o.writeUTF(r.name());
        o.writeByte(r.kind().id);
        o.writeLong(r.length());
        o.writeLong(r.byteLength());
        o.writeInt(r.blocks().size());
        for (BlockRef b : r.blocks()) {
          o.writeLong(b.pack());
          o.writeLong(b.offset());
          o.writeInt(b.storedLen());
          o.writeInt(b.rawLen());
          o.writeInt(b.transforms());
          o.writeInt(b.storedCrc());
          o.writeLong(b.rawHash());
        }
      }
      o.flush();
      byte[] body = bodyBytes.toByteArray();
      ByteArrayOutputStream all = new ByteArrayOutputStream(body.length + 24);
      DataOutputStream a = new DataOutputStream(all);
      a.write(MAGIC);
      a.writeInt(FORMAT_VERSION);
      a.writeInt(body.length);
      a.write(body);
      CRC32C crc = new CRC32C();
      crc.update(all.toByteArray());
      a.writeInt((int) crc.getValue());
      a.flush();
      return all.toByteArray();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Decodes and validates a manifest; {@code where} names the file in error messages. */
  public static Manifest decode(byte[] data, String where) throws IOException {
    if (data.length < 20) throw new CorruptException(where + ": manifest truncated (" + data.length + " bytes)");
    for (int i = 0; i < MAGIC.length; i++)
      if (data[i] != MAGIC[i]) throw new CorruptException(where + ": not a Cairn manifest (bad magic)");
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
    in.skipNBytes(8);
    int fmt = in.readInt();
    if (fmt < 1 || fmt > FORMAT_VERSION)
      throw new UnsupportedFormatException(where + ": manifest format version " + fmt
          + " is not supported by this Cairn (it reads versions 1 to " + FORMAT_VERSION + "); use a newer Cairn");
    int bodyLen = in.readInt();
    if (bodyLen < 0 || bodyLen > MAX_BODY || 16 + (long) bodyLen + 4 != data.length)
      throw new CorruptException(where + ": manifest length " + bodyLen + " does not match file size " + data.length);
    CRC32C crc = new CRC32C();
    crc.update(data, 0, 16 + bodyLen);
    int stored = ((data[16 + bodyLen] & 0xff) << 24) | ((data[17 + bodyLen] & 0xff) << 16)
        | ((data[18 + bodyLen] & 0xff) << 8) | (data[19 + bodyLen] & 0xff);
    if ((int) crc.getValue() != stored) throw new CorruptException(where + ": manifest checksum mismatch");
    try {
      String run = in.readUTF();
      long version = in.readLong();
      long created = in.readLong();
      long parent = in.readLong();
      String writer = in.readUTF();
      String label = in.readUTF();
      long step = in.readLong();
      int nMeta = in.readInt();
      if (nMeta < 0 || nMeta > 100_000) throw new CorruptException(where + ": bad metadata count " + nMeta);
      Map<String, String> meta = new LinkedHashMap<>();
      for (int i = 0; i < nMeta; i++) meta.put(in.readUTF(), in.readUTF());
      int blockSize = in.readInt();
      if (blockSize < 1 || blockSize > MAX_BLOCK)
        throw new CorruptException(where + ": block size " + blockSize + " is out of range (1.." + MAX_BLOCK + ")");
      boolean le = in.readByte() == 1;
      int nRegions = in.readInt();
      if (nRegions < 0 || nRegions > 10_000_000) throw new CorruptException(where + ": bad region count " + nRegions);
      List<RegionEntry> regions = new ArrayList<>(Math.min(nRegions, 1024));
      java.util.HashSet<String> names = new java.util.HashSet<>();
      java.util.HashSet<Long> chunksOfThisPack = new java.util.HashSet<>();
      java.util.HashSet<BlockRef> older = new java.util.HashSet<>();
      for (int i = 0; i < nRegions; i++) {
        String name = in.readUTF();
        Kind kind = Kind.byId(in.readByte());
        long length = in.readLong();
        long byteLength = in.readLong();
        int nBlocks = in.readInt();
        if (nBlocks < 0 || nBlocks > bodyLen / 33 + 1)
          throw new CorruptException(where + ": bad block count " + nBlocks);
        if (!names.add(name)) throw new CorruptException(where + ": region '" + name + "' appears twice");
        if (length < 0 || byteLength < 0)
          throw new CorruptException(
              where + ": region '" + name + "' has a negative length (" + length + ", " + byteLength + " bytes)");
        long expectedBytes;
        try {
          expectedBytes = Math.multiplyExact(length, (long) kind.elementSize);
        } catch (ArithmeticException e) {
          throw new CorruptException(where + ": region '" + name + "' length " + length + " overflows");
        }
        if (byteLength != expectedBytes)
          throw new CorruptException(
              where + ": region '" + name + "' (" + kind.describe() + ", length " + length + ") should hold "
                  + expectedBytes + " bytes but records " + byteLength);
        if (kind == Kind.OBJECT && byteLength > MAX_OBJECT)
          throw new CorruptException(
              where + ": object region '" + name + "' records " + byteLength + " bytes (at most " + MAX_OBJECT + ")");
        long expectedBlocks = (byteLength + blockSize - 1) / blockSize;
        if (nBlocks != expectedBlocks)
          throw new CorruptException(
              where + ": region '" + name + "' of " + byteLength + " bytes should have " + expectedBlocks
                  + " chunks of at most " + blockSize + " bytes but lists " + nBlocks);
        List<BlockRef> blocks = new ArrayList<>(nBlocks);
        long sum = 0;
        for (int b = 0; b < nBlocks; b++) {
          long pack = in.readLong(), offset = in.readLong();
          int storedLen = in.readInt(), rawLen = in.readInt();
          // version 1: one codec byte; version 2: the transform list (ChunkTransforms), whose first byte is the codec of version 1
          int transforms = fmt == 1 ? (in.readByte() & 0xff) << 24 : in.readInt();
          if (fmt == 1 && ChunkTransforms.id(transforms, 0) > Codec.ZSTD.id)
            throw new CorruptException(
                where + ": region '" + name + "' chunk " + b + " has codec id " + ChunkTransforms.id(transforms, 0)
                    + " (format version 1 knows 0 none, 1 lz4, 2 zstd)");
          BlockRef ref = new BlockRef(pack, offset, storedLen, rawLen, transforms, in.readInt(), in.readLong());
          if (ref.pack() < 1 || ref.pack() > version || ref.offset() < PackFormat.HEADER || ref.storedLen() < 1
              || ref.rawLen() < 1)
            throw new CorruptException(where + ": region '" + name + "' block " + b + " has invalid location " + ref);
          int wantRaw = b < nBlocks - 1 ? blockSize : (int) (byteLength - (long) blockSize * (nBlocks - 1));
          if (ref.rawLen() != wantRaw)
            throw new CorruptException(
                where + ": region '" + name + "' block " + b + " holds " + ref.rawLen() + " raw bytes, expected "
                    + wantRaw + " (block size " + blockSize + ")");
          ChunkTransforms.check(ref.transforms(), ref.storedLen(), ref.rawLen(), where,
              "region '" + name + "' chunk " + b + " (pack of version " + ref.pack() + ", offset " + ref.offset()
                  + ")");
          // a writer stores every chunk of a version once: a chunk referenced twice would make a small
          // checkpoint expand without bound (one chunk repeated N times)
          boolean fresh = ref.pack() == version
              ? chunksOfThisPack.add(ref.offset())
              : older.add(new BlockRef(ref.pack(), ref.offset(), 0, 0, 0, 0, 0));
          if (!fresh)
            throw new CorruptException(
                where + ": region '" + name + "' block " + b + " references a chunk (version " + ref.pack()
                    + ", offset " + ref.offset() + ") already used by this version");
          sum += ref.rawLen();
          blocks.add(ref);
        }
        if (sum != byteLength)
          throw new CorruptException(
              where + ": region '" + name + "' blocks hold " + sum + " bytes, expected " + byteLength);
        regions.add(new RegionEntry(name, kind, length, byteLength, blocks));
      }
      if (in.available() != 4) throw new CorruptException(where + ": trailing bytes in manifest");
      return new Manifest(run, version, created, parent, writer, label, step, meta, blockSize, le, regions);
    } catch (java.io.EOFException e) {
      throw new CorruptException(where + ": manifest ends early");
    }
  }

  /** The largest object region (it is read into one {@code byte[]}). */
  public static final long MAX_OBJECT = Integer.MAX_VALUE - 16;

  public static boolean nativeLittleEndian() { return ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN; }

  /** The data of a checkpoint is damaged (checksum, length or structure). */
  public static class CorruptException extends IOException {
    public CorruptException(String msg) { super(msg); }
  }

  /** The data was written by a newer format this reader does not understand. */
  public static class UnsupportedFormatException extends IOException {
    public UnsupportedFormatException(String msg) { super(msg); }
  }
}
