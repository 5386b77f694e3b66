package io.cairn.bench;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The engine's per-chunk hashes over one 4 MiB block in a direct buffer (as the engine holds it): CRC32C
 * (the stored-bytes checksum, a JDK intrinsic) and xxHash64 (change detection for incremental
 * checkpoints, lz4-java's fastest instance, as core uses). One operation is one byte, and the unit is
 * nanoseconds, so the score reads directly as GB/s (bytes per nanosecond).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(ChecksumBench.BLOCK)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ChecksumBench {
  static final int BLOCK = 4 << 20;

  private ByteBuffer block;
  private final XXHash64 xxh = XXHashFactory.fastestInstance().hash64();

  @Setup
  public void setup() {
    block = ByteBuffer.allocateDirect(BLOCK);
    SplittableRandom r = new SplittableRandom(42);
    while (block.remaining() >= 8) block.putLong(r.nextLong());
    block.clear();
  }

  @Benchmark
  public long crc32c() {
    CRC32C crc = new CRC32C();
    crc.update(block.duplicate());
    return crc.getValue();
  }

  @Benchmark
  public long xxhash64() {
    return xxh.hash(block, 0, BLOCK, 0);
  }
}
