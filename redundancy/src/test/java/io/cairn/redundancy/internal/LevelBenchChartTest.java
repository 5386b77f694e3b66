package io.cairn.redundancy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;

/** The redundancy bench's chart (core's Svg): codec speeds and checkpoint times side by side, well-formed. */
class LevelBenchChartTest {
  @Test
  void codecSpeedsAndLevelTimes() throws Exception {
    Map<String, double[]> codec = new LinkedHashMap<>();
    codec.put("xor 4+1", new double[]{9.5, 1.25, 8.75, 1.5});
    codec.put("rs 4+2", new double[]{3.5, 0.5, 2.75, 0.25});
    Map<Integer, Map<String, Double>> levels = new LinkedHashMap<>();
    levels.put(4, new LinkedHashMap<>(Map.of("local only", 0.125)));
    levels.get(4).put("partner", 0.25);
    String svg = LevelBench.svg(codec, levels, 64);
    DocumentBuilderFactory.newInstance().newDocumentBuilder()
        .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    assertThat(svg).startsWith("<svg")
        .contains("Encode / rebuild, GB/s per core", "Checkpoint time per rank, 64 MiB per rank",
            ">xor 4+1<", ">rs 4+2<", ">encode byte-at-a-time<", ">local only<", ">partner<", ">4 ranks / 4 nodes<",
            ">9.50<", ">0.125<")
        .contains("width='1520'");
  }
}
