package io.cairn.internal.engine;

import io.cairn.internal.format.Kind;
import io.cairn.internal.format.RegionEntry;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** The built-in region kinds: primitive arrays, byte buffers and routed files. */
public final class Regions {
  private Regions() {}

  public static RegionSource array(String name, Object array) {
    Kind kind = switch (array) {
      case boolean[] a -> Kind.BOOLEAN;
      case byte[] a -> Kind.BYTE;
      case char[] a -> Kind.CHAR;
      case short[] a -> Kind.SHORT;
      case int[] a -> Kind.INT;
      case float[] a -> Kind.FLOAT;
      case long[] a -> Kind.LONG;
      case double[] a -> Kind.DOUBLE;
      default -> throw new IllegalArgumentException("'" + name + "': not a primitive array: " + array.getClass());
    };
    if (kind == Kind.BOOLEAN) return new BooleanRegion(name, (boolean[]) array);
    MemorySegment seg = switch (array) {
      case byte[] a -> MemorySegment.ofArray(a);
      case char[] a -> MemorySegment.ofArray(a);
      case short[] a -> MemorySegment.ofArray(a);
      case int[] a -> MemorySegment.ofArray(a);
      case float[] a -> MemorySegment.ofArray(a);
      case long[] a -> MemorySegment.ofArray(a);
      case double[] a -> MemorySegment.ofArray(a);
      default -> throw new IllegalArgumentException(name);
    };
    return new SegmentRegion(name, kind, seg.byteSize() / kind.elementSize, seg);
  }

  public static RegionSource buffer(String name, ByteBuffer buffer) {
    MemorySegment seg = MemorySegment.ofBuffer(buffer.duplicate().clear());
    if (buffer.isReadOnly())
      throw new IllegalArgumentException("'" + name + "': a read-only ByteBuffer cannot be restored into");
    return new SegmentRegion(name, Kind.BUFFER, buffer.capacity(), seg);
  }

  /** Device memory, stored as the array kind of its element type (so restores check it like an array). */
  public static RegionSource device(String name, io.cairn.spi.DeviceMemory memory) {
    Class<?> t = memory.elementType();
    Kind kind = t == byte.class
        ? Kind.BYTE
        : t == short.class
            ? Kind.SHORT
            : t == char.class
                ? Kind.CHAR
                : t == int.class
                    ? Kind.INT
                    : t == long.class
                        ? Kind.LONG
                        : t == float.class ? Kind.FLOAT : t == double.class ? Kind.DOUBLE : null;
    if (kind == null)
      throw new IllegalArgumentException(
          "'" + name + "': device memory element type must be a primitive other than boolean, not " + t);
    long length = memory.length();
    if (length < 0 || length > Long.MAX_VALUE / kind.elementSize)
      throw new IllegalArgumentException("'" + name + "': bad device memory length " + length);
    return new DeviceRegion(name, kind, length, memory);
  }

  /**
   * Device memory: at capture it copies itself into host memory (staging memory in async mode, a host
   * shadow reused between synchronous checkpoints otherwise); at restore each verified block is written
   * straight to the device.
   */
  static final class DeviceRegion implements RegionSource {
    private final String name;
    private final Kind kind;
    private final long length;
    private final io.cairn.spi.DeviceMemory memory;
    private MemorySegment shadow;

    DeviceRegion(String name, Kind kind, long length, io.cairn.spi.DeviceMemory memory) {
      this.name = name;
      this.kind = kind;
      this.length = length;
      this.memory = memory;
    }

    @Override
    public String name() { return name; }
    @Override
    public Kind kind() { return kind; }
    @Override
    public long length() { return length; }

    /** Host memory of the region's size, kept between uses (sync captures, restores). */
    private MemorySegment shadow() {
      long bytes = length * kind.elementSize;
      if (shadow == null) shadow = Arena.ofAuto().allocate(Math.max(1, bytes), 64).asSlice(0, bytes);
      return shadow;
    }

    @Override
    public MemorySegment capture(Arena arena, Stager stager) throws IOException {
      MemorySegment dst = stager != null ? stager.allocate(length * kind.elementSize) : shadow();
      memory.copyToHost(dst);
      return dst;
    }

