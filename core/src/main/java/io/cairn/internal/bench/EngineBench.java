package io.cairn.internal.bench;

import io.cairn.Cairn;
import io.cairn.Checkpoint;
import io.cairn.Checkpointer;
import io.cairn.Metadata;
import io.cairn.Version;
import io.cairn.internal.engine.LevelStore;
import io.cairn.internal.engine.TransformBench;
import io.cairn.internal.util.BenchReport;
import io.cairn.internal.util.Svg;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The core engine's benchmark harness behind {@code cairn bench}: the engine's figures, each a ratio
 * against a baseline measured in the same run on the same bytes and directory. {@link #run()} returns
 * the results (a JSON-ready map, a table and an SVG chart); the command writes {@code bench.json},
 * {@code bench.txt} and {@code bench.svg} into the bench directory. What each figure means:
 * {@code docs/performance.md}. Not a test; progress goes to stderr.
 */
public final class EngineBench {
  /** What {@link #run()} produced: the JSON-ready results, the text table and the SVG chart. */
  public record Result(Map<String, Object> json, String table, String svg) {}

  public static final List<String> FIGURES = List.of("sync", "async", "loop", "incremental", "compression", "codecs",
      "baselines");

  // The options, named as cairn bench's flags (see the command for their meaning); null: the default.
  public Integer sizeMiB;
  public Path dir = Path.of("cairn-data/bench");
  public boolean quick;
  public List<String> only;
  public Integer repeat;
  public String blockSize;
  public String mtbf = "10m";
  public Integer loopGrid;
  public Integer loopSteps;
  public Integer compressionMiB;
  public long seed = 42L;

  private final PrintStream log = System.err;
  private int reps;
  private long bytes;
  private String block;
  private double[] state;
  private boolean dropWorks;
  private String dropNote = "not tried";
  private String loadAtStart = "";
  private final Map<String, List<Double>> times = new LinkedHashMap<>();
  private final List<Map<String, Object>> figures = new ArrayList<>();
  private final List<Row> allRows = new ArrayList<>();

  /** One line of a figure: a value, the baseline it is compared with, and their ratio. */
  record Row(String figure, String name, double value, double baseline, String unit, double ratio, String ratioMeaning,
      String target, Boolean met, Map<String, Object> extra) {
    Map<String, Object> toMap() {
      return BenchReport.ratioRow(name, value, baseline, unit, ratio, ratioMeaning, target, extra);
    }
  }

  /** Runs the figures chosen by the public fields above (left null: the defaults). */
  public Result run() throws Exception {
    // progress goes to stderr; the engine's per-restore INFO lines would drown it
    if (System.getProperty("org.slf4j.simpleLogger.log.io.cairn") == null)
      System.setProperty("org.slf4j.simpleLogger.log.io.cairn", "warn");
    int mib = sizeMiB != null ? sizeMiB : quick ? 8 : 1024;
    if (mib < 1 || mib > 8191) throw new IllegalArgumentException("--size must be between 1 and 8191 MiB, got " + mib);
    reps = repeat != null ? Math.max(1, repeat) : quick ? 1 : 5;
    block = blockSize != null ? blockSize : quick ? "64KiB" : "4MiB";
    bytes = (long) mib << 20;
    List<String> run = only == null || only.isEmpty()
        ? FIGURES
        : only.stream().map(s -> s.trim().toLowerCase(Locale.ROOT)).toList();
    for (String f : run)
      if (!FIGURES.contains(f))
        throw new IllegalArgumentException("--only: unknown figure '" + f + "' (known: " + FIGURES + ")");
    Files.createDirectories(dir);
    String load = loadAverage();
    loadAtStart = load;
    log.printf(Locale.ROOT, "cairn bench: %d MiB of state, %d repetition(s), block size %s, in %s (load average %s)%n",
        mib, reps, block, dir.toAbsolutePath(), load);

    state = new double[Math.toIntExact(bytes / 8)];
    fillRandom(state, seed);
    warmUp();
    dropWorks = dropCaches();
    dropNote = dropWorks
        ? "page cache dropped before each cold read (echo 3 > /proc/sys/vm/drop_caches worked)"
        : "cannot drop the page cache here (" + dropNote + "): 'cold' reads may come from the page cache";
    log.println("  " + dropNote);

    if (run.contains("sync")) figureSync();
    if (run.contains("async")) figureAsync();
    if (run.contains("baselines")) figureBaselines();
    if (run.contains("incremental")) figureIncremental();
    state = null;
    System.gc();
    if (run.contains("compression"))
      figureCompression(compressionMiB != null ? (long) compressionMiB << 20 : Math.min(bytes, 256L << 20));
    if (run.contains("codecs"))
      figureCodecs(compressionMiB != null ? (long) compressionMiB << 20 : Math.min(bytes, 64L << 20));
    if (run.contains("loop")) figureLoop();

    Map<String, Object> out = new LinkedHashMap<>();
    out.put("tool", "cairn bench");
    out.put("when", Instant.now().toString());
    out.put("sizeMiB", mib);
    out.put("repeat", reps);
    out.put("blockSize", block);
    out.put("dir", dir.toAbsolutePath().toString());
    out.put("quick", quick);
    out.put("cpus", Runtime.getRuntime().availableProcessors());
    out.put("loadAverageAtStart", load);
    out.put("loadAverageAtEnd", loadAverage());
    out.put("java", System.getProperty("java.version"));
    out.put("commit", gitCommit());
    out.put("pageCache", dropNote);
    out.put("figures", figures);
    String table = table(mib);
    return new Result(out, table, svg(mib));
  }

  // ------------------------------------------------------------------ figure 1: sync checkpoint/restore

  private void figureSync() throws IOException {
    log.println("[sync] checkpoint and restore vs plain FileChannel write+fsync / read of the same bytes");
    double[] target = new double[state.length];
    for (int r = 0; r < reps; r++) {
      boolean cairnFirst = r % 2 == 1;
      for (int k = 0; k < 2; k++) {
        if ((k == 0) == cairnFirst) writeCairnSync("cairnWrite", "cairnRestoreCold", "cairnRestoreWarm", target);
        else
          writePlain("plainWrite", "plainReadCold", "plainReadWarm", target);
      }
    }
    target = null;
    List<Row> rows = new ArrayList<>();
    rows.add(bwRow("sync", "checkpoint (write+fsync)", "cairnWrite", "plainWrite", ">= 0.95"));
    rows.add(bwRow("sync", "restore, cold" + (dropWorks ? "" : " (page cache not dropped)"), "cairnRestoreCold",
        "plainReadCold", ">= 0.95"));
    rows.add(bwRow("sync", "restore, warm page cache", "cairnRestoreWarm", "plainReadWarm", null));
    figure("sync", "Sync checkpoint and restore bandwidth vs plain FileChannel (same bytes, same directory)", rows,
        List.of("baseline write: 4 MiB direct buffer, copy from the array, FileChannel.write, force(true) at the end",
            "baseline read: FileChannel.read into a 4 MiB direct buffer, copy into the array",
            "Cairn: one local level, codec none, not incremental; restore verifies every chunk's CRC32C and the result is compared with the original",
            dropNote));
  }

  /** Plain FileChannel write+fsync then reads (cold, warm) of the same bytes in the same directory. */
  private void writePlain(String writeKey, String coldKey, String warmKey, double[] target) throws IOException {
    Path f = dir.resolve("plain.bin");
    Files.deleteIfExists(f);
    settle();
    MemorySegment src = MemorySegment.ofArray(state);
    ByteBuffer buf = ByteBuffer.allocateDirect(4 << 20);
    MemorySegment bseg = MemorySegment.ofBuffer(buf);
    long t0 = System.nanoTime();
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      for (long off = 0; off < bytes; off += buf.capacity()) {
        int len = (int) Math.min(buf.capacity(), bytes - off);
        MemorySegment.copy(src, off, bseg, 0, len);
        buf.clear().limit(len);
        while (buf.hasRemaining()) ch.write(buf);
      }
      ch.force(true);
    }
    record(writeKey, System.nanoTime() - t0);
    if (coldKey != null) {
      Arrays.fill(target, 0);
      if (dropWorks) dropCaches();
      record(coldKey, readPlain(f, target, buf));
      check(target, "plain read");
      record(warmKey, readPlain(f, target, buf));
    }
    Files.deleteIfExists(f);
  }

  private long readPlain(Path f, double[] target, ByteBuffer buf) throws IOException {
    MemorySegment dst = MemorySegment.ofArray(target);
    MemorySegment bseg = MemorySegment.ofBuffer(buf.duplicate().clear());
    long t0 = System.nanoTime();
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
      long off = 0;
      while (off < bytes) {
        buf.clear().limit((int) Math.min(buf.capacity(), bytes - off));
        while (buf.hasRemaining())
          if (ch.read(buf, off + buf.position()) < 0) throw new IOException(f + ": short file");
        MemorySegment.copy(bseg, 0, dst, off, buf.limit());
        off += buf.limit();
      }
    }
    return System.nanoTime() - t0;
  }

  private Checkpointer.Builder syncBuilder(Path levelDir) {
    return Cairn.builder().name("bench").directory(dir).levels("local").set("level.local.path", levelDir.toString())
        .set("level.local.keep", "100").set("interval", "none").set("signals", "false").set("block-size", block)
        .environment(Map.of());
  }

  /** A Cairn sync checkpoint of the state, then restores (cold, warm) into {@code target}. */
  private void writeCairnSync(String writeKey, String coldKey, String warmKey, double[] target) throws IOException {
    Path level = dir.resolve("cairn-sync");
    deleteTree(level);
    settle();
    try (Checkpointer c = syncBuilder(level).open()) {
      c.protect("state", state);
      long t0 = System.nanoTime();
      c.checkpoint();
      record(writeKey, System.nanoTime() - t0);
    }
    if (coldKey != null) {
      Arrays.fill(target, 0);
      if (dropWorks) dropCaches();
      record(coldKey, restoreInto(level, target));
      check(target, "Cairn restore");
      record(warmKey, restoreInto(level, target));
    }
    deleteTree(level);
  }

  private long restoreInto(Path level, double[] target) {
    try (Checkpointer c = syncBuilder(level).open()) {
      c.protect("state", target);
      long t0 = System.nanoTime();
      Optional<Version> v = c.restoreLatest();
      long t = System.nanoTime() - t0;
      if (v.isEmpty()) throw new IllegalStateException("nothing to restore in " + level);
      return t;
    }
  }

  // ------------------------------------------------------------------ figure 2: async blocking time

  private void figureAsync() throws IOException {
    log.println("[async] blocking time of an async checkpoint vs a plain memory copy of the same bytes");
    Path level = dir.resolve("cairn-async");
    deleteTree(level);
    MemorySegment src = MemorySegment.ofArray(state);
    try (Arena arena = Arena.ofShared();
        Checkpointer c = asyncBuilder(level).open()) {
      MemorySegment warm = arena.allocate(bytes, 64);
      warm.fill((byte) 1); // touch every page: the floor is a copy into memory that is already mapped
      c.protect("state", state);
      c.checkpoint().await(); // warm-up (class loading, JIT), not measured
      for (int r = 0; r < reps; r++) {
        long t0 = System.nanoTime();
        MemorySegment.copy(src, 0, warm, 0, bytes);
        record("copyWarm", System.nanoTime() - t0);
        t0 = System.nanoTime();
        try (Arena fresh = Arena.ofConfined()) {
          MemorySegment s = fresh.allocate(bytes, 64);
          MemorySegment.copy(src, 0, s, 0, bytes);
          record("copyFresh", System.nanoTime() - t0);
        }
        settle();
        t0 = System.nanoTime();
        Checkpoint ck = c.checkpoint();
        long blocked = System.nanoTime() - t0;
        ck.await();
        long committed = System.nanoTime() - t0;
        record("asyncBlocking", blocked);
        record("asyncCommitted", committed);
      }
      commitPairs(c);
    } finally {
      deleteTree(level);
    }
    List<Row> rows = new ArrayList<>();
    rows.add(timeRow("async", "blocking time vs copy into mapped memory", "asyncBlocking", "copyWarm", "<= 1.3"));
    rows.add(timeRow("async", "blocking time vs allocate+copy", "asyncBlocking", "copyFresh", null));
    rows.add(timeRow("async", "allocate+copy vs copy into mapped memory", "copyFresh", "copyWarm", null));
    rows.add(timeRow("async", "time to commit vs a sync checkpoint of the same state", "commitAsync", "commitSync",
        "<= 1.1"));
    figure("async", "Blocking time of an async checkpoint vs a plain memory copy of the same bytes", rows,
        List.of(
            "copy into mapped memory: MemorySegment.copy of the array into an off-heap buffer allocated and touched beforehand (the physical floor)",
            "allocate+copy: a fresh off-heap buffer per checkpoint (Arena.allocate zero-fills and faults in every page), then the copy",
            "Cairn: async mode, one local level; blocking = the time checkpoint() takes to return; the write is awaited outside the measurement",
            "time to commit: checkpoint() until its await() returns (copy, background write, fsync, retention), timed next to a sync "
                + "checkpoint of the same state to another level of the same configuration (keep 2), order alternating",
            String.format(Locale.ROOT, "time to commit (blocking + background write + fsync), median: %.3f s",
                median("asyncCommitted") / 1e9)));
  }

  /** Async time to commit next to a sync checkpoint of the same state (same level settings, keep 2), order alternating. */
  private void commitPairs(Checkpointer async) throws IOException {
    Path level = dir.resolve("cairn-commit-sync");
    deleteTree(level);
    try (Checkpointer sync = syncBuilder(level).set("level.local.keep", "2").open()) {
      sync.protect("state", state);
      sync.checkpoint(); // warm-up, and both levels hold older versions that retention removes, as in a run
      sync.checkpoint();
      for (int r = 0; r < reps; r++) {
        for (int k = 0; k < 2; k++) {
          settle();
          long t0 = System.nanoTime();
          if ((k == 0) == (r % 2 == 0)) {
            async.checkpoint().await();
            record("commitAsync", System.nanoTime() - t0);
          } else {
            sync.checkpoint();
            record("commitSync", System.nanoTime() - t0);
          }
        }
      }
    } finally {
      deleteTree(level);
    }
  }

  private Checkpointer.Builder asyncBuilder(Path levelDir) {
    return syncBuilder(levelDir).async(true).set("level.local.keep", "2")
        .set("async.staging-limit", Long.toString(Math.max(2 * bytes, 64L << 20)));
  }

  // ------------------------------------------------------------------ figure 6: baselines

  private void figureBaselines() throws IOException, ClassNotFoundException {
    log.println("[baselines] Java serialization, plain FileChannel, Cairn sync and async on the same arrays");
    double[] target = new double[state.length];
    boolean haveSync = times.containsKey("plainWrite") && times.containsKey("cairnWrite");
    for (int r = 0; r < reps; r++) {
      if (!haveSync) {
        writePlain("plainWrite", "plainReadCold", null, target);
        writeCairnSync("cairnWrite", "cairnRestoreCold", null, target);
      }
      writeSerialized(target);
    }
    if (!times.containsKey("asyncBlocking")) {
      Path level = dir.resolve("cairn-async");
      try (Checkpointer c = asyncBuilder(level).open()) {
        c.protect("state", state);
        c.checkpoint().await();
        for (int r = 0; r < reps; r++) {
          settle();
          long t0 = System.nanoTime();
          Checkpoint ck = c.checkpoint();
          long blocked = System.nanoTime() - t0;
          ck.await();
          record("asyncBlocking", blocked);
          record("asyncCommitted", System.nanoTime() - t0);
        }
      } finally {
        deleteTree(level);
      }
    }
    target = null;
    List<Row> rows = new ArrayList<>();
    rows.add(bwRow("baselines", "ObjectOutputStream + fsync", "oosWrite", "plainWrite", null));
    rows.add(bwRow("baselines", "Cairn sync checkpoint", "cairnWrite", "plainWrite", null));
    rows.add(bwRow("baselines", "Cairn async, program blocked", "asyncBlocking", "plainWrite", null));
    rows.add(bwRow("baselines", "Cairn async, until committed", "asyncCommitted", "plainWrite", null));
    rows.add(
        bwRow("baselines", "ObjectInputStream read" + (dropWorks ? ", cold" : ""), "oosRead", "plainReadCold", null));
    rows.add(
        bwRow("baselines", "Cairn restore" + (dropWorks ? ", cold" : ""), "cairnRestoreCold", "plainReadCold", null));
    figure("baselines",
        "Bandwidth relative to a plain FileChannel write+fsync (writes) / read (reads) of the same arrays", rows,
        List.of("ratio = plain FileChannel time / method time, so > 1 is faster than the plain write",
            "ObjectOutputStream(BufferedOutputStream(FileOutputStream)).writeObject(double[]), flush, FileDescriptor.sync()",
            "Cairn async 'program blocked' counts only the time checkpoint() blocks the caller"));
  }

  private void writeSerialized(double[] target) throws IOException, ClassNotFoundException {
    Path f = dir.resolve("oos.bin");
    Files.deleteIfExists(f);
    settle();
    long t0 = System.nanoTime();
    try (FileOutputStream fos = new FileOutputStream(f.toFile());
        ObjectOutputStream oos = new ObjectOutputStream(new BufferedOutputStream(fos, 1 << 16))) {
      oos.writeObject(state);
      oos.flush();
      fos.getFD().sync();
    }
    record("oosWrite", System.nanoTime() - t0);
    if (dropWorks) dropCaches();
    t0 = System.nanoTime();
    double[] back;
    try (ObjectInputStream in = new ObjectInputStream(
        new BufferedInputStream(new FileInputStream(f.toFile()), 1 << 16))) {
      back = (double[]) in.readObject();
    }
    record("oosRead", System.nanoTime() - t0);
    if (!Arrays.equals(back, state)) throw new IllegalStateException("ObjectInputStream gave back different data");
    Files.deleteIfExists(f);
  }

  // ------------------------------------------------------------------ figure 4: incremental

  private void figureIncremental() throws IOException {
    log.println("[incremental] bytes written and time when 1%, 5%, 25%, 100% of the blocks change");
    Path level = dir.resolve("cairn-incremental");
    deleteTree(level);
    int blockBytes = (int) io.cairn.internal.Settings.parseBytes(block);
    int perBlock = blockBytes / 8;
    int nBlocks = (int) ((state.length + (long) perBlock - 1) / perBlock);
    SplittableRandom rnd = new SplittableRandom(seed + 4);
    double[] fractions = {0.01, 0.05, 0.25, 1.0};
    Path fullLevel = dir.resolve("cairn-incremental-full");
    deleteTree(fullLevel);
    List<Row> rows = new ArrayList<>();
    try (Checkpointer c = syncBuilder(level).set("level.local.incremental", "true")
        .set("incremental.full-every", "1000000").set("level.local.keep", "1000").open();
        Checkpointer full = syncBuilder(fullLevel).open()) {
      c.protect("state", state);
      full.protect("state", state);
      settle();
      long t0 = System.nanoTime();
      long first = c.checkpoint().version(); // the chain's first version: full
      long firstTime = System.nanoTime() - t0;
      long fullBytes = packBytes(level, first);
      // Each incremental checkpoint is timed next to a full (non-incremental) checkpoint of the same state on
      // the same disk, in alternating order: the disk's speed drifts (burst credits, other writers).
      List<Long> unchanged = new ArrayList<>(), unchangedFull = new ArrayList<>();
      for (int r = 0; r < reps; r++) {
        long[] pair = pair(c, full, fullLevel, r);
        unchanged.add(pair[0]);
        unchangedFull.add(pair[1]);
      }
      for (double f : fractions) {
        int k = Math.max(1, (int) Math.round(f * nBlocks));
        List<Long> ts = new ArrayList<>(), fs = new ArrayList<>();
        long written = 0;
        for (int r = 0; r < reps; r++) {
          int[] chosen = choose(nBlocks, k, rnd);
          for (int b : chosen) {
            long at = (long) b * perBlock + rnd.nextInt(Math.min(perBlock, state.length - b * perBlock));
            state[(int) at] = rnd.nextDouble();
          }
          long[] pair = pair(c, full, fullLevel, r);
          ts.add(pair[0]);
          fs.add(pair[1]);
          written = packBytes(level, pair[2]);
        }
        double t = median(ts), ft = median(fs);
        double actual = (double) k / nBlocks;
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("changedFraction", actual);
        extra.put("changedBlocks", k);
        extra.put("blocks", nBlocks);
        extra.put("bytesWritten", written);
        extra.put("fullBytes", fullBytes);
        extra.put("seconds", t / 1e9);
        extra.put("fullSeconds", ft / 1e9);
        extra.put("timeRatio", t / ft);
        String pct = String.format(Locale.ROOT, "%.0f%%", f * 100);
        double bytesRatio = (double) written / fullBytes;
        String tgt = f == 0.05 ? "<= 0.07" : null;
        rows.add(row("incremental", pct + " of blocks changed: bytes written / full", written / 1048576.0,
            fullBytes / 1048576.0, "MiB",
            bytesRatio, "incremental bytes / full bytes", tgt, extra));
        rows.add(row("incremental", pct + " of blocks changed: time / full", t / 1e9, ft / 1e9, "s", t / ft,
            "incremental time / full time (measured next to each other)", null,
            spread(ts, Map.of("changedFraction", actual, "bestRatio", min(ts) / min(fs)))));
      }
      rows.add(row("incremental", "nothing changed: time / full (the hashing floor)", median(unchanged) / 1e9,
          median(unchangedFull) / 1e9, "s",
          median(unchanged) / median(unchangedFull), "incremental time / full time (measured next to each other)",
          "<= 0.08",
          spread(unchanged, Map.of("changedFraction", 0.0, "bestRatio", min(unchanged) / min(unchangedFull)))));
      List<String> notes = new ArrayList<>(List.of(
          "one local level, incremental=true, sync mode, " + nBlocks + " blocks of " + block
              + "; changing a block = changing one double in it",
          "each incremental checkpoint is timed next to a full checkpoint of the same state on another (non-incremental) level, order alternating; "
              + "median of " + reps,
          "bytes = the version's data.pack + manifest on disk; full = the chain's first version",
          String.format(Locale.ROOT, "the chain's first (full) version took %.3f s", firstTime / 1e9)));
      figure("incremental", "Incremental checkpoints: bytes and time vs a full checkpoint", rows, notes);
    } finally {
      deleteTree(level);
      deleteTree(fullLevel);
    }
  }

  /** An incremental checkpoint and a full one of the same state, order alternating: {inc nanos, full nanos, inc version}. */
  private long[] pair(Checkpointer inc, Checkpointer full, Path fullLevel, int r) throws IOException {
    long ti = 0, tf = 0, v = 0;
    for (int k = 0; k < 2; k++) {
      settle();
      long t0 = System.nanoTime();
      if ((k == 0) == (r % 2 == 0)) {
        v = inc.checkpoint().version();
        ti = System.nanoTime() - t0;
      } else {
        long fv = full.checkpoint().version();
        tf = System.nanoTime() - t0;
        deleteTree(fullLevel.resolve("bench").resolve(LevelStore.dir(fv))); // outside the timing: no retention work in it
      }
    }
    return new long[]{ti, tf, v};
  }

  private static Map<String, Object> spread(List<Long> l, Map<String, Object> more) {
    Map<String, Object> m = new LinkedHashMap<>(more);
    m.put("samples", l.size());
    m.put("minSeconds", l.stream().mapToLong(Long::longValue).min().orElse(0) / 1e9);
    m.put("maxSeconds", l.stream().mapToLong(Long::longValue).max().orElse(0) / 1e9);
    return m;
  }

  private static int[] choose(int n, int k, SplittableRandom rnd) {
    int[] all = new int[n];
    for (int i = 0; i < n; i++) all[i] = i;
    for (int i = 0; i < k; i++) {
      int j = i + rnd.nextInt(n - i);
      int t = all[i];
      all[i] = all[j];
      all[j] = t;
    }
    return Arrays.copyOf(all, k);
  }

  private static long packBytes(Path level, long version) throws IOException {
    Path d = level.resolve("bench").resolve(LevelStore.dir(version));
    long n = 0;
    for (String f : List.of("data.pack", "manifest")) if (Files.exists(d.resolve(f))) n += Files.size(d.resolve(f));
    return n;
  }

  // ------------------------------------------------------------------ figure 5: compression

  private void figureCompression(long sample) throws IOException {
    log.printf(Locale.ROOT,
        "[compression] none, lz4, zstd on random doubles, a smooth heat field, zeros (%d MiB each)%n", sample >> 20);
    Path shm = Files.isDirectory(Path.of("/dev/shm")) && Files.isWritable(Path.of("/dev/shm"))
        ? Path.of("/dev/shm").resolve("cairn-bench-" + ProcessHandle.current().pid())
        : dir.resolve("cairn-compression");
    List<Row> rows = new ArrayList<>();
    String smoothNote = "";
    try {
      for (String kind : List.of("random", "smooth", "zeros")) {
        double[] data;
        switch (kind) {
          case "random" -> {
            data = new double[Math.toIntExact(sample / 8)];
            fillRandom(data, seed + 5);
          }
          case "smooth" -> {
            int edge = (int) Math.sqrt(sample / 8.0);
            Heat h = new Heat(edge);
            smoothInit(h);
            for (int i = 0; i < 20; i++) h.step();
            data = h.grid;
            long zeros = Arrays.stream(data).filter(d -> d == 0.0).count();
            smoothNote = String.format(Locale.ROOT,
                "smooth: the heat solver's %dx%d grid started from a smooth temperature field, after 20 steps "
                    + "(%.2f%% exact zeros)",
                edge, edge, 100.0 * zeros / data.length);
          }
          default -> data = new double[Math.toIntExact(sample / 8)];
        }
        double[] back = new double[data.length];
        List<String> codecs = List.of("none", "lz4", "zstd", "lz4+shuffle", "zstd+shuffle");
        Map<String, List<Long>> ck = new LinkedHashMap<>(), rs = new LinkedHashMap<>();
        Map<String, Long> stored = new LinkedHashMap<>();
        for (int r = 0; r < reps; r++) {
          for (int i = 0; i < codecs.size(); i++) {
            String codec = codecs.get((i + r) % codecs.size()); // rotate the order: codecs share the drift of a loaded machine
            deleteTree(shm);
            Checkpointer.Builder b = Cairn.builder().name("bench").directory(dir).levels("ram")
                .set("level.ram.kind", "memory")
                .set("level.ram.path", shm.toString()).set("level.ram.codec", codec).set("level.ram.keep", "100")
                .set("interval", "none").set("signals", "false").set("block-size", block).environment(Map.of());
            try (Checkpointer c = b.open()) {
              c.protect("data", data);
              long t0 = System.nanoTime();
              Checkpoint v = c.checkpoint();
              ck.computeIfAbsent(codec, x -> new ArrayList<>()).add(System.nanoTime() - t0);
              stored.put(codec, packBytes(shm, v.version()));
            }
            Arrays.fill(back, 1.0);
            try (Checkpointer c = b.open()) {
              c.protect("data", back);
              long t0 = System.nanoTime();
              var unused = c.restoreLatest().orElseThrow(); // fails the bench when nothing restored
              rs.computeIfAbsent(codec, x -> new ArrayList<>()).add(System.nanoTime() - t0);
            }
            if (!Arrays.equals(back, data))
              throw new IllegalStateException("compression " + kind + "/" + codec + ": restore differs");
          }
        }
        long raw = data.length * 8L;
        double noneCk = raw / (median(ck.get("none")) / 1e9) / 1e9, noneRs = raw / (median(rs.get("none")) / 1e9) / 1e9;
        for (String codec : codecs) {
          double ckBw = raw / (median(ck.get(codec)) / 1e9) / 1e9, rsBw = raw / (median(rs.get(codec)) / 1e9) / 1e9;
          Map<String, Object> extra = new LinkedHashMap<>();
          extra.put("kind", kind);
          extra.put("codec", codec);
          extra.put("compressionRatio", (double) raw / stored.get(codec));
          extra.put("storedBytes", stored.get(codec));
          extra.put("rawBytes", raw);
          extra.put("restoreGBs", rsBw);
          extra.put("restoreRatio", rsBw / noneRs);
          extra.put("bestRatio", min(ck.get("none")) / min(ck.get(codec)));
          rows.add(row("compression", kind + " / " + codec + ": checkpoint bandwidth vs none", ckBw, noneCk, "GB/s",
              ckBw / noneCk,
              "bandwidth / bandwidth with codec none", null, spread(ck.get(codec), extra)));
        }
        data = null;
        back = null;
      }
    } finally {
      deleteTree(shm);
    }
    figure("compression", "Compression per codec: checkpoint bandwidth (vs codec none) and compression ratio", rows,
        List.of(
            "sync checkpoints to a RAM level (" + shm
                + "), so the codec, not the disk, sets the pace; restore is verified bit for bit",
            "compressionRatio = raw bytes / bytes on disk (pack + manifest); incompressible chunks are stored raw automatically",
            "random: uniformly random doubles; zeros: an all-zero array", smoothNote));
  }

  // ------------------------------------------------------------------ figure: codecs per data kind (io.cairn.internal.engine.TransformBench)

  private void figureCodecs(long sample) throws IOException {
    int edge = (int) Math.sqrt(sample / 8.0);
    log.printf(Locale.ROOT, "[codecs] lz4, zstd, lz4+shuffle, zstd+shuffle per data kind, one thread (%d MiB each)%n",
        sample >> 20);
    Heat h = new Heat(edge);
    smoothInit(h);
    for (int i = 0; i < 20; i++) h.step();
    List<Row> rows = new ArrayList<>();
    TransformBench.Result best = null; // the heat field's best ratio among the settings that encode at >= 1 GB/s on one core
    for (TransformBench.Result r : TransformBench.run(TransformBench.kinds(h.grid, seed + 6),
        (int) io.cairn.internal.Settings.parseBytes(block), reps)) {
      if (r.data().equals("smooth doubles") && r.encodeGBs() >= 1.0 && (best == null || r.ratio() > best.ratio()))
        best = r;
      boolean target = r.data().equals("smooth doubles") && r.codec().endsWith("+shuffle");
      Map<String, Object> extra = new LinkedHashMap<>();
      extra.put("data", r.data());
      extra.put("codec", r.codec());
      extra.put("rawBytes", r.rawBytes());
      extra.put("storedBytes", r.storedBytes());
      extra.put("encodeGBs", r.encodeGBs());
      extra.put("decodeGBs", r.decodeGBs());
      extra.put("copyGBs", r.copyGBs());
      rows.add(row("codecs", r.data() + " / " + r.codec() + ": compression ratio", r.ratio(), 1.0, "x", r.ratio(),
          "raw bytes / stored bytes", target ? ">= 1.4" : null, extra));
      rows.add(row("codecs", r.data() + " / " + r.codec() + ": encode speed, one thread", r.encodeGBs(), 1.0, "GB/s",
          r.encodeGBs(),
          "GB/s per core / 1 GB/s", target ? ">= 1.0" : null,
          Map.of("decodeGBs", r.decodeGBs(), "copyGBs", r.copyGBs())));
    }
    Map<String, Object> bestExtra = new LinkedHashMap<>();
    if (best != null) {
      bestExtra.put("codec", best.codec());
      bestExtra.put("encodeGBs", best.encodeGBs());
    }
    rows.add(row("codecs",
        "smooth doubles: best ratio at >= 1 GB/s per core"
            + (best == null ? " (none that fast)" : " (" + best.codec() + ")"),
        best == null ? 1.0 : best.ratio(), 1.0, "x", best == null ? 1.0 : best.ratio(),
        "compression ratio of the best setting whose one-thread encode reaches 1 GB/s (issue 20: >= 1.4x at >= 1 GB/s per core)",
        ">= 1.4", bestExtra));
    figure("codecs",
        "Codecs per data kind: compression ratio and speed per core (write stages: shuffle, codec, CRC32C)", rows,
        List.of(
            String.format(Locale.ROOT,
                "%d MiB per data kind, cut into blocks of %s, through the real write stages then the real read "
                    + "stages (checked bit for bit); one thread; median of %d",
                sample >> 20, block, reps),
            "smooth doubles: the heat solver's " + edge + "x" + edge
                + " grid from a smooth field after 20 steps; floats: the same as float; "
                + "ints: the same field in thousandths; longs: sorted ids (random gaps 1..64); text: words",
            "encode = shuffle + codec + CRC32C of one block after the other, from off-heap memory (the heap-to-direct copy of a sync "
                + "checkpoint is not included); copyGBs = a plain one-thread memory copy of the same bytes, same run",
            "load average at start " + loadAverage()));
  }

  /** Replaces the demo's cold interior with a smooth temperature field (the borders stay the demo's). */
  static void smoothInit(Heat h) {
    int n = h.n;
    double[] g = h.grid;
    for (int r = 1; r < n - 1; r++) {
      double y = (double) r / (n - 1);
      for (int c = 1; c < n - 1; c++) {
        double x = (double) c / (n - 1);
        g[r * n + c] = 100.0 * (1 - y) + 25.0 * Math.sin(Math.PI * x) * Math.sin(2 * Math.PI * y)
            + 5.0 * Math.cos(6 * Math.PI * x * y);
      }
    }
  }

  // ------------------------------------------------------------------ figure 3: loop overhead

  private void figureLoop() throws IOException {
    int edge = loopGrid != null ? loopGrid : quick ? 256 : 4096;
    int steps = loopSteps != null ? loopSteps : quick ? 300 : 400;
    String mt = quick && mtbf.equals("10m") ? "0.5s" : mtbf;
    String first = quick ? "0.005s" : "2s";
    int loopReps = quick ? 1 : Math.max(2, Math.min(reps, 3));
    log.printf(Locale.ROOT,
        "[loop] heat solver %dx%d (%.1f MiB), %d steps, async checkpoints at Young's interval (MTBF %s) vs none%n",
        edge, edge, edge * (double) edge * 8 / 1048576, steps, mt);
    Path level = dir.resolve("cairn-loop");
    Heat warm = new Heat(edge);
    for (int i = 0; i < Math.min(steps, 10); i++) warm.step();
    warm = null;
    List<Long> without = new ArrayList<>(), with = new ArrayList<>(), withDrain = new ArrayList<>();
    int ckpts = 0;
    long blockedTotal = 0;
    double cost = Double.NaN, interval = Double.NaN;
    long fpNo = 0, fpCk = 0;
    for (int r = 0; r < loopReps; r++) {
      for (int k = 0; k < 2; k++) {
        boolean checkpointed = (k == 0) == (r % 2 == 1);
        Heat h = new Heat(edge);
        long[] step = {0};
        if (!checkpointed) {
          long c0 = cpuNanos();
          long t0 = System.nanoTime();
          while (step[0] < steps) { h.step(); step[0]++; }
          without.add(System.nanoTime() - t0);
          record("loopCpuWithout", cpuNanos() - c0);
          fpNo = Heat.fingerprint(h.grid);
        } else {
          deleteTree(level);
          int n = 0;
          long t0, tLoop, blocked = 0, c0 = cpuNanos();
          Checkpointer c = Cairn.builder().name("bench").directory(dir).levels("local")
              .set("level.local.path", level.toString())
              .set("level.local.keep", "2").async(true).set("interval", "young").set("interval.mtbf", mt)
              .set("interval.first", first).set("signals", "false").set("block-size", block).environment(Map.of())
              .open();
          try {
            c.protect("grid", h.grid).protect("step", step);
            t0 = System.nanoTime();
            while (step[0] < steps) {
              h.step();
              step[0]++;
              if (c.due()) {
                long b0 = System.nanoTime();
                c.checkpoint(Metadata.create().step(step[0]));
                blocked += System.nanoTime() - b0;
                n++;
              }
            }
            tLoop = System.nanoTime() - t0;
            cost = c.measuredCost();
            interval = c.intervalSeconds();
          } finally {
            c.close();
          }
          with.add(tLoop);
          withDrain.add(System.nanoTime() - t0);
          record("loopCpuWith", cpuNanos() - c0);
          ckpts = n;
          blockedTotal = blocked;
          fpCk = Heat.fingerprint(h.grid);
          deleteTree(level);
        }
      }
    }
    if (fpNo != fpCk) throw new IllegalStateException("loop: the checkpointed run computed a different grid");
    times.put("loopWith", new ArrayList<>(with.stream().map(Long::doubleValue).toList()));
    times.put("loopWithout", new ArrayList<>(without.stream().map(Long::doubleValue).toList()));
    times.put("loopWithDrain", new ArrayList<>(withDrain.stream().map(Long::doubleValue).toList()));
    List<Row> rows = new ArrayList<>();
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("checkpoints", ckpts);
    extra.put("blockedSecondsInLastRun", blockedTotal / 1e9);
    extra.put("measuredCostSeconds", cost);
    extra.put("youngIntervalSeconds", interval);
    extra.put("steps", steps);
    extra.put("grid", edge);
    extra.put("bestRatio", minOf("loopWith") / minOf("loopWithout"));
    rows.add(row("loop", "heat solver with async checkpoints / without", median("loopWith") / 1e9,
        median("loopWithout") / 1e9, "s",
        median("loopWith") / median("loopWithout"), "run time with checkpoints / without", "<= 1.03", extra));
    rows.add(timeRow("loop", "same, including the final drain at close()", "loopWithDrain", "loopWithout", null));
    rows.add(timeRow("loop", "process CPU time with / without (robust to other tenants)", "loopCpuWith",
        "loopCpuWithout", null));
    figure("loop", "Overhead on a real loop: the heat solver with async checkpoints at Young's interval vs without",
        rows,
        List.of(String.format(Locale.ROOT,
            "%dx%d grid (%.1f MiB), %d steps, MTBF %s, first checkpoint after %s; %d checkpoints per run; "
                + "measured blocking cost %.4f s, Young interval %.2f s; checkpoint() blocked %.3f s in all (last run)",
            edge, edge, edge * (double) edge * 8 / 1048576, steps, mt,
            first, ckpts, cost, interval, blockedTotal / 1e9),
            "runs alternate (without, with, with, without, ...); median of " + loopReps
                + " each; both end with the same grid (checked)",
            "the solver uses every core (parallel stream), so the background writer competes with it for CPU",
            "CPU time counts all of this JVM's threads (the with-run up to the end of the drain); other processes' load does not inflate it the way it inflates wall time"));
  }

  // ------------------------------------------------------------------ helpers

  private void warmUp() throws IOException {
    Path w = dir.resolve("warmup");
    deleteTree(w);
    double[] small = Arrays.copyOf(state, Math.min(state.length, 1 << 20));
    for (String codec : List.of("none", "lz4", "zstd")) {
      try (Checkpointer c = Cairn.builder().name("warm").directory(w).levels("local")
          .set("level.local.path", w.toString())
          .set("level.local.codec", codec).set("level.local.incremental", "true").set("interval", "none")
          .set("signals", "false")
          .environment(Map.of()).open()) {
        c.protect("s", small);
        for (int i = 0; i < 3; i++) c.checkpoint();
        c.restoreLatest();
      }
    }
    deleteTree(w);
  }

  /** CPU time of this JVM, all threads (solver, background writer, GC, JIT). */
  private static long cpuNanos() {
    if (java.lang.management.ManagementFactory
        .getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os)
      return os.getProcessCpuTime();
    return -1;
  }

  private void record(String key, long nanos) {
    times.computeIfAbsent(key, k -> new ArrayList<>()).add((double) nanos);
  }

  private double median(String key) {
    return BenchReport.median(times.getOrDefault(key, List.of()));
  }

  private static double median(List<Long> l) {
    return BenchReport.median(l);
  }

  /** Bandwidth row: ratio = baseline time / measured time (the bandwidth ratio over the same bytes). */
  private Row bwRow(String fig, String name, String key, String baseKey, String target) {
    double t = median(key), b = median(baseKey);
    double gb = bytes / 1e9;
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("seconds", t / 1e9);
    extra.put("baselineSeconds", b / 1e9);
    extra.putAll(spreadOf(key));
    extra.put("bestRatio", minOf(baseKey) / minOf(key));
    return row(fig, name, gb / (t / 1e9), gb / (b / 1e9), "GB/s", b / t, "bandwidth / baseline bandwidth", target,
        extra);
  }

  private double minOf(String key) {
    return times.getOrDefault(key, List.of()).stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
  }

  private static double min(List<Long> l) {
    return l.stream().mapToLong(Long::longValue).min().orElse(0);
  }

  private Map<String, Object> spreadOf(String key) {
    return spread(times.getOrDefault(key, List.of()).stream().map(Double::longValue).toList(), Map.of());
  }

  /** Time row: ratio = measured time / baseline time. */
  private Row timeRow(String fig, String name, String key, String baseKey, String target) {
    double t = median(key), b = median(baseKey);
    Map<String, Object> extra = new LinkedHashMap<>(spreadOf(key));
    extra.put("bestRatio", minOf(key) / minOf(baseKey));
    return row(fig, name, t / 1e9, b / 1e9, "s", t / b, "time / baseline time", target, extra);
  }

  private Row row(String fig, String name, double value, double baseline, String unit, double ratio, String meaning,
      String target,
      Map<String, Object> extra) {
    Boolean met = BenchReport.met(target, ratio);
    Row r = new Row(fig, name, value, baseline, unit, ratio, meaning, target, met, extra);
    allRows.add(r);
    log.printf(Locale.ROOT, "  %-58s %10.4g %-4s vs %10.4g  ratio %.4f%s%n", name, value, unit, baseline, ratio,
        target == null ? "" : "  (target " + target + ": " + (met ? "met" : "NOT met") + ")");
    return r;
  }

  private void figure(String id, String title, List<Row> rows, List<String> notes) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("id", id);
    f.put("title", title);
    f.put("rows", rows.stream().map(Row::toMap).toList());
    f.put("notes", notes.stream().filter(s -> !s.isEmpty()).toList());
    f.put("loadAverageAtEnd", loadAverage());
    figures.add(f);
  }

  private void check(double[] target, String what) {
    if (!Arrays.equals(target, state)) throw new IllegalStateException(what + " gave back different bytes");
  }

  static void fillRandom(double[] a, long seed) {
    long x = seed * 0x9E3779B97F4A7C15L + 1;
    for (int i = 0; i < a.length; i++) {
      x ^= x << 13;
      x ^= x >>> 7;
      x ^= x << 17;
      a[i] = (x >>> 11) * 0x1.0p-53;
    }
  }

  /** Flushes other processes' dirty pages so each timed write starts from the same state. */
  private static void settle() {
    try {
      Process p = new ProcessBuilder("sync").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
      p.waitFor();
    } catch (IOException e) {
      // no sync(1): nothing to settle
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private boolean dropCaches() {
    settle();
    try {
      Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3", StandardCharsets.US_ASCII);
      return true;
    } catch (IOException | SecurityException e) {
      dropNote = e.getClass().getSimpleName() + ": " + e.getMessage();
      return false;
    }
  }

  /** The checkout's commit (with "-dirty" when it has changes), or "unknown" outside a git checkout. */
  private static String gitCommit() {
    try {
      Process p = new ProcessBuilder("git", "describe", "--always", "--dirty", "--abbrev=12").redirectErrorStream(true)
          .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return p.waitFor() == 0 && !out.isEmpty() ? out : "unknown";
    } catch (IOException e) {
      return "unknown";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }

  private static String loadAverage() {
    return BenchReport.loadAverage();
  }

  // ------------------------------------------------------------------ output

  private String table(int mib) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT,
        "cairn bench: %d MiB of state, median of %d, block size %s, %d CPUs, load %s -> %s%n",
        mib, reps, block, Runtime.getRuntime().availableProcessors(), loadAtStart, loadAverage()));
    sb.append("commit: ").append(gitCommit()).append(", Java ").append(System.getProperty("java.version")).append('\n');
    sb.append("page cache: ").append(dropNote).append('\n');
    sb.append(
        "ratio: of the median times (bandwidth ratios: baseline/Cairn); best: of the best (minimum) times, less disturbed by other load\n");
    for (Map<String, Object> f : figures) {
      sb.append('\n').append(f.get("id")).append(": ").append(f.get("title")).append('\n');
      sb.append(String.format(Locale.ROOT, "  %-60s %12s %12s %9s %9s  %s%n", "", "Cairn", "baseline", "ratio", "best",
          "target"));
      for (Row r : allRows) {
        if (!r.figure().equals(f.get("id"))) continue;
        String extra = "";
        if (r.extra().containsKey("compressionRatio"))
          extra = String.format(Locale.ROOT, "  compression %.2fx, restore %.2f GB/s",
              (Double) r.extra().get("compressionRatio"), (Double) r.extra().get("restoreGBs"));
        Object best = r.extra().get("bestRatio");
        sb.append(String.format(Locale.ROOT, "  %-60s %12s %12s %9.4f %9s  %s%s%n", r.name(), fmt(r.value(), r.unit()),
            fmt(r.baseline(), r.unit()),
            r.ratio(), best instanceof Double d ? String.format(Locale.ROOT, "%.4f", d) : "-",
            r.target() == null ? "-" : r.target() + (r.met() ? " met" : " NOT MET"), extra));
      }
      @SuppressWarnings("unchecked")
      List<String> notes = (List<String>) f.get("notes");
      for (String n : notes) sb.append("    * ").append(n).append('\n');
    }
    return sb.toString();
  }

  private static String fmt(double v, String unit) {
    return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : v >= 1 ? "%.2f %s" : "%.4f %s", v, unit);
  }

  /** One bar per row on a log scale around ratio 1, target marks in red, green/red when a target is met/missed. */
  private String svg(int mib) {
    List<Svg.Bar> bars = new ArrayList<>();
    for (Map<String, Object> f : figures) {
      bars.add(Svg.Bar.heading(f.get("id") + ": " + f.get("title")));
      for (Row r : allRows) {
        if (!r.figure().equals(f.get("id"))) continue;
        Svg.Bar b = Svg.Bar.of(r.name(), r.ratio(), String.format(Locale.ROOT, "%.3g", r.ratio()))
            .color(r.met() == null ? "#6b8fc7" : r.met() ? "#4caf50" : "#e57373");
        bars.add(r.target() == null ? b : b.target(BenchReport.targetValue(r.target())));
      }
    }
    return Svg.horizontalBars(
        "cairn bench: " + mib + " MiB, ratios vs a baseline measured in the same run (log scale; red tick = target)",
        bars, Svg.Scale.LOG, 1, 1e-3, 1e3);
  }

  static void deleteTree(Path d) throws IOException {
    if (!Files.exists(d)) return;
    try (var s = Files.walk(d)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }
}
