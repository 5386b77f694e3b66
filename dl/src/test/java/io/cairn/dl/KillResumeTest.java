package io.cairn.dl;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.dl.train.Metrics;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faithful replay across real crashes: child JVMs are killed with SIGKILL at random steps and resumed
 * (with the same or another worker count); every step any incarnation executed, the final weights and
 * the whole history must equal an uninterrupted run bit for bit.
 */
class KillResumeTest {
  static final long STEPS = 48;
  static final int EVERY = 4;
  static final boolean SOAK = Boolean.getBoolean("cairn.soak");

  @TempDir
  Path tmp;

  static long historyHash(Metrics m) { return m.historyHash(); }

  /** Step -> "lossBits sampleHash" of the uninterrupted run, plus the final hashes. */
  private record Reference(Map<Long, String> steps, String done) {}

  private static Reference reference() {
    Map<Long, String> steps = new HashMap<>();
    DemoRun.Result r = DemoRun.run(new DemoRun.Options().steps(STEPS).mode(DemoRun.Mode.NONE),
        (t, s) -> steps.put(s.step(),
            Double.doubleToRawLongBits(s.loss()) + " " + t.metrics().sampleHashes()[(int) s.step()]));
    return new Reference(steps, DemoRun.hash(r.params()) + " " + historyHash(r.metrics()));
  }

  private static final Reference REF = reference();

  /** What a sequence of incarnations did. */
  private record Outcome(List<String> log, List<String> mismatches, long restoredStep, String done) {}

  /**
   * Runs incarnations until one finishes; incarnation i uses workers[min(i, len-1)] and is SIGKILLed at a
   * random step while i < kills. Every STEP line of every incarnation is compared with the reference.
   */
  private Outcome killAndResume(String name, int[] workers, int kills, DemoRun.Mode mode, long seed, String omit)
      throws Exception {
    Path dir = tmp.resolve(name);
    Random rnd = new Random(seed);
    long floor = 0;
    List<String> log = new ArrayList<>();
    List<String> mismatches = new ArrayList<>();
    for (int inc = 0;; inc++) {
      int w = workers[Math.min(inc, workers.length - 1)];
      long lo = floor + EVERY + 1, hi = floor + (STEPS - floor) / 2;
      long target = inc < kills ? lo + rnd.nextLong(Math.max(1, hi - lo)) : -1;
      String java = ProcessHandle.current().info().command()
          .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      List<String> cmd = new ArrayList<>(
          List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"), ResumeChild.class.getName(),
              dir.toString(), Integer.toString(w), Long.toString(STEPS), Integer.toString(EVERY), mode.name(), "20"));
      if (omit != null) cmd.add(omit);
      Path err = tmp.resolve(name + "-" + inc + ".err");
      Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
      String done = null;
      long first = -1, last = -1;
      int commits = 0;
      boolean killed = false;
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null;) {
          if (line.startsWith("STEP ")) {
            String[] f = line.split(" ", 3);
            long s = Long.parseLong(f[1]);
            if (first < 0) first = s;
            last = s;
            if (!f[2].equals(REF.steps().get(s))) mismatches.add("incarnation " + inc + " (W=" + w + ") step " + s);
            if (target >= 0 && s >= target && commits > 0) { // at a random step, once this incarnation committed a checkpoint
              p.destroyForcibly(); // SIGKILL
              killed = true;
              break;
            }
          } else if (line.startsWith("COMMITTED ")) {
            commits++;
          } else if (line.startsWith("DONE ")) {
            done = line.substring(5);
          }
        }
      }
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      if (killed) assertThat(p.exitValue()).as("incarnation %d was killed by SIGKILL", inc).isEqualTo(137);
      log.add("incarnation " + inc + " W=" + w + " ran steps " + first + ".." + last
          + (killed ? " killed at " + last : ""));
      if (killed) {
        assertThat(done).as("killed incarnation finished anyway").isNull();
        floor = last;
        continue;
      }
      assertThat(done).as("%s: last incarnation finished (exit %d); %s; stderr: %s", name, p.exitValue(), log,
          Files.readString(err)).isNotNull();
      // a kill waits for this incarnation's first committed checkpoint; on a very loaded machine an
      // incarnation may finish first, which leaves fewer kills (but at least one)
      assertThat(inc).as("%s: kills done; %s", name, log).isBetween(1, kills);
      String[] d = done.split(" ", 2);
      return new Outcome(log, mismatches, Long.parseLong(d[0]), d[1]);
    }
  }

  private void faithful(String name, int[] workers, int kills, DemoRun.Mode mode, long seed) throws Exception {
    Outcome o = killAndResume(name, workers, kills, mode, seed, null);
    assertThat(o.mismatches()).as("%s: steps that differ from the uninterrupted run; %s", name, o.log()).isEmpty();
    assertThat(o.restoredStep()).as("%s: last incarnation resumed from a checkpoint; %s", name, o.log())
        .isGreaterThan(0);
    assertThat(o.done()).as("%s: final weights and whole history; %s", name, o.log()).isEqualTo(REF.done());
  }

  @Test
  void sameWorkerCounts() throws Exception {
    faithful("w1", new int[]{1}, 2, DemoRun.Mode.TWO_PHASE, 11);
    faithful("w2", new int[]{2}, 2, DemoRun.Mode.TWO_PHASE, 12);
    faithful("w4", new int[]{4}, 2, DemoRun.Mode.TWO_PHASE, 13);
  }

  @Test
  void acrossAChangeOfWorkerCount() throws Exception {
    faithful("w1-4-2", new int[]{1, 4, 2}, 2, DemoRun.Mode.TWO_PHASE, 21);
    faithful("w4-1-blocking", new int[]{4, 1}, 1, DemoRun.Mode.BLOCKING, 22);
  }

  @Test
  void soak() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(SOAK, "soak runs only with -Dcairn.soak=true");
    for (int i = 0; i < 12; i++) {
      int[] ws = {1 + (i % 4), 1 + ((i * 3) % 8), 1 + ((i * 5) % 4)};
      faithful("soak" + i, ws, 3, i % 3 == 2 ? DemoRun.Mode.BLOCKING : DemoRun.Mode.TWO_PHASE, 100 + i);
    }
  }

  /** The same kill-and-resume without the loader position (or the dropout offset) in the checkpoint: the runs differ. */
  @Test
  void leavingOutOneVariableMakesTheKilledRunDiffer() throws Exception {
    for (String omit : List.of("loader", "rng")) {
      Outcome o = killAndResume("omit-" + omit, new int[]{2}, 1, DemoRun.Mode.TWO_PHASE, 31, omit);
      assertThat(o.restoredStep()).isGreaterThan(0);
      assertThat(o.mismatches()).as("steps after resuming without '%s'; %s", omit, o.log()).isNotEmpty();
      assertThat(o.done()).isNotEqualTo(REF.done());
    }
  }
}
