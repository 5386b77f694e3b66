package io.cairn;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.testing.TestCheckpointers;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real signals: SIGTERM and SIGUSR1 make due() true; the program checkpoints and exits with 75. */
class PreemptTest {
  @TempDir
  Path dir;

  @Test
  void sigtermAndSigusr1LeadToACheckpointAndTheRequeueExitCode() throws Exception {
    String javaCmd = ProcessHandle.current().info().command().orElse("java");
    long lastStep = 0;
    for (String signal : new String[]{"TERM", "USR1"}) {
      Process p = new ProcessBuilder(javaCmd, "-cp", System.getProperty("java.class.path"),
          PreemptChild.class.getName(), dir.toString())
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      try {
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()));
        assertThat(out.readLine()).isEqualTo("ready");
        Thread.sleep(200);
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start();
        assertThat(kill.waitFor()).isZero();
        String line = out.readLine();
        assertThat(line).startsWith("checkpointed ");
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("exit code after SIG%s", signal).isEqualTo(Checkpointer.EXIT_REQUEUE);
        long step = Long.parseLong(line.substring(13));
        assertThat(step).isGreaterThan(lastStep); // the second run resumed from the first one's checkpoint
        lastStep = step;
      } finally {
        p.destroyForcibly();
      }
    }
    try (Checkpointer c = TestCheckpointers.builder("pre", dir, "local")
        .open()) {
      assertThat(c.versions()).extracting(Version::label).containsOnly("preempted");
      assertThat(c.versions().getLast().step()).isEqualTo(lastStep);
    }
  }
}
