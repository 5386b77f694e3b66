package io.cairn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.testing.TestCheckpointers;
import io.cairn.spi.DeviceMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The DeviceMemory SPI with memory that only pretends to be on a device (the real ones are tested in cairn-device). */
class DeviceMemoryTest {
  @TempDir
  Path dir;

  /** "Device" memory in a private segment; records the pieces a restore hands over. */
  static final class FakeDevice implements DeviceMemory {
    final MemorySegment mem;
    final Class<?> type;
    final List<long[]> pieces = new ArrayList<>();
    final List<MemorySegment> sources = new ArrayList<>();
    int restoredCalls;

    FakeDevice(Class<?> type, long bytes) {
      this.type = type;
      this.mem = Arena.ofAuto().allocate(bytes, 8);
    }

    @Override
    public Class<?> elementType() { return type; }
    @Override
    public long length() {
      return mem.byteSize() / (type == double.class || type == long.class ? 8 : type == byte.class ? 1 : 4);
    }
    @Override
    public void copyToHost(MemorySegment dst) { dst.copyFrom(mem); }
    @Override
    public void copyFromHost(long offset, MemorySegment src) {
      assertThat(src.isNative()).isTrue();
      pieces.add(new long[]{offset, src.byteSize()});
      sources.add(src);
      // "asynchronous": the copy happens only in restored(), from the memory handed over here
    }
    @Override
    public void restored() {
      restoredCalls++;
      for (int i = 0; i < pieces.size(); i++)
        MemorySegment.copy(sources.get(i), 0, mem, pieces.get(i)[0], pieces.get(i)[1]);
    }
  }

  Checkpointer.Builder builder(String mode) {
    return TestCheckpointers.builder("d", dir, "local").set("mode", mode).set("block-size", "1MiB");
  }

  @ParameterizedTest
  @ValueSource(strings = {"sync", "async"})
  void roundTripsInLargePiecesThatStayValidUntilRestored(String mode) {
    long bytes = (70L << 20) + 12; // 70 MiB + 3 ints: two full 32 MiB pieces and a partial one
    FakeDevice d = new FakeDevice(int.class, bytes);
    for (long i = 0; i < bytes / 4; i++) d.mem.setAtIndex(ValueLayout.JAVA_INT, i, (int) (i * 2654435761L));
    MemorySegment want = Arena.ofAuto().allocate(bytes, 8).copyFrom(d.mem);
    try (Checkpointer c = builder(mode).open()) {
      c.protect("grid", d);
      Version v = c.checkpoint().await();
      d.mem.fill((byte) 0);
      c.restore(v.number());
    }
    assertThat(d.mem.mismatch(want)).isEqualTo(-1);
    assertThat(d.restoredCalls).isEqualTo(1);
    assertThat(d.pieces).hasSize(3);
    assertThat(d.pieces.get(0)).containsExactly(0, 32L << 20);
    assertThat(d.pieces.get(2)).containsExactly(64L << 20, (6L << 20) + 12);
  }

  /**
   * Raw blocks of a device region are read straight into its host shadow and checksummed there (no copy
   * through a read buffer): a flipped bit in the newest version is still caught, nothing of it reaches
   * the device as verified, and the older version is restored whole.
   */
  @Test
  void aFlippedBitReadInPlaceFallsBackToTheOlderVersion() throws java.io.IOException {
    long bytes = (40L << 20) + 8;
    FakeDevice d = new FakeDevice(long.class, bytes);
    for (long i = 0; i < bytes / 8; i++) d.mem.setAtIndex(ValueLayout.JAVA_LONG, i, i * 0x9E3779B97F4A7C15L);
    MemorySegment v1 = Arena.ofAuto().allocate(bytes, 8).copyFrom(d.mem);
    try (Checkpointer c = builder("sync").open()) {
      c.protect("grid", d);
      c.checkpoint().await();
      for (long i = 0; i < bytes / 8; i += 1000) d.mem.setAtIndex(ValueLayout.JAVA_LONG, i, -i);
      c.checkpoint().await();
    }
    Path pack;
    try (var w = java.nio.file.Files.walk(dir)) {
      pack = w.filter(p -> p.endsWith(Path.of("v0000000002", "data.pack"))).findFirst().orElseThrow();
    }
    try (var ch = java.nio.channels.FileChannel.open(pack, java.nio.file.StandardOpenOption.READ,
        java.nio.file.StandardOpenOption.WRITE)) {
      long at = ch.size() - (3L << 20); // inside one of the last blocks, after two 32 MiB pieces were handed over
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
      ch.read(b, at);
      b.put(0, (byte) (b.get(0) ^ 0x10));
      ch.write(b.rewind(), at);
    }
    d.mem.fill((byte) 0);
    d.pieces.clear();
    d.sources.clear();
    try (Checkpointer c = builder("sync").open()) {
      c.protect("grid", d);
      assertThat(c.restoreLatest()).map(Version::number).contains(1L);
    }
    assertThat(d.mem.mismatch(v1)).isEqualTo(-1);
  }

  @Test
  void storedAndCheckedLikeAnArray() {
    FakeDevice d = new FakeDevice(double.class, 800);
    for (int i = 0; i < 100; i++) d.mem.setAtIndex(ValueLayout.JAVA_DOUBLE, i, i / 3.0);
    try (Checkpointer c = builder("sync").open()) {
      Version v = c.protect("x", d).checkpoint().await();
      assertThat(c.regions(v.number())).containsExactly(new Checkpointer.Region("x", "double[]", 100));
    }
    double[] a = new double[100];
    try (Checkpointer c = builder("sync").open()) {
      assertThat(c.protect("x", a).restoreLatest()).isPresent();
    }
    for (int i = 0; i < 100; i++) assertThat(a[i]).isEqualTo(i / 3.0);
    try (Checkpointer c = builder("sync").open()) {
      c.protect("x", new FakeDevice(float.class, 400));
      assertThatThrownBy(c::restoreLatest).isInstanceOf(StateMismatchException.class)
          .hasMessageContaining("'x' is float[] but the checkpoint holds double[]");
    }
    try (Checkpointer c = builder("sync").open()) {
      assertThatThrownBy(() -> c.protect("b", new DeviceMemory() {
        @Override
        public Class<?> elementType() { return boolean.class; }
        @Override
        public long length() { return 1; }
        @Override
        public void copyToHost(MemorySegment dst) {}
        @Override
        public void copyFromHost(long offset, MemorySegment src) {}
      })).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("element type must be a primitive other than boolean");
    }
  }
}
