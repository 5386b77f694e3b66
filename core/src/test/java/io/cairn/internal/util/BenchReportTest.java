package io.cairn.internal.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchReportTest {
  @TempDir
  Path dir;

  @Test
  void rowsMediansTargetsTablesAndFiles() throws Exception {
    assertThat(BenchReport.median(List.of(3L, 1L, 2L))).isEqualTo(2.0);
    assertThat(BenchReport.median(List.of(4.0, 1.0, 2.0, 3.0))).isEqualTo(2.5);
    assertThat(BenchReport.median(List.<Double>of())).isNaN();
    assertThat(BenchReport.met(">= 0.95", 0.96)).isTrue();
    assertThat(BenchReport.met("<= 1.1", 1.2)).isFalse();
    assertThat(BenchReport.met(null, 1)).isNull();
    assertThat(BenchReport.targetValue(">= 0.95")).isEqualTo(0.95);
    assertThatThrownBy(() -> BenchReport.met("about 1", 1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("about 1");
    Map<String, Object> row = BenchReport.ratioRow("write", 2, 4, "GB/s", 0.5, "bandwidth / baseline", ">= 0.95",
        Map.of("seconds", 1.0));
    assertThat(row.keySet()).containsExactly("name", "value", "baseline", "unit", "ratio", "ratioMeaning", "target",
        "met", "seconds");
    assertThat(row.get("met")).isEqualTo(false);
    assertThat(BenchReport.table("  ", List.of("figure", "ratio"),
        List.of(List.of("a long name", "1.00"), List.of("b", "10.50"))))
        .isEqualTo("  figure       ratio\n  a long name   1.00\n  b            10.50\n");
    Map<String, Object> head = BenchReport.header("cairn bench");
    assertThat(head.keySet()).containsExactly("tool", "when", "cpus", "java", "loadAverage");
    head.put("rows", List.of(row));
    List<Path> files = BenchReport.write(dir.resolve("out"), "bench", head, "table\n");
    assertThat(Json.parseObject(Files.readString(files.get(0))).get("tool")).isEqualTo("cairn bench");
    assertThat(Files.readString(files.get(1))).isEqualTo("table\n");
  }
}
