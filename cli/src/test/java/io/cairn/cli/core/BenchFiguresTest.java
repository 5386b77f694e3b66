package io.cairn.cli.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cli.CliRunner;
import io.cairn.internal.util.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cairn bench --only objects} and {@code --only s3} (small sizes): their results head, rows and files (BenchReport). */
class BenchFiguresTest {
  @TempDir
  Path dir;

  @Test
  void objectsFigureWritesItsRowsAndFiles() throws Exception {
    String out = CliRunner.run(0, "bench", "--only", "objects", "--quick", "--json", "--dir", dir.toString()).trim();
    Map<String, Object> m = Json.parseObject(out);
    assertThat(m.keySet()).startsWith("tool", "when", "cpus", "java", "loadAverage");
    assertThat(m.get("tool")).isEqualTo("cairn bench --only objects");
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> rows = (List<Map<String, Object>>) m.get("rows");
    assertThat(rows).hasSize(4);
    for (Map<String, Object> r : rows) assertThat(((Number) r.get("cairnOverFory")).doubleValue()).isPositive();
    assertThat(Json.parseObject(Files.readString(dir.resolve("objects-bench.json"))).get("rows")).isEqualTo(rows);
    assertThat(Files.readString(dir.resolve("objects-bench.txt"))).contains("cairn/fory").contains("small objects")
        .contains("large arrays");
  }

  @Test
  void s3FigureComparesWithTheSdkInTheSameRun() throws Exception {
    String out = CliRunner.run(0, "bench", "--only", "s3", "--quick", "--size", "4", "--json", "--dir", dir.toString())
        .trim();
    Map<String, Object> m = Json.parseObject(out);
    assertThat(m.get("tool")).isEqualTo("cairn bench --only s3");
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> rows = (List<Map<String, Object>>) m.get("rows");
    assertThat(rows).extracting(r -> r.get("unit")).containsOnly("MB/s");
    for (Map<String, Object> r : rows) {
      // the JSON carries about 5 significant digits
      assertThat(((Number) r.get("ratio")).doubleValue()).isCloseTo(
          ((Number) r.get("value")).doubleValue() / ((Number) r.get("baseline")).doubleValue(),
          org.assertj.core.data.Percentage.withPercentage(0.1));
    }
    String table = Files.readString(dir.resolve("bench-s3.txt"));
    assertThat(table).contains("Cairn MB/s").contains("checkpoint to an s3 level vs PutObject");
  }
}
