package io.cairn.cli.redundancy;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RedundancyCommandTest {
  @TempDir Path tmp;

  record Out(int code, String text) { }

  static synchronized Out run(String... args) {
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      int code = Main.run(args);
      return new Out(code, buf.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(old);
    }
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