    /** Pieces handed to the device during a restore: large (few commands) but several (the copy overlaps the read of the next ones). */
    static final long RESTORE_PIECE = 32L << 20;

    /**
     * Verified blocks are gathered in the shadow and handed over in pieces of {@link #RESTORE_PIECE}
     * bytes, which stay untouched until {@code restored()}: the device copies may run while the next
     * blocks are read and verified.
     */
    @Override
    public Sink sink(RegionEntry entry) {
      MemorySegment sh = shadow();
      return new Sink() {
        long filled, handed;
        boolean inOrder = true;

        @Override
        public MemorySegment readTarget(long offset, long length) {
          // the shadow is private, and a block is handed to the device only after accept() (verified); the
          // reader thread asks for blocks in order, ahead of those handed over
          return offset >= 0 && offset + length <= sh.byteSize() ? sh.asSlice(offset, length) : null;
        }

        @Override
        public void accept(long offset, ByteBuffer data) throws IOException {
          long n = data.remaining();
          MemorySegment src = MemorySegment.ofBuffer(data);
          if (!src.isNative() || src.address() != sh.address() + offset) MemorySegment.copy(src, 0, sh, offset, n); // else read in place
          if (offset != filled) inOrder = false;
          filled = Math.max(filled, offset + n);
          if (inOrder && filled - handed >= RESTORE_PIECE) {
            memory.copyFromHost(handed, sh.asSlice(handed, filled - handed));
            handed = filled;
          }
        }

        @Override
        public void finish() throws IOException {
          if (!inOrder) handed = 0;
          if (sh.byteSize() > handed) memory.copyFromHost(handed, sh.asSlice(handed, sh.byteSize() - handed));
          memory.restored();
        }
      };
    }
  }

  /** Arrays and buffers: a live view; the restore writes straight into the program's memory. */
  record SegmentRegion(String name, Kind kind, long length, MemorySegment seg) implements RegionSource {
    @Override
    public MemorySegment capture(Arena arena, Stager stager) {
      return stager != null ? stager.copy(seg) : seg;
    }

    @Override
    public Sink sink(RegionEntry entry) {
      return new Sink() {
        @Override
        public void accept(long offset, ByteBuffer data) {
          MemorySegment.copy(MemorySegment.ofBuffer(data), 0, seg, offset, data.remaining());
        }
        @Override
        public void finish() {}
      };
    }
  }

  record BooleanRegion(String name, boolean[] array) implements RegionSource {
    @Override
    public Kind kind() { return Kind.BOOLEAN; }
    @Override
    public long length() { return array.length; }

    @Override
    public MemorySegment capture(Arena arena, Stager stager) {
      byte[] b = new byte[array.length]; // a private copy already: no staging needed
      for (int i = 0; i < b.length; i++) b[i] = (byte) (array[i] ? 1 : 0);
      return MemorySegment.ofArray(b);
    }

    @Override
    public Sink sink(RegionEntry entry) {
      return new Sink() {
        @Override
        public void accept(long offset, ByteBuffer data) {
          int base = (int) offset;
          for (int i = 0; data.hasRemaining(); i++) array[base + i] = data.get() != 0;
        }
        @Override
        public void finish() {}
      };
    }
  }

  /** A file the program wrote at a path Cairn gave it; restored to the same path. */
  public record FileRegion(String name, Path path) implements RegionSource {
    @Override
    public Kind kind() { return Kind.FILE; }
    @Override
    public long length() { return -1; }

    @Override
    public MemorySegment capture(Arena arena, Stager stager) throws IOException {
      try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
        long size = ch.size();
        if (size == 0) return MemorySegment.NULL.reinterpret(0);
        MemorySegment mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        return stager != null ? stager.copy(mapped) : mapped;
      }
    }

    @Override
    public Sink sink(RegionEntry entry) throws IOException {
      Files.createDirectories(path.getParent());
      Path tmp = path.resolveSibling(path.getFileName() + ".cairn-restore");
      FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING);
      return new Sink() {
        @Override
        public void accept(long offset, ByteBuffer data) throws IOException {
          while (data.hasRemaining()) ch.write(data, offset + (data.position()));
        }
        @Override
        public void finish() throws IOException {
          ch.force(true);
          ch.close();
          Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
      };
    }
  }
}
