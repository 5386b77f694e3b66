package io.cairn.cli.sched;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cli.CliRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cairn advise and cairn simulate end to end through Main. */
class SchedCommandsTest {
  @TempDir
  Path dir;

  record Out(int code, String out, String err) {}

  static Out run(String... args) {
    CliRunner.Result r = CliRunner.run(args);
    return new Out(r.code(), r.out(), r.err());
  }

  @Test
  void adviseJsonGivesIntervalsInSecondsAndWritesThePlot() throws Exception {
    Path plot = dir.resolve("s.svg");
    Out o = run("advise", "--cost", "5m", "--restart", "10m", "--mtbf", "24h", "--json", "--plot", plot.toString());
    assertThat(o.code()).isZero();
    assertThat(o.out()).contains("\"model\": \"young\"", "\"intervalSeconds\": 7200,", "\"model\": \"daly\"",
        "\"intervalSeconds\": 7001.39");
    assertThat(Files.readString(plot)).startsWith("<svg").contains("Daly (assumed MTBF)");
    Out table = run("advise", "--cost", "5m", "--mtbf", "24h", "--plot", "none", "--level", "local:5s:10s:6h",
        "--level", "pfs:5m:10m:3d");
    assertThat(table.out()).contains("daly", "1h 56m", "multi-level");
    assertThat(run("advise", "--mtbf", "1d").code()).isNotZero();
  }

  @Test
  void adviseReadsMeasuredCostsFromACheckpointDirectory() throws Exception {
    Files.createDirectories(dir.resolve("ck/run"));
    Files.writeString(dir.resolve("ck/run/stats.json"),
        "{\"format\":1,\"name\":\"run\",\"mode\":\"sync\",\"checkpoints\":4,"
            + "\"lastCostSeconds\":2.0,\"meanCostSeconds\":2.0,\"lastBytes\":1,\"lastRestoreSeconds\":3.0,\"levelWriteSeconds\":{}}");
    Out o = run("advise", "--from", dir.resolve("ck").toString(), "--mtbf", "6h", "--json", "--plot", "none");
    assertThat(o.code()).isZero();
    assertThat(o.out()).contains("\"checkpointCostSeconds\": 2,", "\"restartSeconds\": 3,");
    Out bad = run("advise", "--from", dir.resolve("nothing").toString(), "--mtbf", "6h");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("nothing");
  }

  @Test
  void simulateTheBundledSampleWritesAReport() throws Exception {
    Path out = dir.resolve("rep");
    Out o = run("simulate", "--policies", "none,daly,adaptive", "--out", out.toString());
    assertThat(o.code()).as(o.err()).isZero();
    assertThat(o.out()).contains("jobs: 600", "daly", "adaptive", "report.html");
    for (String f : new String[]{"metrics.csv", "metrics.json", "utilization.csv", "utilization.svg", "wasted.svg",
        "slowdown.svg", "makespan.svg", "report.html"}) {
      assertThat(out.resolve(f)).isNotEmptyFile();
    }
    assertThat(Files.readAllLines(out.resolve("metrics.csv"))).hasSize(4);
    assertThat(Files.readString(out.resolve("report.html"))).contains("<svg", "mean_bounded_slowdown");
  }

  @Test
  void simulateAnySwfFileAndReportMalformedLines() throws Exception {
    Path swf = dir.resolve("t.swf");
    Files.writeString(swf,
        "; MaxNodes: 8\n1 0 -1 3600 4 -1 -1 4 7200 -1 1 1 1 -1 0 -1 -1 -1\nthis is not a job\n2 60 -1 1800 8 -1 -1 8 3600 -1 1 1 1 -1 0 -1 -1 -1\n");
    Out o = run("simulate", "--trace", swf.toString(), "--policies", "young", "--node-mtbf", "10d", "--json", "--out",
        dir.resolve("r").toString());
    assertThat(o.code()).as(o.err()).isZero();
    assertThat(o.err()).contains("t.swf:3: expected 18 fields");
    assertThat(o.out()).contains("\"jobs\": 2", "\"policy\": \"young\"");
    Path gen = dir.resolve("g.swf");
    assertThat(run("simulate", "--generate-trace", gen.toString(), "--gen-jobs", "50", "--gen-nodes", "16").code())
        .isZero();
    assertThat(Files.readAllLines(gen).stream().filter(l -> !l.startsWith(";")).count()).isEqualTo(50);
  }
}
