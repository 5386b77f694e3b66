package io.cairn.redundancy.internal;

import io.cairn.internal.util.AtomicFiles;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A partner copy or a parity file (format in docs/redundancy.md):
 * <pre>
 * magic "CAIRNRD1" | u32 format version (1) | u32 header length H | header (H bytes) | u32 CRC32C of all before |
 * section bytes, at the offsets the header gives (relative to the end of the header CRC)
 * </pre>
 * Every section carries its own CRC32C, checked before a byte of it is used.
 *
 * @param kind        {@link #PARTNER}, {@link #PARITY} or {@link #CATALOG} (every member, no sections)
 * @param run         the run name
 * @param id          the checkpoint id the data belongs to (the global version)
 * @param scheme      e.g. {@code "rs:4+2"}
 * @param setId       the set (0 for partner copies)
 * @param k           data shards per stripe (partner: 1)
 * @param m           parity shards per stripe (partner: 1)
 * @param packet      packet size of the code
 * @param holder      the rank whose node stores this file
 * @param members     the ranks whose data this file protects, in set order, with their bundle length and CRC32C
 * @param pieceLength bytes of one piece (parity: padded piece; partner: the bundle length)
 * @param sections    the stored sections
 */
public record RedFile(int kind, String run, long id, String scheme, int setId, int k, int m, int packet, int holder,
    List<Member> members, long pieceLength, List<Section> sections) {
  public static final int PARTNER = 1, PARITY = 2, CATALOG = 3;
  static final byte[] MAGIC = {'C', 'A', 'I', 'R', 'N', 'R', 'D', '1'};
  public static final int FORMAT = 1;
  private static final int MAX_HEADER = 16 << 20;

  public RedFile {
    members = List.copyOf(members);
    sections = List.copyOf(sections);
  }

  /** A protected rank: its node, the Cairn version of its run, and its bundle's length and CRC32C. */
  public record Member(int rank, String node, long version, long length, int crc) {}

  /** Parity row {@code row} of stripe {@code stripe} (partner: stripe 0 row 0 = the bundle). */
  public record Section(int stripe, int row, long offset, long length, int crc) {}

  /** The index of a rank in {@link #members()}, or -1. */
  public int indexOf(int rank) {
    for (int i = 0; i < members.size(); i++) if (members.get(i).rank() == rank) return i;
    return -1;
  }

  /** True when two files describe the same set and data (their member tables agree). */
  public boolean sameSet(RedFile o) {
    return kind == o.kind && id == o.id && run.equals(o.run) && scheme.equals(o.scheme) && setId == o.setId && k == o.k
        && m == o.m
        && packet == o.packet && pieceLength == o.pieceLength && members.equals(o.members);
  }

  private byte[] header() throws IOException {
    ByteArrayOutputStream bo = new ByteArrayOutputStream();
    DataOutputStream o = new DataOutputStream(bo);
    o.writeByte(kind);
    o.writeUTF(run);
    o.writeLong(id);
    o.writeUTF(scheme);
    o.writeInt(setId);
    o.writeShort(k);
    o.writeShort(m);
    o.writeInt(packet);
    o.writeInt(holder);
    o.writeInt(members.size());
    for (Member x : members) {
      o.writeInt(x.rank());
      o.writeUTF(x.node());
      o.writeLong(x.version());
      o.writeLong(x.length());
      o.writeInt(x.crc());
    }
    o.writeLong(pieceLength);
    o.writeInt(sections.size());
    for (Section s : sections) {
      o.writeInt(s.stripe());
      o.writeShort(s.row());
      o.writeLong(s.offset());
      o.writeLong(s.length());
      o.writeInt(s.crc());
    }
    o.flush();
    return bo.toByteArray();
  }

  /**
   * Writes a file whose sections are {@code bodies[i][offs[i] .. offs[i] + lens[i])}, the section list
   * of this record giving stripe and row (offsets and CRCs are filled in here). Temporary name, fsync,
   * atomic rename.
   */
  public RedFile write(Path target, byte[][] bodies, int[] offs, int[] lens) throws IOException {
    List<Section> secs = new ArrayList<>();
    long pos = 0;
    for (int i = 0; i < sections.size(); i++) {
      CRC32C c = new CRC32C();
      c.update(bodies[i], offs[i], lens[i]);
      secs.add(new Section(sections.get(i).stripe(), sections.get(i).row(), pos, lens[i], (int) c.getValue()));
      pos += lens[i];
    }
    RedFile f = new RedFile(kind, run, id, scheme, setId, k, m, packet, holder, members, pieceLength, secs);
    byte[] h = f.header();
    ByteBuffer pre = ByteBuffer.allocate(16 + h.length + 4);
    pre.put(MAGIC).putInt(FORMAT).putInt(h.length).put(h);
    CRC32C c = new CRC32C();
    c.update(pre.array(), 0, 16 + h.length);
    pre.putInt((int) c.getValue()).flip();
    AtomicFiles.write(target, false, ch -> {
      AtomicFiles.writeFully(ch, pre);
      for (int i = 0; i < bodies.length; i++) AtomicFiles.writeFully(ch, ByteBuffer.wrap(bodies[i], offs[i], lens[i]));
    });
    return f;
  }

  /** An opened file: its validated header and where the sections start. */
  public record Opened(Path path, RedFile file, long bodyStart) {
    /** Reads section {@code s} into {@code dst[off..]} and checks its CRC32C. */
    public void read(Section s, byte[] dst, int off) throws IOException {
      try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
        if (bodyStart + s.offset() + s.length() > ch.size())
          throw new IOException(
              path + ": truncated (section of stripe " + s.stripe() + " row " + s.row() + " ends past the file)");
        ByteBuffer b = ByteBuffer.wrap(dst, off, (int) s.length());
        long p = bodyStart + s.offset();
        while (b.hasRemaining()) {
          int n = ch.read(b, p);
          if (n < 0) throw new IOException(path + ": unexpected end of file");
          p += n;
        }
      }
      CRC32C c = new CRC32C();
      c.update(dst, off, (int) s.length());
      if ((int) c.getValue() != s.crc())
        throw new IOException(path + ": CRC32C mismatch in stripe " + s.stripe() + " row " + s.row() + " (corrupt "
            + (file.kind() == PARTNER ? "partner copy" : "parity") + ")");
    }
  }

  /** Opens a file and validates magic, format version, header length and header CRC32C. */
  public static Opened open(Path path) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      ByteBuffer pre = ByteBuffer.allocate(16);
      if (ch.read(pre, 0) < 16) throw new IOException(path + ": too short for a redundancy file");
      pre.flip();
      byte[] magic = new byte[8];
      pre.get(magic);
      if (!java.util.Arrays.equals(magic, MAGIC))
        throw new IOException(path + ": not a Cairn redundancy file (bad magic)");
      int fmt = pre.getInt();
      if (fmt != FORMAT)
        throw new IOException(path + ": redundancy format version " + fmt + " is not supported by this Cairn");
      int hl = pre.getInt();
      if (hl < 0 || hl > MAX_HEADER || 16L + hl + 4 > ch.size())
        throw new IOException(path + ": bad header length " + hl);
      ByteBuffer all = ByteBuffer.allocate(16 + hl + 4);
      while (all.hasRemaining())
        if (ch.read(all, all.position()) < 0) throw new IOException(path + ": truncated header");
      CRC32C c = new CRC32C();
      c.update(all.array(), 0, 16 + hl);
      if ((int) c.getValue() != all.getInt(16 + hl))
        throw new IOException(path + ": header CRC32C mismatch (corrupt header)");
      DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(all.array(), 16, hl));
      int kind = in.readUnsignedByte();
      if (kind != PARTNER && kind != PARITY && kind != CATALOG) throw new IOException(path + ": unknown kind " + kind);
      String run = in.readUTF();
      long id = in.readLong();
      String scheme = in.readUTF();
      int setId = in.readInt();
      int k = in.readUnsignedShort(), m = in.readUnsignedShort();
      int packet = in.readInt();
      int holder = in.readInt();
      int nm = in.readInt();
      if (nm < 1 || nm > 65_536) throw new IOException(path + ": bad member count " + nm);
      List<Member> members = new ArrayList<>();
      for (int i = 0; i < nm; i++)
        members.add(new Member(in.readInt(), in.readUTF(), in.readLong(), in.readLong(), in.readInt()));
      long piece = in.readLong();
      int ns = in.readInt();
      if (ns < 0 || ns > 65_536) throw new IOException(path + ": bad section count " + ns);
      List<Section> secs = new ArrayList<>();
      for (int i = 0; i < ns; i++) {
        Section s = new Section(in.readInt(), in.readUnsignedShort(), in.readLong(), in.readLong(), in.readInt());
        if (s.offset() < 0 || s.length() < 0 || s.length() > Integer.MAX_VALUE)
          throw new IOException(path + ": bad section " + s);
        secs.add(s);
      }
      if (k < 1 || m < 1 || piece < 0 || piece > Integer.MAX_VALUE)
        throw new IOException(path + ": bad code parameters k=" + k + " m=" + m + " piece=" + piece);
      return new Opened(path, new RedFile(kind, run, id, scheme, setId, k, m, packet, holder, members, piece, secs),
          16L + hl + 4);
    }
  }
}
