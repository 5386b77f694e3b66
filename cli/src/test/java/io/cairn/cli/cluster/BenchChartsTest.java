package io.cairn.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;

/** The cluster bench charts (drawn by core's Svg) are well-formed and carry their data, without running a job. */
class BenchChartsTest {
  private static String wellFormed(String svg) throws Exception {
    DocumentBuilderFactory.newInstance().newDocumentBuilder()
        .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    return svg;
  }

  @Test
  void protocolsPerRankCount() throws Exception {
    String svg = wellFormed(ClusterBenchCommand.chart(List.of(new ClusterBenchCommand.Row(4, "independent", 1.5, 12.25),
        new ClusterBenchCommand.Row(4, "blocking", 2.5, 30),
        new ClusterBenchCommand.Row(8, "chandy-lamport", 3.5, 40))));
    assertThat(svg).startsWith("<svg").contains("the price of consistency", ">4 ranks<", ">8 ranks<",
        ">independent: committed<",
        ">chandy-lamport: blocked<", "<title>independent: committed, 4 ranks: 12.3</title>",
        "<title>chandy-lamport: blocked, 8 ranks: 3.50</title>");
  }

  @Test
  void transportsAndProtocolComparison() throws Exception {
    String t = wellFormed(TransportComparison.chart(List.of(new TransportComparison.Row(2, "tcp", 30, 900, 50),
        new TransportComparison.Row(2, "mpi", 5, 2000, 40)), List.of("tcp", "mpi"), 8));
    assertThat(t)
        .contains("Point-to-point latency", "Point-to-point bandwidth", "Blocking global checkpoint, 8 MiB per rank",
            ">tcp<", ">mpi<")
        .contains("height='1260'");
    String p = wellFormed(ProtocolComparison.chart(List.of(
        new ProtocolComparison.Row("bank", "none", 2, 1, Double.NaN, -1, -1, Double.NaN, "conserved"),
        new ProtocolComparison.Row("bank", "blocking", 2.4, 1.2, Double.NaN, 8, 40, 1.5, "conserved"),
        new ProtocolComparison.Row("bank", "logging", 2.2, 1.1, 0.5, 1, 5, Double.NaN, "conserved")),
        new ProtocolComparison.Settings(8, 200, 20, 10, 64, Path.of("job"))));
    assertThat(p)
        .contains("Failure-free run time vs no checkpoints (8 ranks)", ">bank:blocking<", ">bank:logging<", ">n/a<")
        .doesNotContain("bank:none").doesNotContain("NaN");
  }
}
