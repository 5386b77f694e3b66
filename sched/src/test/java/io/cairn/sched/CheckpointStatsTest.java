package io.cairn.sched;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointStatsTest {
  @Test
  void readsTheCoreStatsFile(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("run1"));
    Files.writeString(dir.resolve("run1/stats.json"),
        "{\"format\":1,\"name\":\"run1\",\"mode\":\"sync\",\"checkpoints\":12,"
            + "\"lastCostSeconds\":2.500000,\"meanCostSeconds\":2.000000,\"lastBytes\":100,\"lastRestoreSeconds\":-1.000000,"
            + "\"levelWriteSeconds\":{\"local\":0.5,\"pfs\":1.5}}\n");
    CheckpointStats s = CheckpointStats.read(dir);
    assertThat(s.name()).isEqualTo("run1");
    assertThat(s.checkpoints()).isEqualTo(12);
    assertThat(s.meanCostSeconds()).isEqualTo(2.0);
    assertThat(s.restoreSeconds()).isNaN();
    assertThat(s.levelWriteSeconds()).containsEntry("pfs", 1.5).containsEntry("local", 0.5);
    assertThatThrownBy(() -> CheckpointStats.read(dir.resolve("nope"))).hasMessageContaining("nope");
  }
}
