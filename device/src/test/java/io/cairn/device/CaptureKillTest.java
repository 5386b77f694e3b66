package io.cairn.device;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.device.opencl.OpenCL;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** kill -9 of a job while it captures its OpenCL buffer: the restart restores the last committed version, intact. */
class CaptureKillTest {
  @TempDir
  Path dir;
  final List<Process> children = new ArrayList<>();

  @BeforeAll
  static void needOpenCl() {
    Assumptions.assumeTrue(OpenCL.available(), () -> "OpenCL is not usable here: " + OpenCL.unavailableReason());
  }

  @AfterEach
  void killChildren() throws InterruptedException {
    for (Process p : children) {
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }

  Process start(String mode, long hangAt, long steps) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    Process p = new ProcessBuilder(java, "-Xmx256m", "--enable-native-access=ALL-UNNAMED", "-cp",
        System.getProperty("java.class.path"),
        CaptureKillChild.class.getName(), dir.toString(), mode, Long.toString(2L << 20), Long.toString(hangAt),
        Long.toString(steps))
        .redirectErrorStream(true).start();
    children.add(p);
    return p;
  }

  /** Reads lines until one matches; returns it (or null at the end of output) and collects all lines. */
  static String until(BufferedReader in, List<String> seen, Predicate<String> stop) throws Exception {
    for (String l; (l = in.readLine()) != null;) {
      seen.add(l);
      if (stop.test(l)) return l;
    }
    return null;
  }

  @ParameterizedTest
  @ValueSource(strings = {"sync", "async"})
  void killNineDuringDeviceCaptureKeepsTheLastCommittedVersion(String mode) throws Exception {
    List<String> seen = new ArrayList<>();
    // 1) killed while the buffer is copied (the kill lands as the capture of step 3 starts its 16 MiB read)
    Process p = start(mode, -1, 1000);
    BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    assertThat(until(in, seen, l -> l.equals("capture 3"))).as("output %s", seen).isNotNull();
    p.destroyForcibly();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("killed by SIGKILL").isEqualTo(137);

    // 2) the restart restores step 2 (or 3, had the kill come after the commit), then is killed inside a capture
    p = start(mode, 5, 1000);
    in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String r = until(in, seen, l -> l.startsWith("restored") || l.startsWith("BAD") || l.equals("fresh"));
    assertThat(r).as("output %s", seen).startsWith("restored");
    assertThat(Long.parseLong(r.split(" ")[2])).isBetween(2L, 3L);
    assertThat(until(in, seen, l -> l.equals("hang 5"))).as("output %s", seen).isNotNull();
    p.destroyForcibly();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(137);

    // 3) the capture of step 5 never returned: the restart restores step 4, intact, and finishes
    p = start(mode, -1, 7);
    in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    r = until(in, seen, l -> l.startsWith("restored") || l.startsWith("BAD") || l.equals("fresh"));
    assertThat(r).as("output %s", seen).startsWith("restored");
    assertThat(r.split(" ")[2]).as("restored step").isEqualTo("4");
    assertThat(until(in, seen, l -> l.equals("done"))).as("output %s", seen).isNotNull();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
  }
}
