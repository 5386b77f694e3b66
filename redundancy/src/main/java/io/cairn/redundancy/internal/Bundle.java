package io.cairn.redundancy.internal;

import io.cairn.internal.util.AtomicFiles;
import io.cairn.internal.format.Manifest;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * The files that make one committed Cairn version readable, in one byte array: the version's manifest
 * and every {@code data.pack} it reads (its own and, for incremental versions, older ones).
 *
 * <pre>
 * magic "CAIRNBD1" | u32 format version (1) | u32 file count |
 * per file: name (u16-length modified UTF-8, "vNNNNNNNNNN/data.pack" or ".../manifest"), u64 length |
 * file bytes in the same order
 * </pre>
 * Unpacking validates every name and length and writes the packs first and the manifest last
 * (temporary name, fsync, atomic rename), as the core's commit protocol does.
 */
public final class Bundle {
  static final byte[] MAGIC = {'C', 'A', 'I', 'R', 'N', 'B', 'D', '1'};
  static final int FORMAT = 1;
  private static final Pattern NAME = Pattern.compile("v\\d{10}/(data\\.pack|manifest)");

  private Bundle() {}

  public static String dir(long v) { return String.format("v%010d", v); }

  /** True when the run directory holds a manifest for {@code version}. */
  public static boolean exists(Path runDir, long version) {
    return Files.isRegularFile(runDir.resolve(dir(version)).resolve("manifest"));
  }

  /**
   * Reads version {@code version} of the run in {@code runDir} into a bundle.
   * @throws IOException when the manifest or a pack it needs is missing or the manifest is corrupt
   */
  public static byte[] pack(Path runDir, long version) throws IOException {
    Path mf = runDir.resolve(dir(version)).resolve("manifest");
    byte[] manifest;
    try {
      manifest = Files.readAllBytes(mf);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(mf.toString(), null, "version " + version + " is not committed here (no manifest)");
    }
    Manifest m = Manifest.decode(manifest, mf.toString());
    if (m.version() != version)
      throw new IOException(mf + ": manifest is of version " + m.version() + ", expected " + version);
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (long p : m.packsUsed()) {
      String n = dir(p) + "/data.pack";
      files.put(n, Files.readAllBytes(runDir.resolve(n)));
    }
    files.put(dir(version) + "/manifest", manifest);
    ByteArrayOutputStream bo = new ByteArrayOutputStream();
    DataOutputStream o = new DataOutputStream(bo);
    o.write(MAGIC);
    o.writeInt(FORMAT);
    o.writeInt(files.size());
    long total = 0;
    for (var e : files.entrySet()) {
      o.writeUTF(e.getKey());
      o.writeLong(e.getValue().length);
      total += e.getValue().length;
    }
    if (total + bo.size() > Integer.MAX_VALUE - 64)
      throw new IOException(
          runDir + " version " + version + ": " + total + " bytes is more than one redundancy bundle holds (2 GiB)");
    for (byte[] b : files.values()) o.write(b);
    o.flush();
    return bo.toByteArray();
  }

  public static int crc(byte[] b, int off, int len) {
    CRC32C c = new CRC32C();
    c.update(b, off, len);
    return (int) c.getValue();
  }

  /** The names and lengths in a bundle, validated; the file bytes follow the header and fill the rest. */
  public static Map<String, Long> entries(byte[] b, int length, String where) throws IOException {
    java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(b, 0, length));
    try {
      byte[] magic = in.readNBytes(8);
      if (!java.util.Arrays.equals(magic, MAGIC)) throw new IOException(where + ": not a Cairn bundle (bad magic)");
      int fmt = in.readInt();
      if (fmt != FORMAT)
        throw new IOException(where + ": bundle format version " + fmt + " is not supported by this Cairn");
      int count = in.readInt();
      if (count < 1 || count > 100_000) throw new IOException(where + ": bad file count " + count);
      Map<String, Long> out = new LinkedHashMap<>();
      long total = 0;
      for (int i = 0; i < count; i++) {
        String name = in.readUTF();
        if (!NAME.matcher(name).matches()) throw new IOException(where + ": bad file name '" + name + "' in bundle");
        long len = in.readLong();
        if (len < 0 || len > length) throw new IOException(where + ": bad length " + len + " of " + name);
        total += len;
        if (out.put(name, len) != null) throw new IOException(where + ": " + name + " is twice in the bundle");
      }
      if (total != in.available())
        throw new IOException(where + ": bundle lists " + total + " bytes of files but holds " + in.available());
      return out;
    } catch (java.io.EOFException | java.io.UTFDataFormatException e) {
      throw new IOException(where + ": bundle header is truncated or corrupt");
    }
  }

  /** Writes the bundle's files into {@code runDir}: packs first, manifests last, each made durable. */
  public static List<Path> unpack(byte[] b, int length, Path runDir, String where) throws IOException {
    Map<String, Long> entries = entries(b, length, where);
    long total = 0;
    for (long l : entries.values()) total += l;
    int pos = (int) (length - total);
    Path root = runDir.toAbsolutePath().normalize();
    List<Path> written = new ArrayList<>();
    List<Object[]> manifests = new ArrayList<>();
    for (var e : entries.entrySet()) {
      int off = pos, len = (int) (long) e.getValue();
      pos += len;
      Path target = root.resolve(e.getKey()).normalize();
      if (!target.startsWith(root)) throw new IOException(where + ": " + e.getKey() + " leaves " + runDir);
      if (e.getKey().endsWith("/manifest")) { manifests.add(new Object[]{target, off, len}); continue; }
      writeDurably(target, b, off, len);
      written.add(target);
    }
    for (Object[] mf : manifests) {
      writeDurably((Path) mf[0], b, (int) mf[1], (int) mf[2]);
      written.add((Path) mf[0]);
    }
    syncDir(root);
    return written;
  }

  /** Writes to a temporary name (mode 0600), fsyncs, renames atomically, fsyncs the directory (core's {@link AtomicFiles}). */
  public static void writeDurably(Path target, byte[] b, int off, int len) throws IOException {
    AtomicFiles.write(target, true, ch -> AtomicFiles.writeFully(ch, ByteBuffer.wrap(b, off, len)));
  }

  public static void syncDir(Path dir) {
    AtomicFiles.syncDir(dir);
  }

}
