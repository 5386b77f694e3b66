package io.cairn.internal.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Layout of a pack file ({@code data.pack}): a 32-byte header, then chunks, each a 32-byte header
 * and its stored bytes. Integers are big-endian. See {@code docs/format.md}.
 */
public final class PackFormat {
  private PackFormat() {}

  public static final byte[] MAGIC = {'C', 'A', 'I', 'R', 'N', 'P', 'K', '1'};
  /** Version 2: chunk header bytes 4..7 hold the transform list (version 1: the codec, then zeros); both are read. */
  public static final int FORMAT_VERSION = 2;
  public static final int HEADER = 32;
  public static final int CHUNK_HEADER = 32;
  public static final int CHUNK_MAGIC = 0x43484E4B; // "CHNK"

  public static ByteBuffer header(long version) {
    ByteBuffer b = ByteBuffer.allocate(HEADER);
    b.put(MAGIC).putInt(FORMAT_VERSION).putInt(Manifest.nativeLittleEndian() ? 1 : 0).putLong(version).putLong(0);
    return b.flip();
  }

  public static void checkHeader(ByteBuffer b, long version, String where) throws IOException {
    for (int i = 0; i < MAGIC.length; i++)
      if (b.get(i) != MAGIC[i]) throw new Manifest.CorruptException(where + ": not a Cairn pack (bad magic)");
    int fmt = b.getInt(8);
    if (fmt < 1 || fmt > FORMAT_VERSION)
      throw new Manifest.UnsupportedFormatException(
          where + ": pack format version " + fmt + " is not supported (this Cairn reads 1 to "
              + FORMAT_VERSION + ")");
    if (b.getLong(16) != version)
      throw new Manifest.CorruptException(
          where + ": pack belongs to version " + b.getLong(16) + ", expected " + version);
  }

  /** Writes a chunk header into {@code b} (32 bytes at its position). */
  public static void putChunkHeader(ByteBuffer b, int transforms, int rawLen, int storedLen, int storedCrc,
      long rawHash) {
    int start = b.position();
    b.putInt(CHUNK_MAGIC).putInt(transforms)
        .putInt(rawLen).putInt(storedLen).putInt(storedCrc).putLong(rawHash);
    CRC32C crc = new CRC32C();
    crc.update(b.duplicate().position(start).limit(start + 28));
    b.putInt((int) crc.getValue());
  }

  /** Validates a chunk header read from a pack against what the manifest says of it. */
  public static void checkChunkHeader(ByteBuffer b, BlockRef ref, String where) throws IOException {
    CRC32C crc = new CRC32C();
    crc.update(b.duplicate().position(0).limit(28));
    if (b.getInt(0) != CHUNK_MAGIC || b.getInt(28) != (int) crc.getValue())
      throw new Manifest.CorruptException(where + ": damaged chunk header at offset " + ref.offset());
    if (b.getInt(4) != ref.transforms() || b.getInt(8) != ref.rawLen() || b.getInt(12) != ref.storedLen()
        || b.getInt(16) != ref.storedCrc())
      throw new Manifest.CorruptException(where + ": chunk at offset " + ref.offset() + " does not match the manifest");
  }
}
