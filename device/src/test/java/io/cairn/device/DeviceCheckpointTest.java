package io.cairn.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.Checkpointer;
import io.cairn.Metadata;
import io.cairn.StateMismatchException;
import io.cairn.Version;
import io.cairn.device.opencl.ClBuffer;
import io.cairn.device.opencl.ClContext;
import io.cairn.device.opencl.ClQueue;
import io.cairn.device.opencl.OpenCL;
import io.cairn.testing.TestCheckpointers;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** OpenCL buffers (PoCL on the CPU) as checkpointed state: round trips, mismatches, corruption. */
class DeviceCheckpointTest {
  static ClContext ctx;
  static ClQueue queue;
  @TempDir
  Path dir;

  @BeforeAll
  static void open() {
    Assumptions.assumeTrue(OpenCL.available(), () -> "OpenCL is not usable here: " + OpenCL.unavailableReason());
    ctx = OpenCL.device(0).createContext();
    queue = ctx.createQueue();
  }

  @AfterAll
  static void close() {
    if (queue != null) queue.close();
    if (ctx != null) ctx.close();
  }

  Checkpointer.Builder builder(String mode) {
    return TestCheckpointers.builder("dev", dir, "local", "persistent").set("level.local.keep", "3")
        .set("level.persistent.keep", "3").set("level.persistent.every", "1").set("block-size", "64KiB")
        .set("mode", mode);
  }

  static final List<Class<?>> TYPES = List.of(byte.class, short.class, char.class, int.class, long.class, float.class,
      double.class);

  static MemorySegment random(long bytes, long seed) {
    MemorySegment s = Arena.ofAuto().allocate(bytes, 8);
    Random r = new Random(seed);
    for (long i = 0; i + 8 <= bytes; i += 8) s.set(ValueLayout.JAVA_LONG_UNALIGNED, i, r.nextLong());
    for (long i = bytes & ~7L; i < bytes; i++) s.set(ValueLayout.JAVA_BYTE, i, (byte) r.nextInt());
    return s;
  }

  static MemorySegment contents(ClBuffer b) {
    MemorySegment s = Arena.ofAuto().allocate(b.byteSize(), 8);
    b.read(s);
    return s;
  }

  @ParameterizedTest
  @ValueSource(strings = {"sync", "async"})
  void everyTypeAndSizeRoundTrips(String mode) {
    long[] lengths = {1, 3, 4097, 70_001}; // 70,001 doubles span 9 blocks of 64 KiB, the last one partial
    int seed = 0;
    for (Class<?> t : TYPES) {
      for (long n : lengths) {
        seed++;
        Path sub = dir.resolve(t.getName() + n);
        try (ClBuffer b = queue.allocate(t, n);
            Checkpointer c = builder(mode).directory(sub).open()) {
          MemorySegment want = random(b.byteSize(), seed);
          b.write(want);
          c.protect("b", b);
          Version v = c.checkpoint(Metadata.create().step(1)).await();
          b.write(random(b.byteSize(), seed + 1000)); // the program goes on and changes it
          assertThat(c.restoreLatest()).hasValueSatisfying(r -> assertThat(r.number()).isEqualTo(v.number()));
          assertThat(contents(b).mismatch(want)).as("%s[%d] after restore", t, n).isEqualTo(-1);
          assertThat(c.regions(v.number())).singleElement().satisfies(r -> {
            assertThat(r.kind()).isEqualTo(t.getName() + "[]");
            assertThat(r.length()).isEqualTo(n);
          });
        }
      }
    }
  }

  @Test
  void aDeviceCheckpointRestoresIntoAnArrayAndBack() {
    float[] host = new float[5000];
    for (int i = 0; i < host.length; i++) host[i] = i * 0.5f;
    try (ClBuffer b = queue.allocate(float.class, host.length)) {
      b.write(MemorySegment.ofArray(host));
      try (Checkpointer c = builder("sync").open()) {
        c.protect("x", b).checkpoint().await();
      }
      float[] back = new float[host.length];
      try (Checkpointer c = builder("sync").open()) {
        assertThat(c.protect("x", back).restoreLatest()).isPresent();
      }
      assertThat(back).isEqualTo(host);
      for (int i = 0; i < host.length; i++) host[i] = -i;
      try (Checkpointer c = builder("sync").open()) {
        c.protect("x", host).checkpoint().await();
      }
      try (Checkpointer c = builder("sync").open()) {
        assertThat(c.protect("x", b).restoreLatest()).isPresent();
      }
      float[] dev = new float[host.length];
      b.read(MemorySegment.ofArray(dev));
      assertThat(dev).isEqualTo(host);
    }
  }

