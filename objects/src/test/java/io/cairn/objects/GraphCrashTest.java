package io.cairn.objects;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.Cairn;
import io.cairn.Checkpointer;
import io.cairn.Version;
import io.cairn.objects.GraphCrashChild.World;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * kill -9 of a program whose whole state is one object graph, at random moments (mostly while a
 * version is being written), restarted: the newest committed version restores, and the restored
 * graph serialises to exactly the bytes of the graph the program had at that step (bit-identical),
 * with its cycles and back references to the root intact. Trials: {@code cairn.objects.crash.trials}
 * (default 6 per mode; 60 with {@code -Dcairn.soak=true}).
 */
class GraphCrashTest {
  final List<Process> children = new ArrayList<>();

  static Checkpointer.Builder builder(Path dir, boolean async) {
    return Cairn.builder().name("graph-crash").directory(dir).levels("memory", "local", "persistent")
        .set("level.memory.path", dir.resolve("shm").toString()).set("level.memory.keep", "2")
        .set("level.local.incremental", "true").set("level.local.keep", "2").set("level.local.codec", "lz4")
        .set("level.persistent.every", "3").set("level.persistent.keep", "2").set("level.persistent.codec", "zstd")
        .set("block-size", "256KiB").set("incremental.full-every", "3").set("signals", "false").async(async)
        .set("restore.max-attempts", "1000000")
        .environment(Map.of());
  }

  @AfterEach
  void killChildren() {
    for (Process p : children) p.destroyForcibly();
  }

  /** The graph's bytes as Cairn writes them (deterministic for equal graphs). */
  static byte[] bytes(World w) throws Exception {
    return new ForyGraph("world", w, List.of()).write().toArray(ValueLayout.JAVA_BYTE);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sync", "async"})
  void killNineMidCheckpointRestoresTheGraphBitIdentically(String mode) throws Exception {
    int trials = Integer.getInteger("cairn.objects.crash.trials", Boolean.getBoolean("cairn.soak") ? 60 : 6);
    Path dir = Files.createTempDirectory("cairn-graph-crash-");
    Random rnd = new Random(mode.hashCode());
    String javaCmd = ProcessHandle.current().info().command().orElse("java");
    long lastRestored = 0;
    int kills = 0;
    try {
      for (int t = 0; t < trials; t++) {
        Process p = new ProcessBuilder(javaCmd, "-Xmx512m", "--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow",
            "-cp", System.getProperty("java.class.path"), GraphCrashChild.class.getName(), dir.toString(), mode)
            .redirectErrorStream(true).start();
        children.add(p);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String first = out.readLine();
        StringBuilder seen = new StringBuilder();
        while (first != null && !first.startsWith("ready")) { seen.append(first).append('\n'); first = out.readLine(); }
        assertThat(first).as("child output at trial %d: %s", t, seen).startsWith("ready");
        AtomicLong committed = new AtomicLong(Long.parseLong(first.substring(6).trim()));
        StringBuffer rest = new StringBuffer();
        Thread reader = Thread.ofVirtual().start(() -> {
          try {
            for (String line; (line = out.readLine()) != null;) {
              if (line.startsWith("committed "))
                committed.accumulateAndGet(Long.parseLong(line.substring(10).trim()), Math::max);
              else
                rest.append(line).append('\n');
            }
          } catch (Exception ignored) {
            /* killed */ }
        });
        long start = committed.get();
        long waitUntil = System.nanoTime() + 20_000_000_000L;
        while (committed.get() == start && System.nanoTime() < waitUntil && p.isAlive()) Thread.sleep(2);
        Thread.sleep(rnd.nextInt(200));
        if (!p.isAlive()) reader.join(5000);
        assertThat(p.isAlive()).as("trial %d: the child is still running when killed; its output:%n%s", t, rest)
            .isTrue();
        p.destroyForcibly(); // SIGKILL
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("killed by SIGKILL").isEqualTo(137);
        kills++;
        reader.join(5000);

        World w = new World();
        try (Checkpointer c = builder(dir, mode.equals("async")).open()) {
          c.protect("world", w);
          Version v = c.restoreLatest()
              .orElseThrow(() -> new AssertionError("nothing restores after a commit was seen"));
          assertThat(v.step()).isEqualTo(w.k);
        }
        assertThat(w.k).as("trial %d: restored step vs the last commit the child printed", t)
            .isGreaterThanOrEqualTo(committed.get()).isGreaterThanOrEqualTo(lastRestored);
        assertThat(bytes(w)).as("trial %d: step %d bit-identical", t, w.k)
            .isEqualTo(bytes(GraphCrashChild.expected(w.k)));
        assertThat(w.order.getFirst()).isSameAs(w.byId.get(0));
        assertThat(w.order.getFirst().world).as("back reference to the root").isSameAs(w);
        assertThat(w.order.getLast().next).as("the ring's cycle").isSameAs(w.order.getFirst());
        lastRestored = w.k;
      }
      System.out.printf("GraphCrashTest %s: %d kills with SIGKILL, newest restored step %d, all bit-identical%n", mode,
          kills, lastRestored);
      assertThat(lastRestored).isGreaterThanOrEqualTo(trials);
    } finally {
      try (var walk = Files.walk(dir)) {
        walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }
}
