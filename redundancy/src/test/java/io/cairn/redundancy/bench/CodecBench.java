package io.cairn.redundancy.bench;

import io.cairn.redundancy.ErasureCode;
import io.cairn.redundancy.internal.ByteAtATime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * JMH benchmark of the erasure codes, one thread (so the numbers are per core): encode and rebuild
 * with the bit-sliced fast path and with the plain byte-at-a-time GF(2^8) multiply.
 *
 * <p>Run: {@code mvn -q -pl redundancy test-compile} then
 * {@code java -cp "redundancy/target/test-classes:redundancy/target/classes:$(cat redundancy/target/cp.txt)" io.cairn.redundancy.bench.CodecBench}
 * (see docs/redundancy.md). Prints GB/s of data (k shards) processed per second and the speed-up.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@Threads(1)
public class CodecBench {
  @Param({"8+2", "8+1", "4+2"})
  public String code;
  @Param({"1048576"})
  public int shardBytes;

  ErasureCode fast;
  ByteAtATime slow;
  byte[][] data, parity, shards;
  boolean[] present;

  @Setup(Level.Trial)
  public void setup() {
    String[] km = code.split("\\+");
    int k = Integer.parseInt(km[0]), m = Integer.parseInt(km[1]);
    fast = ErasureCode.reedSolomon(k, m);
    slow = new ByteAtATime(fast.parityMatrix());
    Random rnd = new Random(42);
    data = new byte[k][shardBytes];
    for (byte[] d : data) rnd.nextBytes(d);
    parity = new byte[m][shardBytes];
    fast.encode(data, parity, shardBytes);
    shards = new byte[k + m][];
    for (int j = 0; j < k; j++) shards[j] = data[j].clone();
    for (int i = 0; i < m; i++) shards[k + i] = parity[i].clone();
    present = new boolean[k + m];
    java.util.Arrays.fill(present, true);
    for (int j = 0; j < m; j++) present[j] = false; // lose m data shards: the worst case
  }

  @Benchmark
  public byte[][] encodeFast() { fast.encode(data, parity, shardBytes); return parity; }
  @Benchmark
  public byte[][] encodeByteAtATime() { slow.encode(data, parity, shardBytes); return parity; }
  @Benchmark
  public byte[][] rebuildFast() { fast.reconstruct(shards, present, shardBytes); return shards; }
  @Benchmark
  public byte[][] rebuildByteAtATime() { slow.reconstruct(shards, present, shardBytes); return shards; }

  /** Runs the benchmark and prints GB/s per core and the speed-up over byte-at-a-time. */
  public static void main(String[] args) throws Exception {
    Options opt = new OptionsBuilder().include(CodecBench.class.getName() + ".*").build();
    List<RunResult> results = new ArrayList<>(new Runner(opt).run());
    System.out.println();
    System.out.println("code   op       fast GB/s/core   byte-at-a-time GB/s/core   speed-up");
    for (String c : new String[]{"8+2", "8+1", "4+2"})
      for (String op : new String[]{"encode", "rebuild"}) {
        double f = gbs(results, c, op + "Fast"), s = gbs(results, c, op + "ByteAtATime");
        if (Double.isNaN(f)) continue;
        System.out.printf(Locale.ROOT, "%-6s %-8s %15.2f %26.3f %10.1fx%n", "RS(" + c + ")", op, f, s, f / s);
      }
  }

  private static double gbs(List<RunResult> rs, String code, String method) {
    for (RunResult r : rs) {
      if (!r.getParams().getBenchmark().endsWith("." + method) || !code.equals(r.getParams().getParam("code")))
        continue;
      int k = Integer.parseInt(code.split("\\+")[0]);
      long bytes = (long) k * Integer.parseInt(r.getParams().getParam("shardBytes"));
      return r.getPrimaryResult().getScore() * bytes / 1e9;
    }
    return Double.NaN;
  }
}
