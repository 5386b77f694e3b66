package io.cairn.dl.djl;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import io.cairn.dl.djl.examples.DjlTraining;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The listener form ({@link DjlTraining}: {@code EasyTrain.fit} with {@link DjlCheckpoints} every step) in
 * child JVMs: SIGKILLed mid-run and resumed, and stopped by SIGTERM and resumed; every step any incarnation
 * trained and the final weights equal an uninterrupted run bit for bit.
 */
class DjlExampleTest {
  static final int EPOCHS = 3, TOTAL = EPOCHS * 32;

  @TempDir
  Path tmp;

  @BeforeAll
  static void engine() {
    try {
      assertThat(Engine.getEngine("PyTorch").getEngineName()).isEqualTo("PyTorch");
    } catch (Throwable t) {
      Assumptions.abort("the PyTorch native library cannot be loaded here (" + t + "); skipped");
    }
  }

  /** What one child printed, and how it ended. */
  record Child(Map<Long, String> steps, long resumed, String done, long preempted, int exit,
      double secondsAfterSignal) {}

  /**
   * Runs the example in a child JVM over {@code dir}; when {@code signalAt >= 0}, calls {@code signal} on the
   * process once it printed step {@code signalAt} and measures how long it took to end after that.
   */
  private Child child(Path dir, long signalAt, Consumer<Process> signal, String name) throws Exception {
    String java = ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> cmd = List.of(java, "-Xmx512m", "--enable-native-access=ALL-UNNAMED", "-Dai.djl.offline=true", "-cp",
        System.getProperty("java.class.path"), DjlTraining.class.getName(), dir.toString(), "--epochs", "" + EPOCHS,
        "--pace", "15");
    Path err = tmp.resolve(name + ".err");
    Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
    Map<Long, String> steps = new LinkedHashMap<>();
    long resumed = 0, preempted = -1;
    String done = null;
    long signalled = 0;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null;) {
        String[] f = line.split(" ");
        switch (f[0]) {
          case "STEP" -> {
            long s = Long.parseLong(f[1]);
            steps.put(s, f[2]);
            if (signalAt >= 0 && s >= signalAt && signalled == 0) {
              signalled = System.nanoTime();
              signal.accept(p);
            }
          }
          case "RESUMED" -> resumed = Long.parseLong(f[1]);
          case "DONE" -> done = f[1];
          case "PREEMPTED" -> preempted = Long.parseLong(f[1]);
          default -> {}
        }
      }
    }
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("child ends").isTrue();
    double after = signalled == 0 ? -1 : (System.nanoTime() - signalled) / 1e9;
    if (signalAt < 0 && p.exitValue() != 0) throw new AssertionError("child failed: " + Files.readString(err));
    return new Child(steps, resumed, done, preempted, p.exitValue(), after);
  }

  private static void sameSteps(Child c, Child ref) {
    assertThat(c.steps()).isNotEmpty();
    for (var e : c.steps().entrySet())
      assertThat(e.getValue()).as("loss of step %d", e.getKey()).isEqualTo(ref.steps().get(e.getKey()));
  }

  /** kill -9 mid-run, resume, SIGTERM mid-run, resume to the end: four child JVMs (one uninterrupted). */
  @Test
  void killedWithSigkillThenStoppedBySigtermAndResumedBitIdentically() throws Exception {
    Child ref = child(tmp.resolve("ref"), -1, null, "ref");
    assertThat(ref.steps()).hasSize(TOTAL);
    assertThat(ref.done()).isNotNull();

    Path dir = tmp.resolve("run");
    Child killed = child(dir, 30, p -> p.toHandle().destroyForcibly(), "killed"); // SIGKILL
    assertThat(killed.exit()).as("killed by SIGKILL").isEqualTo(128 + 9);
    assertThat(killed.done()).isNull();
    assertThat(killed.steps().keySet()).doesNotContain((long) TOTAL - 1);
    sameSteps(killed, ref);

    Child resumed = child(dir, 60, p -> p.toHandle().destroy(), "resumed"); // resumes, then SIGTERM
    assertThat(resumed.resumed()).isBetween(20L, 30L + 5); // the checkpoint of (almost) the last step before the kill
    assertThat(resumed.steps().keySet().iterator().next()).isEqualTo(resumed.resumed());
    sameSteps(resumed, ref);
    assertThat(resumed.exit()).as("exit code after SIGTERM").isEqualTo(PreemptedException.EXIT_CODE);
    assertThat(resumed.preempted()).isBetween(60L, 63L); // the next batch or so, not seconds of training later
    assertThat(resumed.secondsAfterSignal()).isLessThan(10.0); // checkpoint, commit and JVM exit, on a loaded machine
    assertThat(resumed.done()).isNull();

    Child last = child(dir, -1, null, "last");
    assertThat(last.resumed()).isEqualTo(resumed.preempted());
    sameSteps(last, ref);
    assertThat(last.steps()).hasSize((int) (TOTAL - last.resumed()));
    assertThat(last.done()).isEqualTo(ref.done());
  }
}
