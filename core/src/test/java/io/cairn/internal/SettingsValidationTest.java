package io.cairn.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.Cairn;
import io.cairn.CairnException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Values that used to be silently misread (overflowing sizes, typos, empty paths, duplicate levels). */
class SettingsValidationTest {
  @TempDir
  Path dir;

  private static Settings env(String... kv) {
    Map<String, String> m = new java.util.HashMap<>();
    for (int i = 0; i + 1 < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
    return new Settings().applyEnvironment(m);
  }

  @Test
  void oversizedSizesAreOutOfRangeNotWrappedAround() {
    // 17592186044417 MiB = 2^44 MiB + 1 MiB: shifted by 20 it wrapped to exactly 1 MiB
    assertThatThrownBy(() -> env("CAIRN_BLOCK_SIZE", "17592186044417MiB")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("configuration key 'block-size' = '17592186044417MiB' (from environment CAIRN_BLOCK_SIZE): "
            + "out of range: must be between 4KiB and 256MiB");
    // 8589934592 GiB = 2^63 bytes: it became negative
    assertThatThrownBy(() -> env("CAIRN_BLOCK_SIZE", "8589934592GiB"))
        .hasMessageContaining("out of range: must be between 4KiB and 256MiB")
        .hasMessageNotContaining("negative");
    assertThatThrownBy(() -> env("CAIRN_ASYNC_STAGING_LIMIT", "8589934592GiB"))
        .hasMessageContaining("'async.staging-limit'")
        .hasMessageContaining("out of range (sizes go up to 8 EiB)");
    assertThatThrownBy(() -> env("CAIRN_BLOCK_SIZE", "99999999999999999999999")).hasMessageContaining("out of range");
    assertThatThrownBy(() -> env("CAIRN_LEVEL_LOCAL_KEEP", "99999999999"))
        .hasMessageContaining("out of range (at most 2147483647)");
    assertThatThrownBy(() -> env("CAIRN_INTERVAL_SECONDS", "99999999999999999999d"))
        .hasMessageContaining("out of range");
    assertThat(Settings.parseBytes("8388607TiB")).isEqualTo(8388607L << 40);
    assertThat(env("CAIRN_BLOCK_SIZE", "256MiB").bytes("block-size")).isEqualTo(256 << 20);
  }

  @Test
  void aMisspeltVariableIsReportedWithTheNearestKey() {
    Settings s = env("CAIRN_BLOCKSIZE", "64KiB");
    assertThat(s.warnings()).containsExactly(
        "environment variable CAIRN_BLOCKSIZE is not a Cairn setting and is ignored; did you mean CAIRN_BLOCK_SIZE?");
    assertThat(env("CAIRN_MDOE", "async").warnings()).singleElement().asString().contains("did you mean CAIRN_MODE?");
    // inside the engine's namespace it is an error, with the suggestion
    assertThatThrownBy(() -> env("CAIRN_LEVEL_LOCAL_KEPP", "3"))
        .hasMessageContaining("unknown configuration variable CAIRN_LEVEL_LOCAL_KEPP")
        .hasMessageContaining("did you mean CAIRN_LEVEL_LOCAL_KEEP?");
    // other components' variables (close to a core key or not) and unrelated ones are not reported
    assertThat(env("CAIRN_NODE", "n1", "CAIRN_SIZE", "4", "CAIRN_SOAK", "true", "CAIRN_JAVA_OPTS", "-Xmx1g",
        "CAIRN_HEARTBEAT_MS", "100", "CAIRN_CLUSTER_KEEP", "2", "CAIRN_SOMETHING_ELSE", "x").warnings()).isEmpty();
  }

  @Test
  void anEmptyPathIsAnError() {
    assertThatThrownBy(() -> env("CAIRN_LEVEL_LOCAL_PATH", "")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'level.local.path' = '' (from environment CAIRN_LEVEL_LOCAL_PATH): must not be empty");
    assertThatThrownBy(() -> env("CAIRN_FILES_DIR", " ")).hasMessageContaining("'files.dir'")
        .hasMessageContaining("must not be empty");
  }

  @Test
  void aLevelListedTwiceIsNamedNotBlamedOnAnotherRun() {
    assertThatThrownBy(() -> env("CAIRN_LEVELS", "local,local")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("names the level 'local' twice").hasMessageNotContaining("another run");
    assertThatThrownBy(
        () -> Cairn.builder().directory(dir).environment(Map.of("CAIRN_LEVELS", "memory,local,local")).open())
        .hasMessageContaining("twice").hasMessageNotContaining("another run");
  }

  @Test
  void nearestNeedsACloseName() {
    assertThat(Settings.levenshtein("CAIRN_BLOCKSIZE", "CAIRN_BLOCK_SIZE")).isEqualTo(1);
    assertThat(Settings.nearest("CAIRN_XYZ", java.util.List.of("CAIRN_NAME", "CAIRN_MODE"))).isNull();
    assertThat(Settings.nearest("CAIRN_LEVELS_", java.util.List.of("CAIRN_LEVELS"))).isEqualTo("CAIRN_LEVELS");
  }

  @Test
  void openStillReportsBadValuesAsConfigurationErrors() {
    assertThatThrownBy(() -> Cairn.builder().directory(dir).environment(Map.of("CAIRN_LEVEL_LOCAL_PATH", "")).open())
        .isNotInstanceOf(CairnException.class).hasMessageContaining("must not be empty");
  }
}
