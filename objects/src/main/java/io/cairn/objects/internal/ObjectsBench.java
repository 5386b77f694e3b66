package io.cairn.objects.internal;

import io.cairn.Cairn;
import io.cairn.Checkpointer;
import io.cairn.internal.util.BenchReport;
import io.cairn.internal.util.Json;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.PrintStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.fory.Fory;
import org.apache.fory.config.CompatibleMode;
import org.apache.fory.config.Language;

/**
 * {@code cairn bench --only objects}: capture and restore of object graphs protected with
 * {@code protect(name, object)}, against Apache Fory used directly (same configuration, bytes written to
 * a file and fsync'ed) and against {@code ObjectOutputStream}/{@code ObjectInputStream} (buffered file,
 * fsync'ed), all in one run, each the median of the repetitions after untimed warm-up rounds. Two graphs:
 * ~1e6 small objects (a map of records with arrays inside) and a few large arrays inside an object.
 */
public final class ObjectsBench {
  /** A small record with an array: what maps of state look like. */
  record Item(String id, int k, double[] v) implements Serializable {}

  static final class SmallModel implements Serializable {
    HashMap<String, Item> items = new HashMap<>();
    long step;
  }

  static final class LargeModel implements Serializable {
    double[] a;
    float[] b;
    long[] c;
    String name = "large";
  }

  private final Path dir;
  private final int reps;
  /**
   * Untimed rounds before the timed ones, for every contender: Cairn's restore path (pack reader,
   * CRC32C, the sink) is Java code that the JIT compiles during the first rounds, and on a loaded 2-core
   * machine the compiler threads need several rounds to catch up (their CPU time counts as the process's).
   */
  private final int warm;
  private final boolean quick;
  private final PrintStream log;
  private final List<Map<String, Object>> rows = new ArrayList<>();

  private ObjectsBench(Path dir, int reps, boolean quick, PrintStream log) {
    this.dir = dir;
    this.reps = reps;
    this.warm = quick ? 1 : 3;
    this.quick = quick;
    this.log = log;
  }

  /** Runs the figure; prints a table (or JSON) and writes objects-bench.json/.txt under {@code dir}. */
  public static int run(Path dir, Integer repeat, boolean quick, boolean json, PrintStream log) throws Exception {
    int reps = repeat != null ? Math.max(1, repeat) : quick ? 1 : 5;
    Files.createDirectories(dir);
    ObjectsBench b = new ObjectsBench(dir, reps, quick, log);
    int records = quick ? 25_000 : 250_000;
    int largeElems = quick ? 1 << 17 : 1 << 22; // 1 MiB or 32 MiB per double[]
    log.printf(Locale.ROOT,
        "cairn bench --only objects: %d records (~%d objects), 3 large arrays of %d elements, %d repetition(s), in %s%n",
        records, records * 4L, largeElems, reps, dir.toAbsolutePath());
    SmallModel small = small(records);
    b.graph("small objects", small, SmallModel::new, m -> m.items = new HashMap<>(),
        (x, y) -> x.items.size() == y.items.size() && x.step == y.step
            && x.items.entrySet().stream().limit(1000).allMatch(e -> {
              Item o = y.items.get(e.getKey());
              return o != null && o.k() == e.getValue().k() && Arrays.equals(o.v(), e.getValue().v());
            }));
    small = null;
    LargeModel large = large(largeElems);
    b.graph("large arrays", large, LargeModel::new, m -> { m.a = null; m.b = null; m.c = null; },
        (x, y) -> Arrays.equals(x.a, y.a) && Arrays.equals(x.b, y.b) && Arrays.equals(x.c, y.c));

    Map<String, Object> out = BenchReport.header("cairn bench --only objects");
    out.put("repeat", reps);
    out.put("quick", quick);
    out.put("rows", b.rows);
    out.put("notes", List.of(
        "times are medians of warm repetitions (3 untimed warm-up rounds first, 1 with --quick: Fory generates its serializers, the JIT compiles both paths); each repetition starts after System.gc(), outside the timed window; *Range: min-max of the repetitions",
        "the contenders take turns within each repetition (cairn, fory, java), so JIT warm-up and heap growth favour none",
        "cairn: one local level, no compression, not incremental; checkpoint() (serialise + write + fsync + manifest) and restoreLatest() (read + CRC32C + deserialise + fill the root; the root is emptied before each repetition, as a restarted program's)",
        "fory: the same Fory configuration (reference tracking, compatible mode, enums by name), byte[] written with FileChannel and fsync'ed; read back with Files.readAllBytes",
        "java: ObjectOutputStream over a buffered FileOutputStream, fsync'ed; ObjectInputStream over a buffered file",
        "targets: cairn/fory <= 1.2 and java/cairn >= 5"));
    String text = b.table();
    BenchReport.write(dir, "objects-bench", out, text);
    if (json) System.out.println(Json.write(out));
    else
      System.out.print(text);
    log.println("results: " + dir.resolve("objects-bench.json") + ", " + dir.resolve("objects-bench.txt"));
    return 0;
  }

