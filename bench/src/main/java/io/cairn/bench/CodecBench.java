package io.cairn.bench;

import io.cairn.internal.format.Codec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Compression and decompression of one 4 MiB block with the engine's own codecs ({@link Codec}: lz4
 * fast, zstd level 1), on random doubles, a smooth field, and zeros. The score is raw bytes per
 * nanosecond, i.e. GB/s of uncompressed data.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(CodecBench.BLOCK)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class CodecBench {
  static final int BLOCK = 4 << 20;

  @Param({"lz4", "zstd"})
  public String codec;
  @Param({"random", "smooth", "zeros"})
  public String data;

  private Codec c;
  private ByteBuffer raw, comp, back;
  private int compressedLen;

  @Setup
  public void setup() throws IOException {
    c = Codec.parse(codec);
    raw = ByteBuffer.allocateDirect(BLOCK).order(java.nio.ByteOrder.nativeOrder());
    SplittableRandom r = new SplittableRandom(42);
    for (int i = 0; i < BLOCK / 8; i++) {
      double v = switch (data) {
        case "random" -> r.nextDouble();
        // a smooth temperature-like profile: neighbours close, low mantissa bits still vary
        case "smooth" -> 100.0 * Math.exp(-i * 1e-6) + 5.0 * Math.sin(i * 1e-3);
        default -> 0.0;
      };
      raw.putDouble(v);
    }
    raw.clear();
    comp = ByteBuffer.allocateDirect(Math.max(Codec.ZSTD.maxCompressed(BLOCK), Codec.LZ4.maxCompressed(BLOCK)));
    back = ByteBuffer.allocateDirect(BLOCK);
    compressedLen = c.compress(raw.duplicate(), comp);
  }

  @Benchmark
  public int compress() throws IOException {
    comp.clear();
    return c.compress(raw.duplicate(), comp);
  }

  @Benchmark
  public ByteBuffer decompress() throws IOException {
    // comp still holds the block compressed in setup (compress() rewrites the same bytes)
    back.clear();
    c.decompress(comp, compressedLen, back, BLOCK);
    return back;
  }
}
