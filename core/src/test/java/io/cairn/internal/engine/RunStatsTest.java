package io.cairn.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** stats.json: what the writer writes, the reader reads back; what is not a statistics file is said to be one. */
class RunStatsTest {
  @Test
  void roundTrip() throws IOException {
    RunStats s = new RunStats("heat \"1\"", "async", 12, 2.5, 2.0, 100, -1, Map.of("local", 0.5, "pfs", 1.25));
    String json = s.toJson();
    assertThat(json).startsWith("{\"format\":1,").endsWith("}\n").contains("\"lastCostSeconds\":2.500000");
    assertThat(RunStats.parse(json, "x")).isEqualTo(s);
  }

  @Test
  void historyAndIntervalRoundTrip() throws IOException {
    RunStats s = new RunStats("r", "sync", 2, 0.5, 0.25, 10, 1.5, Map.of("local", 0.1),
        java.util.List.of(new RunStats.Sample(1_700_000_000_000L, false, 0.5, 10),
            new RunStats.Sample(1_700_000_001_000L, true, 1.5, 0)),
        "young", Map.of("seconds", 12.0, "cost", 0.5, "mtbf", 144.0));
    String json = s.toJson();
    assertThat(json).contains("\"history\":[[1700000000000,0,0.500000,10],[1700000001000,1,1.500000,0]]")
        .contains("\"intervalMode\":\"young\"");
    assertThat(RunStats.parse(json, "x")).isEqualTo(s);
  }

  @Test
  void readsTheFormerWritersOutputAndSkipsUnknownFields() throws IOException {
    RunStats s = RunStats.parse(
        "{\"format\":1,\"name\":\"run\",\"mode\":\"sync\",\"checkpoints\":4,\"lastCostSeconds\":2.0,"
            + "\"meanCostSeconds\":1.5,\"lastBytes\":1,\"lastRestoreSeconds\":3.0,\"levelWriteSeconds\":{},\"future\":{\"a\":true}}",
        "x");
    assertThat(s.checkpoints()).isEqualTo(4);
    assertThat(s.meanCostSeconds()).isEqualTo(1.5);
    assertThat(s.lastRestoreSeconds()).isEqualTo(3.0);
    assertThat(s.levelWriteSeconds()).isEmpty();
  }

  @Test
  void garbageIsAClearError() {
    assertThatThrownBy(() -> RunStats.parse("{\u0000\u00ff\"", "run/stats.json"))
        .hasMessageStartingWith("run/stats.json: not a statistics file");
    assertThatThrownBy(() -> RunStats.parse("{\"format\":2,\"lastCostSeconds\":1,\"meanCostSeconds\":1}", "f"))
        .hasMessageContaining("format 1");
    assertThatThrownBy(() -> RunStats.parse("{\"format\":1,\"meanCostSeconds\":1}", "f"))
        .hasMessageContaining("'lastCostSeconds'");
  }
}
