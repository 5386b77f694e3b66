package io.cairn.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** stats.json: what the writer writes, the reader reads back; what is not a statistics file is said to be one. */
class RunStatsTest {
  @Test void roundTrip() throws IOException {
    RunStats s = new RunStats("heat \"1\"", "async", 12, 2.5, 2.0, 100, -1, Map.of("local", 0.5, "pfs", 1.25));
    String json = s.toJson();
    assertThat(json).startsWith("{\"format\":1,").endsWith("}\n").contains("\"lastCostSeconds\":2.500000");
    assertThat(RunStats.parse(json, "x")).isEqualTo(s);
  }

  @Test void readsTheFormerWritersOutputAndSkipsUnknownFields() throws IOException {
    RunStats s = RunStats.parse("{\"format\":1,\"name\":\"run\",\"mode\":\"sync\",\"checkpoints\":4,\"lastCostSeconds\":2.0,"
        + "\"meanCostSeconds\":1.5,\"lastBytes\":1,\"lastRestoreSeconds\":3.0,\"levelWriteSeconds\":{},\"future\":{\"a\":true}}", "x");
    assertThat(s.checkpoints()).isEqualTo(4);
    assertThat(s.meanCostSeconds()).isEqualTo(1.5);
    assertThat(s.lastRestoreSeconds()).isEqualTo(3.0);
    assertThat(s.levelWriteSeconds()).isEmpty();
  }

  @Test void garbageIsAClearError() {
    assertThatThrownBy(() -> RunStats.parse("{\u0000\u00ff\"", "run/stats.json")).hasMessageStartingWith("run/stats.json: not a statistics file");
    assertThatThrownBy(() -> RunStats.parse("{\"format\":2,\"lastCostSeconds\":1,\"meanCostSeconds\":1}", "f")).hasMessageContaining("format 1");
    assertThatThrownBy(() -> RunStats.parse("{\"format\":1,\"meanCostSeconds\":1}", "f")).hasMessageContaining("'lastCostSeconds'");
  }
}
