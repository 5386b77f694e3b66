package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.cluster.internal.JobEnv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 14: cluster variables are checked like the core keys: a clear error naming the variable and its range, before anything starts. */
class ClusterVariablesTest {
  @TempDir
  Path dir;

  private static Map<String, String> rank(String key, String value) {
    Map<String, String> e = new HashMap<>(Map.of("CAIRN_RANK", "0", "CAIRN_SIZE", "2"));
    e.put(key, value);
    return e;
  }

  @Test
  void badValuesNameTheVariableAndTheRange() {
    assertThatThrownBy(() -> JobEnv.detect(rank("CAIRN_HEARTBEAT_MS", "abc")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("CAIRN_HEARTBEAT_MS='abc' is not a whole number").hasMessageContaining("10..60000 ms");
    assertThatThrownBy(() -> JobEnv.detect(rank("CAIRN_HEARTBEAT_MS", "-1")))
        .hasMessageContaining("CAIRN_HEARTBEAT_MS=-1 is out of range");
    assertThatThrownBy(() -> JobEnv.detect(rank("CAIRN_RECOVERY_TIMEOUT_MS", "soon")))
        .hasMessageContaining("CAIRN_RECOVERY_TIMEOUT_MS='soon'");
    assertThatThrownBy(() -> JobEnv.detect(rank("CAIRN_LAUNCHER_WATCH_MS", "-5")))
        .hasMessageContaining("CAIRN_LAUNCHER_WATCH_MS=-5 is out of range");
    assertThatThrownBy(() -> JobEnv.detect(rank("CAIRN_ALLOW_FALLBACK", "maybe")))
        .hasMessageContaining("CAIRN_ALLOW_FALLBACK='maybe'");
    assertThatThrownBy(() -> JobEnv.detect(rank("CAIRN_HEARTBEAT_MS", "6000")))
        .hasMessageContaining("CAIRN_HEARTBEAT_MS=6000 leaves no room")
        .hasMessageContaining("CAIRN_FAIL_TIMEOUT_MS");
    assertThatThrownBy(() -> JobEnv.detect(rank("CAIRN_PEER_TIMEOUT_MS", "1e3")))
        .hasMessageContaining("CAIRN_PEER_TIMEOUT_MS='1e3'");
    assertThatThrownBy(() -> JobEnv.detect(rank("CAIRN_COORD_TIMEOUT_MS", "0")))
        .hasMessageContaining("CAIRN_COORD_TIMEOUT_MS=0 is out of range");
    assertThatThrownBy(() -> JobEnv.detect(rank("CAIRN_FAIL_TIMEOUT_MS", "99999999999999999999")))
        .hasMessageContaining("CAIRN_FAIL_TIMEOUT_MS");
    assertThatThrownBy(() -> JobEnv.detect(rank("CAIRN_CLUSTER_KEEP", "0")))
        .hasMessageContaining("CAIRN_CLUSTER_KEEP=0");
    assertThatThrownBy(() -> JobEnv.detect(rank("CAIRN_CLUSTER_PERSISTENT_EVERY", "x")))
        .hasMessageContaining("CAIRN_CLUSTER_PERSISTENT_EVERY='x'");
    assertThatThrownBy(() -> JobEnv.detect(rank("CAIRN_PROTOCOL", "fast")))
        .hasMessageContaining("CAIRN_PROTOCOL: unknown protocol 'fast'");
    assertThatThrownBy(() -> JobEnv.detect(rank("CAIRN_SUPERVISED", "yes")))
        .hasMessageContaining("CAIRN_SUPERVISED='yes'");
    assertThatThrownBy(() -> JobEnv.detect(rank("CAIRN_COORD", "host:99999")))
        .hasMessageContaining("CAIRN_COORD='host:99999'");
    assertThatThrownBy(() -> JobEnv.detect(rank("CAIRN_JOB_SECRET", "short"))).hasMessageContaining("CAIRN_JOB_SECRET")
        .hasMessageContaining("64");
    assertThatThrownBy(() -> JobEnv.detect(rank("CAIRN_INCARNATION", "-2")))
        .hasMessageContaining("CAIRN_INCARNATION='-2'");
    // good values pass
    JobEnv ok = JobEnv.detect(rank("CAIRN_HEARTBEAT_MS", " 250 "));
    assertThat(ok.millis(JobEnv.HEARTBEAT_MS)).isEqualTo(250);
    assertThat(JobEnv.detect(rank("CAIRN_PROTOCOL", "chandy-lamport")).millis(JobEnv.HEARTBEAT_MS)).isEqualTo(500);
  }

  @Test
  void theLauncherRefusesBadVariablesBeforeStartingAnything() {
    for (String[] kv : new String[][]{{"CAIRN_HEARTBEAT_MS", "abc"}, {"CAIRN_HEARTBEAT_MS", "-1"},
        {"CAIRN_PEER_TIMEOUT_MS", "soon"}}) {
      Path d = dir.resolve("j-" + kv[1]);
      assertThatThrownBy(() -> Jobs.builder(d, 2, "io.cairn.cluster.examples.Heat").env(kv[0], kv[1]).start())
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(kv[0]);
      assertThat(Files.exists(d)).as("nothing started").isFalse();
    }
    // a heartbeat that does not fit the launcher's failure timeout
    assertThatThrownBy(
        () -> Jobs.builder(dir.resolve("hb"), 2, "io.cairn.cluster.examples.Heat").failTimeout(Duration.ofSeconds(1))
            .env("CAIRN_HEARTBEAT_MS", "800").start())
        .hasMessageContaining("CAIRN_HEARTBEAT_MS=800").hasMessageContaining("--fail-timeout");
    assertThatThrownBy(() -> Jobs.builder(dir.resolve("ft"), 2, "x").failTimeout(Duration.ofMillis(-1)))
        .hasMessageContaining("failure timeout");
  }
}
