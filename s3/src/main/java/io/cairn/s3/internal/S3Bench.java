package io.cairn.s3.internal;

import io.cairn.Cairn;
import io.cairn.Checkpointer;
import io.cairn.Version;
import io.cairn.internal.util.Json;
import io.cairn.internal.util.BenchReport;
import io.cairn.s3.S3Level;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code cairn bench --only s3}: a checkpoint to an s3 level, and its restore, against the AWS SDK's own
 * upload (one PutObject) and download (one GetObject) of the same bytes to the same server, as ratios
 * measured in one run. With no server given it starts s3proxy (a real S3 API server over a directory in
 * the bench directory) on 127.0.0.1 and a free port, from the class path the {@code s3} module's build
 * writes ({@code s3/target/s3proxy.classpath}), and stops it at the end. Another server: set
 * {@code CAIRN_S3_BENCH_ENDPOINT} and {@code CAIRN_S3_BENCH_BUCKET} (credentials from the SDK's default chain).
 */
public final class S3Bench {
  private static final PrintStream log = System.err;
  private static final String KEY = "cairn-bench", SECRET = "cairn-bench-secret";

  private S3Bench() {}

  /** Runs the figure; the arguments are {@code cairn bench}'s options (null when not given). */
  public static int run(Path dir, Integer sizeMiB, Integer repeat, boolean quick, boolean json) throws Exception {
    if (System.getProperty("org.slf4j.simpleLogger.log.io.cairn") == null)
      System.setProperty("org.slf4j.simpleLogger.log.io.cairn", "warn");
    int mib = sizeMiB != null ? sizeMiB : quick ? 32 : 256;
    if (mib < 1 || mib > 2047)
      throw new IllegalArgumentException("--size must be between 1 and 2047 MiB for the s3 figure, got " + mib);
    int reps = repeat != null ? Math.max(1, repeat) : quick ? 1 : 3;
    Files.createDirectories(dir);
    String endpointEnv = System.getenv("CAIRN_S3_BENCH_ENDPOINT");
    Process server = null;
    URI endpoint;
    String bucket;
    S3Level level;
    String serverNote;
    try {
      if (endpointEnv != null && !endpointEnv.isBlank()) {
        endpoint = URI.create(endpointEnv.strip());
        bucket = System.getenv().getOrDefault("CAIRN_S3_BENCH_BUCKET", "cairn-bench");
        level = S3Level.builder(bucket).endpoint(endpoint).build();
        serverNote = "server " + endpoint + " (CAIRN_S3_BENCH_ENDPOINT), bucket " + bucket;
      } else {
        int port = freePort();
        server = startS3Proxy(dir, port);
        endpoint = URI.create("http://127.0.0.1:" + port);
        bucket = "cairn-bench";
        level = S3Level.builder(bucket).endpoint(endpoint)
            .credentials(StaticCredentialsProvider.create(AwsBasicCredentials.create(KEY, SECRET))).build();
        serverNote = "s3proxy 2.6.0 (filesystem store in " + dir.resolve("s3proxy-data") + ") started by the bench on "
            + endpoint;
        try (S3Client c = level.client()) {
          c.createBucket(b -> b.bucket(bucket));
        }
      }
      log.printf(Locale.ROOT, "cairn bench --only s3: %d MiB, %d repetition(s); %s%n", mib, reps, serverNote);
      return measure(dir, mib, reps, level, bucket, serverNote, json);
    } finally {
      if (server != null) {
        server.destroy();
        if (!server.waitFor(20, TimeUnit.SECONDS)) {
          server.destroyForcibly();
          server.waitFor(10, TimeUnit.SECONDS);
        }
      }
    }
  }

  private static int measure(Path dir, int mib, int reps, S3Level level, String bucket, String serverNote, boolean json)
      throws Exception {
    byte[] state = new byte[mib << 20];
    new SplittableRandom(42).nextBytes(state);
    byte[] back = new byte[state.length];
    Map<String, List<Double>> t = new LinkedHashMap<>();
    for (String k : List.of("sdkPut", "cairnCheckpoint", "sdkGet", "cairnRestore")) t.put(k, new ArrayList<>());
    String run = "bench-s3";
    try (S3Client c = level.client()) {
      for (int r = 0; r < reps; r++) {
        boolean cairnFirst = r % 2 == 1;
        for (int k = 0; k < 2; k++) {
          if ((k == 0) == cairnFirst) {
            // Cairn: a checkpoint to an s3 level alone (codec none, not incremental), then its restore
            Version v;
            try (Checkpointer ck = open(dir, level, run, false)) {
              ck.protect("state", state);
              long t0 = System.nanoTime();
              v = ck.checkpoint().await();
              t.get("cairnCheckpoint").add((System.nanoTime() - t0) / 1e9);
            }
            Arrays.fill(back, (byte) 0);
            try (Checkpointer ck = open(dir, level, run, true)) {
              ck.protect("state", back);
              long t0 = System.nanoTime();
              ck.restore(v.number());
              t.get("cairnRestore").add((System.nanoTime() - t0) / 1e9);
            }
            if (!Arrays.equals(state, back))
              throw new IllegalStateException("the restored state differs from the checkpointed one");
            try (Checkpointer ck = open(dir, level, run, false)) {
              ck.delete(v.number()); // not timed: the next repetition starts from an empty prefix
            }
          } else {
            String key = "baseline/state.bin";
            long t0 = System.nanoTime();
            c.putObject(b -> b.bucket(bucket).key(key).contentLength((long) state.length),
                RequestBody.fromContentProvider(() -> new ByteArrayInputStream(state), state.length,
                    "application/octet-stream"));
            t.get("sdkPut").add((System.nanoTime() - t0) / 1e9);
            Arrays.fill(back, (byte) 0);
            t0 = System.nanoTime();
            try (InputStream in = c.getObject(b -> b.bucket(bucket).key(key))) {
              int n = in.readNBytes(back, 0, back.length);
              if (n != back.length) throw new IOException("GetObject returned " + n + " of " + back.length + " bytes");
            }
            t.get("sdkGet").add((System.nanoTime() - t0) / 1e9);
            if (!Arrays.equals(state, back))
              throw new IllegalStateException("the downloaded object differs from the uploaded bytes");
            c.deleteObject(b -> b.bucket(bucket).key(key));
          }
        }
        log.printf(Locale.ROOT,
            "  repetition %d: checkpoint %.2f s vs PutObject %.2f s; restore %.2f s vs GetObject %.2f s%n", r + 1,
            last(t, "cairnCheckpoint"), last(t, "sdkPut"), last(t, "cairnRestore"), last(t, "sdkGet"));
      }
    }
    double mb = state.length / 1e6;
    double cw = BenchReport.median(t.get("cairnCheckpoint")), bw = BenchReport.median(t.get("sdkPut"));
    double cr = BenchReport.median(t.get("cairnRestore")), br = BenchReport.median(t.get("sdkGet"));
    List<Map<String, Object>> rows = new ArrayList<>();
    rows.add(row("checkpoint to an s3 level vs PutObject of the same bytes", mb / cw, mb / bw));
    rows.add(row("restore from an s3 level vs GetObject of the same bytes", mb / cr, mb / br));
    Map<String, Object> out = BenchReport.header("cairn bench --only s3");
    out.put("sizeMiB", mib);
    out.put("repeat", reps);
    out.put("server", serverNote);
    out.put("cairn",
        "one s3 level, block size 4MiB, codec none, part size 8MiB, 4 parts in flight; restore verifies every chunk's CRC32C");
    out.put("baseline", "AWS SDK v2 S3Client (same client settings): one PutObject / one GetObject of the same bytes");
    out.put("rows", rows);
    out.put("secondsMedian", Map.of("cairnCheckpoint", cw, "sdkPut", bw, "cairnRestore", cr, "sdkGet", br));
    List<List<String>> cells = new ArrayList<>();
    for (Map<String, Object> r : rows) {
      cells.add(List.of((String) r.get("name"), String.format(Locale.ROOT, "%.1f", (Double) r.get("value")),
          String.format(Locale.ROOT, "%.1f", (Double) r.get("baseline")),
          String.format(Locale.ROOT, "%.2f", (Double) r.get("ratio"))));
    }
    String table = String.format(Locale.ROOT, "s3 level, %d MiB, median of %d (%s)%n", mib, reps, serverNote)
        + BenchReport.table("", List.of("figure", "Cairn MB/s", "SDK MB/s", "ratio"), cells);
    BenchReport.write(dir, "bench-s3", out, table);
    String text = Json.write(out);
    if (json) System.out.println(text);
    else
      System.out.print(table);
    log.println("results: " + dir.resolve("bench-s3.json") + ", " + dir.resolve("bench-s3.txt"));
    return 0;
  }

  private static Checkpointer open(Path dir, S3Level level, String run, boolean readOnly) {
    return Cairn.builder().name(run).directory(dir.resolve("cairn")).levels("s3").set("signals", "false")
        .set("level.s3.keep", "100")
        .set("interval", "none").storage(l -> level.storage(run)).readOnly(readOnly).open();
  }

  private static Map<String, Object> row(String name, double value, double baseline) {
    return BenchReport.ratioRow(name, value, baseline, "MB/s", value / baseline,
        "Cairn bandwidth / SDK bandwidth (1 = as fast as the plain SDK call)", null, Map.of());
  }

  private static double last(Map<String, List<Double>> t, String k) { return t.get(k).getLast(); }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** The class path of s3proxy: {@code cairn.s3proxy.classpath} (a file), else {@code s3/target/s3proxy.classpath} of the source tree. */
  static Path classpathFile() {
    String p = System.getProperty("cairn.s3proxy.classpath");
    if (p != null) return Path.of(p);
    List<Path> tries = new ArrayList<>();
    tries.add(Path.of("s3/target/s3proxy.classpath"));
    try {
      Path jar = Path.of(S3Bench.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      // cli/target/cairn.jar (or cli/target/classes) -> <root>/s3/target/s3proxy.classpath
      Path root = jar.getParent() == null
          ? null
          : jar.getParent().getParent() == null ? null : jar.getParent().getParent().getParent();
      if (root != null) tries.add(root.resolve("s3/target/s3proxy.classpath"));
    } catch (Exception e) {
      // no code source: only the working directory
    }
    for (Path t : tries) if (Files.isRegularFile(t)) return t;
    throw new IllegalStateException("cannot find s3proxy's class path (looked for " + tries
        + "); build the s3 module first "
        + "(./cairn builds it; or mvn -pl s3 -am test-compile), or give a server with CAIRN_S3_BENCH_ENDPOINT and CAIRN_S3_BENCH_BUCKET");
  }

  /** Starts s3proxy over a directory of the bench directory; returns once it answers on 127.0.0.1:port. */
  static Process startS3Proxy(Path dir, int port) throws Exception {
    String cp = Files.readString(classpathFile()).strip();
    Path data = dir.resolve("s3proxy-data");
    if (Files.exists(data)) {
      try (var s = Files.walk(data)) {
        for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
      }
    }
    Files.createDirectories(data);
    Path conf = dir.resolve("s3proxy.conf");
    Files.writeString(conf,
        String.join("\n", "s3proxy.endpoint=http://127.0.0.1:" + port, "s3proxy.authorization=aws-v2-or-v4",
            "s3proxy.identity=" + KEY, "s3proxy.credential=" + SECRET, "jclouds.provider=filesystem",
            "jclouds.filesystem.basedir=" + data.toAbsolutePath(), "jclouds.identity=ignored",
            "jclouds.credential=ignored", ""));
    Path logback = dir.resolve("s3proxy-logback.xml");
    Files.writeString(logback, """
        <configuration>
          <appender name="ERR" class="ch.qos.logback.core.ConsoleAppender"><target>System.err</target>
            <encoder><pattern>s3proxy %-5level %logger{36} - %msg%n</pattern></encoder></appender>
          <root level="WARN"><appender-ref ref="ERR"/></root>
        </configuration>
        """);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-Xmx1g", "-Dlogback.configurationFile=" + logback.toAbsolutePath(), "-cp", cp,
        "org.gaul.s3proxy.Main", "--properties", conf.toAbsolutePath().toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("s3proxy.log").toFile()).start();
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < until) {
      if (!p.isAlive())
        throw new IllegalStateException("s3proxy exited with " + p.exitValue() + "; see " + dir.resolve("s3proxy.log"));
      try {
        HttpURLConnection h = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/").toURL().openConnection();
        h.setConnectTimeout(500);
        h.getResponseCode(); // 403 AccessDenied when up
        h.disconnect();
        return p;
      } catch (IOException notYet) {
        Thread.sleep(200);
      }
    }
    p.destroyForcibly();
    throw new IllegalStateException(
        "s3proxy did not answer on 127.0.0.1:" + port + " within 60 s; see " + dir.resolve("s3proxy.log"));
  }
}
