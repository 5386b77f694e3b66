package io.cairn.cli.dl;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cli.CliRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cairn dl demo}: child JVMs killed with SIGKILL and resumed give a bit-identical run. */
class DlCommandsTest {
  @TempDir
  Path dir;

  static String run(int expectCode, String... args) {
    return CliRunner.run(expectCode, args);
  }

  @Test
  void demoIsBitIdenticalAfterAKill() throws Exception {
    Path plot = dir.resolve("demo.svg");
    String out = run(0, "dl", "demo", "--steps", "40", "--every", "5", "--workers", "2,1", "--kills", "1",
        "--dir", dir.resolve("ck").toString(), "--plot", plot.toString(), "--json");
    assertThat(out).contains("\"bitIdentical\":true").contains("\"mismatchedSteps\":0");
    assertThat(Files.readString(plot)).startsWith("<svg").contains("killed and resumed");
  }

  @Test
  void demoWithRanksRecoversFromKilledRanksBitIdentical() throws Exception {
    Path plot = dir.resolve("ranks.svg");
    String out = run(0, "dl", "demo", "--ranks", "3", "--steps", "40", "--every", "4", "--kills", "1",
        "--dir", dir.resolve("job").toString(), "--plot", plot.toString());
    assertThat(out).contains("job of 3 ranks").contains("kill -9 of rank")
        .contains("job finished; 1 process(es) restarted")
        .contains("steps that differ: 0 of 40").endsWith("bit-identical\n");
    assertThat(Files.readString(plot)).startsWith("<svg");
  }
}