  @Test
  void aDifferentElementTypeOrLengthIsRefusedAndTheBufferIsUntouched() {
    try (ClBuffer b = queue.allocate(float.class, 1000)) {
      b.write(random(b.byteSize(), 1));
      try (Checkpointer c = builder("sync").open()) {
        c.protect("u", b).checkpoint().await();
      }
    }
    try (ClBuffer wrongType = queue.allocate(int.class, 1000);
        ClBuffer wrongLength = queue.allocate(float.class, 1001)) {
      MemorySegment before = random(wrongType.byteSize(), 7);
      wrongType.write(before);
      try (Checkpointer c = builder("sync").open()) {
        c.protect("u", wrongType);
        assertThatThrownBy(c::restoreLatest).isInstanceOf(StateMismatchException.class)
            .hasMessageContaining("'u' is int[] but the checkpoint holds float[]");
      }
      assertThat(contents(wrongType).mismatch(before)).isEqualTo(-1);
      try (Checkpointer c = builder("sync").open()) {
        c.protect("u", wrongLength);
        assertThatThrownBy(c::restoreLatest).isInstanceOf(StateMismatchException.class)
            .hasMessageContaining("'u' has length 1001 but the checkpoint holds 1000");
      }
    }
    assertThatThrownBy(() -> queue.allocate(boolean.class, 10)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("boolean");
    assertThatThrownBy(() -> queue.allocate(float.class, 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("positive");
  }

  static void flip(Path f, long pos) throws IOException {
    try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
      r.seek(pos);
      int b = r.read();
      r.seek(pos);
      r.write(b ^ 0x10);
    }
  }

  static List<Path> packs(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(p -> p.getFileName().toString().equals("data.pack")).sorted().toList();
    }
  }

  @Test
  void aCorruptedDeviceRegionFallsBackToTheOtherCopyThenToTheOlderVersion() throws IOException {
    long n = 200_000;
    MemorySegment v1 = random(n * 4, 1), v2 = random(n * 4, 2);
    try (ClBuffer b = queue.allocate(int.class, n); Checkpointer c = builder("sync").open()) {
      c.protect("u", b);
      b.write(v1);
      c.checkpoint().await();
      b.write(v2);
      c.checkpoint().await();
    }
    Path localV2 = packs(dir.resolve("local")).getLast(), persistentV2 = packs(dir.resolve("persistent")).getLast();
    assertThat(localV2.toString()).contains("v0000000002");
    flip(localV2, Files.size(localV2) / 2);
    try (ClBuffer b = queue.allocate(int.class, n); Checkpointer c = builder("sync").open()) {
      c.protect("u", b);
      Version v = c.restoreLatest().orElseThrow();
      assertThat(v.number()).isEqualTo(2); // the persistent copy of version 2
      assertThat(contents(b).mismatch(v2)).isEqualTo(-1);
    }
    flip(persistentV2, Files.size(persistentV2) / 3);
    try (ClBuffer b = queue.allocate(int.class, n); Checkpointer c = builder("sync").open()) {
      c.protect("u", b);
      Version v = c.restoreLatest().orElseThrow();
      assertThat(v.number()).isEqualTo(1); // both copies of version 2 are damaged: version 1
      assertThat(contents(b).mismatch(v1)).isEqualTo(-1);
    }
  }

  @Test
  void asyncCaptureSeesEveryCommandQueuedBeforeTheCheckpoint() {
    int n = 1 << 20;
    try (io.cairn.device.opencl.HeatSolver h = new io.cairn.device.opencl.HeatSolver(queue, 64);
        ClBuffer big = queue.allocate(float.class, n);
        ClBuffer other = queue.allocate(float.class, n);
        Checkpointer c = builder("async").open()) {
      MemorySegment want = random(big.byteSize(), 3);
      other.write(want);
      c.protect("big", big);
      for (int i = 0; i < 20; i++) h.step(); // kernels in flight on the same queue
      queue.copy(other, big); // enqueued, not waited for
      c.checkpoint().await(); // must capture the copy's result
      big.write(random(big.byteSize(), 4));
      assertThat(c.restoreLatest()).isPresent();
      assertThat(contents(big).mismatch(want)).isEqualTo(-1);
    }
  }
}
