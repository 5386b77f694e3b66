package io.cairn.internal.engine;

import io.cairn.internal.format.BlockRef;
import io.cairn.internal.format.ChunkTransforms;
import io.cairn.internal.format.Codec;
import io.cairn.internal.format.Kind;
import io.cairn.internal.format.RegionEntry;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Ratio and single-thread speed of the chunk transforms per kind of data: the level's real write stages
 * (shuffle, codec, checksum) over a region cut into blocks, then the real read stages (checksum, undo),
 * checked bit for bit. What {@code cairn bench --only codecs} prints. The data sits off-heap (as staged
 * copies do), so the heap-to-direct copy of a sync checkpoint is not part of it.
 */
public final class TransformBench {
  private TransformBench() {}

  /** One data kind under one codec setting. GB/s are raw bytes per second on one thread (median of the repetitions). */
  public record Result(String data, String codec, long rawBytes, long storedBytes, double encodeGBs, double decodeGBs,
      double copyGBs) {
    public double ratio() { return (double) rawBytes / storedBytes; }
  }

  /** The codec settings measured. */
  public static final List<String> CODECS = List.of("lz4", "zstd", "lz4+shuffle", "zstd+shuffle");

  /**
   * Measures every codec of {@link #CODECS} on every data set; {@code data} maps a name to its kind
   * (element size) and bytes.
   */
  public static List<Result> run(Map<String, Map.Entry<Kind, MemorySegment>> data, int blockSize, int reps)
      throws IOException {
    List<Result> out = new ArrayList<>();
    for (var e : data.entrySet()) {
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment src = arena.allocate(e.getValue().getValue().byteSize(), 64);
        src.copyFrom(e.getValue().getValue());
        double copy = copyGBs(src, arena, reps);
        for (String codec : CODECS)
          out.add(measure(e.getKey(), e.getValue().getKey(), src, codec, blockSize, reps, copy));
      }
    }
    return out;
  }

  /** Plain memory copy of the same bytes on one thread: what a GB/s compares with on this machine now. */
  private static double copyGBs(MemorySegment src, Arena arena, int reps) {
    MemorySegment dst = arena.allocate(src.byteSize(), 64);
    long[] t = new long[reps];
    for (int r = 0; r < reps; r++) {
      long t0 = System.nanoTime();
      MemorySegment.copy(src, 0, dst, 0, src.byteSize());
      t[r] = System.nanoTime() - t0;
    }
    return src.byteSize() / (median(t) / 1e9) / 1e9;
  }

  private static Result measure(String name, Kind kind, MemorySegment src, String codecName, int blockSize, int reps,
      double copy)
      throws IOException {
    Codec.Choice choice = Codec.Choice.parse(codecName);
    List<ChunkStage> stages = new ArrayList<>();
    if (choice.shuffle()) stages.add(ChunkStage.transform(ChunkTransforms.SHUFFLE));
    stages.add(ChunkStage.transform(ChunkTransforms.of(choice.codec())));
    stages.add(ChunkStage.CHECKSUM);
    long size = src.byteSize();
    int nBlocks = (int) ((size + blockSize - 1) / blockSize);
    Chunk chunk = new Chunk(blockSize);
    ByteBuffer packed = ByteBuffer
        .allocateDirect((int) Math.min(Integer.MAX_VALUE - 64, size + size / 8 + 65_536L * nBlocks));
    long[] enc = new long[reps], dec = new long[reps];
    List<BlockRef> refs = new ArrayList<>();
    for (int r = 0; r < reps; r++) {
      packed.clear();
      refs.clear();
      long t0 = System.nanoTime();
      for (int i = 0; i < nBlocks; i++) {
        long off = (long) i * blockSize;
        int len = (int) Math.min(blockSize, size - off);
        chunk.reset(name, kind.elementSize, i, off, src.asSlice(off, len), null);
        for (ChunkStage s : stages) s.apply(chunk);
        refs.add(
            new BlockRef(1, packed.position(), chunk.stored.remaining(), len, chunk.transforms, chunk.storedCrc, 0));
        packed.put(chunk.stored.duplicate());
      }
      enc[r] = System.nanoTime() - t0;
    }
    long stored = packed.position();
    LevelStore.Scratch s = new LevelStore.Scratch();
    s.fit(List.of(new RegionEntry(name, kind, size / kind.elementSize, size, refs)), name);
    for (int r = 0; r < reps; r++) {
      long t0 = System.nanoTime();
      long off = 0;
      for (BlockRef b : refs) {
        ChunkRead cr = new ChunkRead(b, name, packed.slice((int) b.offset(), b.storedLen()), s);
        for (ChunkStage st : ChunkStage.readPipeline(b, name)) st.undo(cr);
        if (r == 0 && MemorySegment.ofBuffer(cr.data).mismatch(src.asSlice(off, b.rawLen())) != -1)
          throw new IllegalStateException(
              name + " / " + codecName + ": chunk " + off / blockSize + " does not come back as written");
        off += b.rawLen();
      }
      dec[r] = System.nanoTime() - t0;
    }
    return new Result(name, codecName, size, stored, size / (median(enc) / 1e9) / 1e9, size / (median(dec) / 1e9) / 1e9,
        copy);
  }

  private static double median(long[] t) {
    long[] a = t.clone();
    java.util.Arrays.sort(a);
    return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2.0;
  }

  /** Data sets from a smooth double field: the field, random doubles, floats and ints derived from it, longs, text. */
  public static Map<String, Map.Entry<Kind, MemorySegment>> kinds(double[] smooth, long seed) {
    int n = smooth.length;
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
    double[] random = new double[n];
    for (int i = 0; i < n; i++) random[i] = rnd.nextDouble();
    float[] floats = new float[n];
    for (int i = 0; i < n; i++) floats[i] = (float) smooth[i];
    int[] ints = new int[n];
    for (int i = 0; i < n; i++) ints[i] = (int) Math.round(smooth[i] * 1000); // a quantised field (milli-degrees)
    long[] longs = new long[n / 2];
    long acc = 0;
    for (int i = 0; i < longs.length; i++) longs[i] = acc += 1 + rnd.nextInt(64); // sorted ids / offsets
    String[] words = {"checkpoint", "restart", "the", "of", "level", "chunk", "a", "version", "manifest", "and",
        "block", "to", "pack"};
    StringBuilder text = new StringBuilder(n * 8);
    while (text.length() < n * 8L - 16)
      text.append(words[rnd.nextInt(words.length)]).append(rnd.nextInt(12) == 0 ? ".\n" : " ");
    Map<String, Map.Entry<Kind, MemorySegment>> m = new LinkedHashMap<>();
    m.put("smooth doubles", Map.entry(Kind.DOUBLE, MemorySegment.ofArray(smooth)));
    m.put("random doubles", Map.entry(Kind.DOUBLE, MemorySegment.ofArray(random)));
    m.put("smooth floats", Map.entry(Kind.FLOAT, MemorySegment.ofArray(floats)));
    m.put("quantised ints", Map.entry(Kind.INT, MemorySegment.ofArray(ints)));
    m.put("sorted longs", Map.entry(Kind.LONG, MemorySegment.ofArray(longs)));
    m.put("text bytes",
        Map.entry(Kind.BYTE, MemorySegment.ofArray(text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8))));
    return m;
  }
}
