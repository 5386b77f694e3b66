package io.cairn;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.testing.TestCheckpointers;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real crashes: a child JVM checkpointing in a loop is killed with SIGKILL at random moments (mostly
 * in the middle of writing a version), restarted, killed again. After every kill the newest
 * committed version restores, verified, and it is at least the last one the child saw committed.
 * Trials: {@code cairn.crash.trials} (default 100 per mode; 300 with {@code -Dcairn.soak=true}).
 */
class CrashTest {
  final List<Process> children = new ArrayList<>();

  static Checkpointer.Builder builder(Path dir, boolean async) {
    return TestCheckpointers.builder("crash", dir, "memory", "local", "persistent")
        .set("level.memory.path", dir.resolve("shm").toString()).set("level.memory.keep", "2")
        .set("level.local.incremental", "true").set("level.local.keep", "2").set("level.local.codec", "lz4")
        .set("level.persistent.every", "3").set("level.persistent.keep", "2").set("level.persistent.codec", "zstd")
        .set("block-size", "256KiB").set("incremental.full-every", "3").async(async)
        // the test restores after every kill to check, and kills again before a new commit: not a restart loop
        .set("restore.max-attempts", "1000000");
  }

  @AfterEach
  void killChildren() {
    for (Process p : children) p.destroyForcibly();
  }

  @ParameterizedTest
  @ValueSource(strings = {"sync", "async"})
  void killNineAtRandomMomentsNeverLosesTheLastCommittedVersion(String mode) throws Exception {
    int trials = Integer.getInteger("cairn.crash.trials", Boolean.getBoolean("cairn.soak") ? 300 : 100);
    Path dir = Files.createTempDirectory("cairn-crash-");
    Random rnd = new Random(mode.hashCode());
    String javaCmd = ProcessHandle.current().info().command().orElse("java");
    int words = 1 << 20; // 8 MiB of state
    long lastCommittedSeen = 0;
    int killedMidWrite = 0;
    try {
      for (int t = 0; t < trials; t++) {
        Process p = new ProcessBuilder(javaCmd, "-Xmx256m", "--enable-native-access=ALL-UNNAMED", "-cp",
            System.getProperty("java.class.path"),
            CrashChild.class.getName(), dir.toString(), mode, Integer.toString(words)).redirectErrorStream(true)
            .start();
        children.add(p);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String first = out.readLine();
        StringBuilder seen = new StringBuilder();
        while (first != null && !first.startsWith("ready")) { seen.append(first).append('\n'); first = out.readLine(); }
        assertThat(first).as("child output at trial %d: %s", t, seen).as("child output at trial %d", t)
            .startsWith("ready");
        AtomicLong committed = new AtomicLong(Long.parseLong(first.substring(6).trim()));
        Thread reader = Thread.ofVirtual().start(() -> {
          try {
            for (String line; (line = out.readLine()) != null;) {
              if (line.startsWith("committed "))
                committed.accumulateAndGet(Long.parseLong(line.substring(10).trim()), Math::max);
            }
          } catch (Exception ignored) {
            /* killed */ }
        });
        // let this incarnation commit once (so every trial makes progress, whatever the machine's load),
        // then kill it at a random moment: mostly in the middle of writing the next version
        long startCommitted = committed.get();
        long waitUntil = System.nanoTime() + 10_000_000_000L;
        while (committed.get() == startCommitted && System.nanoTime() < waitUntil && p.isAlive()) Thread.sleep(2);
        Thread.sleep(rnd.nextInt(300));
        p.destroyForcibly(); // SIGKILL
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("trial %d: the child was killed by SIGKILL (it never ends by itself)", t)
            .isEqualTo(137);
        reader.join(5000);
        // verify in this JVM: the newest committed version restores and is internally consistent
        long[] s = new long[words];
        long[] k = {0};
        try (Checkpointer c = builder(dir, mode.equals("async")).open()) {
          c.protect("s", s).protect("k", k);
          var restored = c.restoreLatest();
          if (restored.isEmpty()) {
            // killed before its first commit: legitimate only if nothing was ever committed
            assertThat(committed.get()).as("trial %d: child saw a commit but nothing restores", t).isZero();
            assertThat(lastCommittedSeen).as("trial %d: an earlier version vanished", t).isZero();
            continue;
          }
          Version v = restored.get();
          assertThat(v.step()).isEqualTo(k[0]);
          assertThat(k[0]).as("trial %d: restored step vs last committed the child printed", t)
              .isGreaterThanOrEqualTo(committed.get()).isGreaterThanOrEqualTo(lastCommittedSeen);
          long[] expect = new long[words];
          CrashChild.fill(expect, k[0]);
          assertThat(s).isEqualTo(expect);
          if (k[0] > committed.get()) killedMidWrite++; // committed but its notice was not printed yet
          lastCommittedSeen = k[0];
        }
      }
      System.out.printf(
          "CrashTest %s: %d kills, newest restored step %d, %d kills landed after a commit but before the child could print it%n",
          mode, trials, lastCommittedSeen, killedMidWrite);
      assertThat(lastCommittedSeen).isGreaterThan(trials / 2);
    } finally {
      try (var w = Files.walk(dir)) {
        w.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }
}