  static SmallModel small(int n) {
    SplittableRandom r = new SplittableRandom(42);
    SmallModel m = new SmallModel();
    for (int i = 0; i < n; i++) {
      double[] v = new double[4];
      for (int j = 0; j < v.length; j++) v[j] = r.nextDouble();
      m.items.put("k" + i, new Item("item-" + i, r.nextInt(1000), v));
    }
    m.step = n;
    return m;
  }

  static LargeModel large(int n) {
    SplittableRandom r = new SplittableRandom(7);
    LargeModel m = new LargeModel();
    m.a = new double[n];
    m.b = new float[n * 2];
    m.c = new long[n];
    for (int i = 0; i < n; i++) { m.a[i] = r.nextDouble(); m.c[i] = r.nextLong(); }
    for (int i = 0; i < m.b.length; i++) m.b[i] = (float) Math.sin(i * 1e-3);
    return m;
  }

  interface Same<T> { boolean test(T a, T b); }

  interface Supplier<T> { T get(); }

  static Fory fory() {
    org.apache.fory.logging.LoggerFactory.disableLogging();
    return Fory.builder().withLanguage(Language.JAVA).withRefTracking(true)
        .withCompatibleMode(CompatibleMode.COMPATIBLE)
        .requireClassRegistration(false).suppressClassRegistrationWarnings(true).serializeEnumByName(true)
        .withAsyncCompilation(false).build();
  }

  interface Reset<T> { void clear(T t); }

