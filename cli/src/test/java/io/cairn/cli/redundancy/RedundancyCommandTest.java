package io.cairn.cli.redundancy;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cli.CliRunner;
import io.cairn.cli.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RedundancyCommandTest {
  @TempDir Path tmp;

  record Out(int code, String text) { }

  static Out run(String... args) {
    CliRunner.Result r = CliRunner.run(args);
    return new Out(r.code(), r.out());
  }

  @Test void planShowsSetsAndDegradations() throws Exception {
    Out ok = run("redundancy", "plan", "--ranks", "8", "--nodes", "4", "--scheme", "xor:4", "--json");
    assertThat(ok.code()).isZero();
    assertThat(ok.text()).contains("\"scheme\":\"xor:4\"").contains("\"degradations\":[]");
    Out few = run("redundancy", "plan", "--ranks", "4", "--nodes", "2", "--scheme", "rs:2+2");
    assertThat(few.code()).isZero();
    assertThat(few.text()).contains("TOLERANCE_REDUCED");
    Path d = Files.writeString(tmp.resolve("domains.properties"), "levels = rack\nnode-0 = rack=a\nnode-1 = rack=a\nnode-2 = rack=b\nnode-3 = rack=b\n");
    Out racks = run("redundancy", "plan", "--ranks", "4", "--nodes", "4", "--scheme", "partner", "--domains", d.toString(), "--json");
    assertThat(racks.text()).contains("\"domainLevels\":[\"rack\"]").contains("\"degradations\":[]");
    assertThat(run("redundancy", "plan", "--ranks", "4", "--nodes", "2", "--scheme", "rs:9").code()).isEqualTo(2);
  }
}
