package io.cairn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The restore-attempt policy: a version is given up only on evidence that it is at fault. Restores
 * followed by a clean exit, by a kill from outside (even inside {@code restoreLatest()}) or by a
 * refusal never count; the program dying of an uncaught exception after restoring does, and after
 * {@code restore.max-attempts} such failures an older version is used. Real child JVMs
 * ({@link RestoreChild}).
 */
class RestorePolicyTest {
  @TempDir
  Path dir;
  final List<Process> children = new ArrayList<>();

  @AfterEach
  void killChildren() {
    for (Process p : children) p.destroyForcibly();
  }

  Process start(int keep, String... mode) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx128m",
        "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
        RestoreChild.class.getName(),
        dir.toString(), Integer.toString(keep)));
    cmd.addAll(List.of(mode));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    children.add(p);
    return p;
  }

  /** Runs a child to its end; returns its output (asserting the exit code). */
  String run(int expectedExit, int keep, String... mode) throws Exception {
    Process p = start(keep, mode);
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("exit code of %s; output:\n%s", List.of(mode), out).isEqualTo(expectedExit);
    return out;
  }

  static long restored(String out) {
    for (String line : out.split("\n")) if (line.startsWith("restored ")) return Long.parseLong(line.split(" ")[1]);
    throw new AssertionError("nothing restored:\n" + out);
  }

  @Test
  void cleanExitsAfterRestoreNeverCountAgainstTheNewestVersion() {
    // levels = local, keep = 1: the reported reproduction failed at the fourth start
    long[] s = new long[100];
    try (Checkpointer c = RestoreChild.builder(dir, 1).open()) {
      c.protect("s", s);
      for (int k = 1; k <= 2; k++) {
        java.util.Arrays.fill(s, k);
        c.checkpoint().await();
      }
    }
    for (int start = 0; start < 6; start++) {
      long[] r = new long[100];
      try (Checkpointer c = RestoreChild.builder(dir, 1).open()) {
        c.protect("s", r);
        assertThat(c.restoreLatest().orElseThrow().number()).as("start %d", start).isEqualTo(2);
        assertThat(r).containsOnly(2L);
      } // exits cleanly without a new checkpoint
    }
  }

  @Test
  void cleanExitsOfChildJvmsNeverCount() throws Exception {
    run(0, 1, "write", "2");
    for (int start = 0; start < 5; start++) assertThat(restored(run(0, 1, "exit"))).as("start %d", start).isEqualTo(2);
  }

  @Test
  void killsInsideRestoreLatestNeverCount() throws Exception {
    run(0, 3, "write", "8");
    for (int kill = 0; kill < 10; kill++) {
      Process p = start(3, "hang");
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      StringBuilder seen = new StringBuilder();
      String line;
      while ((line = out.readLine()) != null && !line.equals("loading")) seen.append(line).append('\n');
      assertThat(line).as("child reached restoreLatest(); output:\n%s", seen).isEqualTo("loading");
      p.destroyForcibly(); // SIGKILL while inside restoreLatest()
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as("killed by SIGKILL").isEqualTo(137);
    }
    String out = run(0, 3, "exit");
    assertThat(restored(out)).isEqualTo(8);
    assertThat(out).contains("restored 8 8");
  }

  @Test
  void refusalsAfterRestoreNeverCount() throws Exception {
    run(0, 3, "write", "3");
    for (int start = 0; start < 4; start++) {
      String out = run(1, 3, "refuse");
      assertThat(restored(out)).isEqualTo(3);
      assertThat(out).contains("StateMismatchException");
    }
    // a refusal inside restoreLatest() (the protected state does not match) is not counted either
    for (int start = 0; start < 4; start++) {
      try (Checkpointer c = RestoreChild.builder(dir, 3).open()) {
        c.protect("s", new long[10]).protect("step", new RestoreChild.Step());
        assertThatThrownBy(c::restoreLatest).isInstanceOf(StateMismatchException.class);
      }
    }
    assertThat(restored(run(0, 3, "exit"))).isEqualTo(3);
  }

  @Test
  void aProgramThatFailsAfterEveryRestoreFallsBackAfterTheLimit() throws Exception {
    run(0, 3, "write", "3");
    for (int start = 0; start < 3; start++) {
      String out = run(1, 3, "throw");
      assertThat(restored(out)).isEqualTo(3);
      assertThat(out).contains("IllegalStateException: the program fails after restoring version 3");
    }
    assertThat(restored(run(0, 3, "exit"))).isEqualTo(2); // restore.max-attempts = 3 failures of version 3
    // a clean run after restoring 2 does not clear the record of 3 (no new checkpoint): 3 stays skipped
    assertThat(restored(run(0, 3, "exit"))).isEqualTo(2);
  }

  @Test
  void theLastVersionIsNeverRefusedWithoutAWayToForceIt() throws Exception {
    run(0, 1, "write", "1");
    for (int start = 0; start < 3; start++) assertThat(restored(run(1, 1, "throw"))).isEqualTo(1);
    try (Checkpointer c = RestoreChild.builder(dir, 1).open()) {
      long[] s = new long[1000];
      RestoreChild.Step step = new RestoreChild.Step();
      c.protect("s", s).protect("step", step);
      assertThatThrownBy(c::restoreLatest).isInstanceOf(CairnException.class)
          .hasMessageContaining("version 1 skipped: the program failed 3 times after restoring it")
          .hasMessageContaining("restore(1)").hasMessageContaining("restore.max-attempts")
          .hasMessageContaining("CAIRN_RESTORE_MAX_ATTEMPTS")
          .hasMessageContaining(dir.resolve("local/rp/attempts/v0000000001").toString());
      assertThat(c.restore(1).number()).isEqualTo(1); // forcing it: an explicit restore of that version
      assertThat(step.step).isEqualTo(1);
      c.checkpoint().await(); // a new commit clears the record
    }
    assertThat(Files.exists(dir.resolve("local/rp/attempts/v0000000001"))).isFalse();
    assertThat(restored(run(0, 1, "exit"))).isEqualTo(2);
  }
}