  private <T> void graph(String name, T model, Supplier<T> empty, Reset<T> reset, Same<T> same) throws Exception {
    log.printf(Locale.ROOT, "[%s]%n", name);
    Path d = dir.resolve("objects-" + name.replace(' ', '-'));
    deleteTree(d);
    Files.createDirectories(d);
    // The three contenders take turns within each repetition (Cairn, Fory, Java serialization), so that
    // the JIT's progress and the heap's size (ParallelGC resizes it as it goes) favour none of them: run
    // one after the other, whoever came first paid for compiling the code they share and for growing the
    // heap (on the loaded 2-core machine that decided the ratios, both ways).
    List<Long> cw = new ArrayList<>(), cr = new ArrayList<>(), cwc = new ArrayList<>(), crc = new ArrayList<>();
    List<Long> fw = new ArrayList<>(), fr = new ArrayList<>(), fwc = new ArrayList<>(), frc = new ArrayList<>();
    List<Long> jw = new ArrayList<>(), jr = new ArrayList<>(), jwc = new ArrayList<>(), jrc = new ArrayList<>();
    int jreps = Math.max(1, Math.min(reps, 3)); // slow: at most 3
    long[] gcw = new long[3], gcr = new long[3]; // GC milliseconds inside the timed windows: cairn, fory, java
    long cairnBytes, foryBytes = 0;
    Fory fory = fory();
    Path ff = d.resolve("fory.bin"), jf = d.resolve("java.ser");
    Checkpointer.Builder builder = Cairn.builder().name("objects").directory(d.resolve("cairn")).levels("local")
        .set("level.local.keep", "1").set("signals", "false").environment(Map.of());
    try (Checkpointer c = builder.open()) {
      c.protect("model", model);
      for (int i = 0; i < warm + reps; i++) {
        settle();
        long t = System.nanoTime(), u = cpu(), g = gc();
        c.checkpoint().await();
        if (i >= warm) { cw.add(System.nanoTime() - t); cwc.add(cpu() - u); gcw[0] += gc() - g; }

        settle();
        t = System.nanoTime();
        u = cpu();
        g = gc();
        byte[] bytes = fory.serialize(model);
        try (FileChannel ch = FileChannel.open(ff, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
          ByteBuffer bb = ByteBuffer.wrap(bytes);
          while (bb.hasRemaining()) ch.write(bb);
          ch.force(true);
        }
        if (i >= warm) { fw.add(System.nanoTime() - t); fwc.add(cpu() - u); gcw[1] += gc() - g; }
        foryBytes = bytes.length;
        bytes = null;

        if (i >= warm + jreps) continue;
        settle();
        t = System.nanoTime();
        u = cpu();
        g = gc();
        try (FileOutputStream fos = new FileOutputStream(jf.toFile());
            ObjectOutputStream oos = new ObjectOutputStream(new BufferedOutputStream(fos, 1 << 16))) {
          oos.writeObject(model);
          oos.flush();
          fos.getFD().sync();
        }
        if (i >= warm) { jw.add(System.nanoTime() - t); jwc.add(cpu() - u); gcw[2] += gc() - g; }
      }
      cairnBytes = c.regions(c.versions().getLast().number()).getFirst().length();
    }
    T back = empty.get();
    Object fback = null, jback = null;
    try (Checkpointer c = builder.open()) {
      c.protect("model", back);
      for (int i = 0; i < warm + reps; i++) {
        // the previous repetition's graphs are garbage before each restore (as in a restarted program)
        reset.clear(back);
        fback = null;
        jback = null;
        settle();
        long t = System.nanoTime(), u = cpu(), g = gc();
        c.restoreLatest();
        if (i >= warm) { cr.add(System.nanoTime() - t); crc.add(cpu() - u); gcr[0] += gc() - g; }
        if (i == warm + reps - 1 && !same.test(model, back))
          throw new IllegalStateException("cairn restored a different " + name + " graph");
        reset.clear(back);

        settle();
        t = System.nanoTime();
        u = cpu();
        g = gc();
        fback = fory.deserialize(Files.readAllBytes(ff));
        if (i >= warm) { fr.add(System.nanoTime() - t); frc.add(cpu() - u); gcr[1] += gc() - g; }
        @SuppressWarnings("unchecked")
        T ft = (T) fback;
        if (i == warm + reps - 1 && !same.test(model, ft))
          throw new IllegalStateException("fory restored a different " + name + " graph");
        fback = null;
        ft = null;

        if (i >= warm + jreps) continue;
        settle();
        t = System.nanoTime();
        u = cpu();
        g = gc();
        try (
            ObjectInputStream ois = new ObjectInputStream(new BufferedInputStream(Files.newInputStream(jf), 1 << 16))) {
          jback = ois.readObject();
        }
        if (i >= warm) { jr.add(System.nanoTime() - t); jrc.add(cpu() - u); gcr[2] += gc() - g; }
        @SuppressWarnings("unchecked")
        T jt = (T) jback;
        if (i == warm + jreps - 1 && !same.test(model, jt))
          throw new IllegalStateException("java serialization restored a different " + name + " graph");
        jback = null;
        jt = null;
      }
    }
    back = null;
    long javaBytes = Files.size(jf);
    row(name, "capture", median(cw), median(fw), median(jw), median(cwc), median(fwc), median(jwc), cairnBytes,
        foryBytes, javaBytes);
    spread(cw, fw, jw, cwc, fwc, jwc, gcw, reps, jreps);
    row(name, "restore", median(cr), median(fr), median(jr), median(crc), median(frc), median(jrc), cairnBytes,
        foryBytes, javaBytes);
    spread(cr, fr, jr, crc, frc, jrc, gcr, reps, jreps);
    deleteTree(d);
  }

  /**
   * Collects the garbage the previous step left (outside the timed window), so that each timed
   * repetition of every contender starts from the same clean heap and pays only for the collections
   * its own allocations cause: on a loaded 2-core machine one young collection takes 1-10 s, and which
   * repetition it happened to land in decided the medians before.
   */
  private static void settle() {
    System.gc();
  }

  /** Adds the range (min-max) of each contender's repetitions to the last row (the medians hide it). */
  private void spread(List<Long> c, List<Long> f, List<Long> j, List<Long> cc, List<Long> fc, List<Long> jc,
      long[] gcMs, int reps, int jreps) {
    Map<String, Object> m = rows.getLast();
    m.put("cairnSecondsRange", range(c));
    m.put("forySecondsRange", range(f));
    m.put("javaSecondsRange", range(j));
    m.put("cairnCpuSecondsRange", range(cc));
    m.put("foryCpuSecondsRange", range(fc));
    m.put("javaCpuSecondsRange", range(jc));
    m.put("cairnGcMsPerRepetition", gcMs[0] / (double) reps);
    m.put("foryGcMsPerRepetition", gcMs[1] / (double) reps);
    m.put("javaGcMsPerRepetition", gcMs[2] / (double) jreps);
    log.printf(Locale.ROOT,
        "          ranges (min-max s): wall cairn %s, fory %s, java %s; cpu cairn %s, fory %s, java %s;"
            + " GC pauses per repetition: cairn %.0f ms, fory %.0f ms, java %.0f ms%n",
        range(c), range(f), range(j), range(cc), range(fc), range(jc), gcMs[0] / (double) reps, gcMs[1] / (double) reps,
        gcMs[2] / (double) jreps);
  }

  private static String range(List<Long> l) {
    return String.format(Locale.ROOT, "%.3f-%.3f", l.stream().mapToLong(Long::longValue).min().orElse(0) / 1e9,
        l.stream().mapToLong(Long::longValue).max().orElse(0) / 1e9);
  }

  /** Milliseconds the JVM's collectors have spent so far (all collectors). */
  private static long gc() {
    long ms = 0;
    for (var b : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans())
      ms += Math.max(0, b.getCollectionTime());
    return ms;
  }

  /** CPU time of the whole process (all threads: Cairn's writer/reader threads, the GC), in ns: robust to a loaded machine. */
  private static long cpu() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
        .getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private void row(String graph, String op, double cairn, double fory, double java, double cairnCpu, double foryCpu,
      double javaCpu,
      long cb, long fb, long jb) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("graph", graph);
    m.put("operation", op);
    m.put("cairnSeconds", cairn);
    m.put("forySeconds", fory);
    m.put("javaSeconds", java);
    m.put("cairnOverFory", cairn / fory);
    m.put("javaOverCairn", java / cairn);
    m.put("cairnCpuSeconds", cairnCpu);
    m.put("foryCpuSeconds", foryCpu);
    m.put("javaCpuSeconds", javaCpu);
    m.put("cairnOverForyCpu", cairnCpu / foryCpu);
    m.put("javaOverCairnCpu", javaCpu / cairnCpu);
    m.put("cairnBytes", cb);
    m.put("foryBytes", fb);
    m.put("javaBytes", jb);
    rows.add(m);
    log.printf(Locale.ROOT,
        "  %-7s wall: cairn %.3f s, fory %.3f s, java %.3f s: cairn/fory %.2fx, java/cairn %.1fx; cpu: cairn/fory %.2fx,"
            + " java/cairn %.1fx (bytes %d / %d / %d)%n",
        op, cairn, fory, java, cairn / fory, java / cairn, cairnCpu / foryCpu, javaCpu / cairnCpu, cb, fb, jb);
  }

