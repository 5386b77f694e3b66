package io.cairn.cli.dl;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Runs {@code io.cairn.dl.djl.DjlBench} in a child JVM: the PyTorch engine (its JNI jar and the 111 MB
 * native jar) is not part of cairn.jar; it is taken from the local Maven repository where building the
 * {@code dl-djl} module put it (or from {@code CAIRN_DJL_CLASSPATH}). The child runs offline with one
 * intra-op thread ({@code OMP_NUM_THREADS=1} unless set) and unpacks the native library under
 * {@code DJL_CACHE_DIR} (default {@code ~/.cache/cairn/djl}).
 */
final class DjlBenchLauncher {
  static final String[][] JARS = {
      {"ai/djl/pytorch/pytorch-engine/0.36.0", "pytorch-engine-0.36.0.jar"},
      {"ai/djl/pytorch/pytorch-jni/2.7.1-0.36.0", "pytorch-jni-2.7.1-0.36.0.jar"},
      {"ai/djl/pytorch/pytorch-native-cpu/2.7.1", "pytorch-native-cpu-2.7.1-linux-x86_64.jar"}};

  private DjlBenchLauncher() {}

  static int run(long steps, int every, int reps, String levels, PrintWriter out)
      throws IOException, InterruptedException {
    String engine = System.getenv("CAIRN_DJL_CLASSPATH");
    if (engine == null) {
      Path repo = Path.of(System.getProperty("maven.repo.local",
          Path.of(System.getProperty("user.home"), ".m2", "repository").toString()));
      List<String> jars = new ArrayList<>();
      for (String[] j : JARS) {
        Path p = repo.resolve(j[0]).resolve(j[1]);
        if (!Files.isRegularFile(p)) {
          out.println("cairn dl bench --djl: the PyTorch engine jar " + p + " is missing; build the dl-djl module once"
              + " (mvn -pl dl-djl -am test-compile) or set CAIRN_DJL_CLASSPATH to the engine, JNI and native jars");
          return 2;
        }
        jars.add(p.toString());
      }
      engine = String.join(java.io.File.pathSeparator, jars);
    }
    Path self;
    try {
      self = Path.of(DjlBenchLauncher.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (java.net.URISyntaxException e) {
      throw new IOException(e);
    }
    String cp = Files.isRegularFile(self) ? self.toString() : System.getProperty("java.class.path");
    String javaBin = ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> cmd = List.of(javaBin, "--enable-native-access=ALL-UNNAMED", "-XX:+UseParallelGC",
        "-Dai.djl.offline=true",
        "-cp", cp + java.io.File.pathSeparator + engine, "io.cairn.dl.djl.DjlBench",
        "--steps", Long.toString(steps), "--every", Integer.toString(every), "--reps", Integer.toString(reps),
        "--levels", levels);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putIfAbsent("OMP_NUM_THREADS", "1");
    String cache = System.getenv("DJL_CACHE_DIR");
    if (cache == null) cache = Path.of(System.getProperty("user.home"), ".cache", "cairn", "djl").toString();
    pb.environment().put("DJL_CACHE_DIR", cache);
    pb.environment().putIfAbsent("ENGINE_CACHE_DIR", cache);
    out.flush();
    Process p = pb.start();
    try (var r = new java.io.BufferedReader(
        new java.io.InputStreamReader(p.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null;) {
        if (line.startsWith("[main] INFO") || line.startsWith("[main] WARN ai.djl") || line.startsWith("[W")) continue; // engine chatter
        out.println(line);
        out.flush();
      }
    }
    return p.waitFor();
  }

  /** Deletes a directory tree (the temporary directory of a benchmark or demo). */
  static void delete(Path d) throws IOException {
    if (!Files.exists(d)) return;
    try (var s = Files.walk(d)) {
      for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
    }
  }
}