  private static double num(Object o) { return ((Number) o).doubleValue(); }

  private String table() {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%-14s %-8s %9s %9s %9s %11s %11s %10s %10s %12s %12s %12s%n", "graph", "op",
        "cairn s", "fory s", "java s",
        "cairn/fory", "java/cairn", "cpu c/f", "cpu j/c", "cairn bytes", "fory bytes", "java bytes"));
    for (Map<String, Object> r : rows)
      sb.append(String.format(Locale.ROOT,
          "%-14s %-8s %9.3f %9.3f %9.3f %10.2fx %10.1fx %9.2fx %9.1fx %12d %12d %12d%n", r.get("graph"),
          r.get("operation"),
          num(r.get("cairnSeconds")), num(r.get("forySeconds")), num(r.get("javaSeconds")), num(r.get("cairnOverFory")),
          num(r.get("javaOverCairn")), num(r.get("cairnOverForyCpu")), num(r.get("javaOverCairnCpu")),
          ((Number) r.get("cairnBytes")).longValue(), ((Number) r.get("foryBytes")).longValue(),
          ((Number) r.get("javaBytes")).longValue()));
    sb.append(
        "wall-clock medians (s) and ratios; 'cpu' columns: the same ratios of process CPU time (all threads), robust to a loaded machine\n");
    sb.append("targets: cairn/fory <= 1.2x, java/cairn >= 5x; load average ").append(BenchReport.loadAverage())
        .append(" on ")
        .append(Runtime.getRuntime().availableProcessors()).append(" CPUs\n");
    return sb.toString();
  }

  private static double median(List<Long> l) {
    return BenchReport.median(l) / 1e9;
  }

  private static void deleteTree(Path d) throws IOException {
    if (!Files.exists(d)) return;
    try (var w = Files.walk(d)) {
      for (Path p : w.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }

}
