package io.cairn.cli.redundancy;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cli.CliRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RedundancyCommandTest {
  @TempDir
  Path tmp;

  record Out(int code, String text) {}

  static Out run(String... args) {
    CliRunner.Result r = CliRunner.run(args);
    return new Out(r.code(), r.out());
  }

  @Test
  void planShowsSetsAndDegradations() throws Exception {
    Out ok = run("redundancy", "plan", "--ranks", "8", "--nodes", "4", "--scheme", "xor:4", "--json");
    assertThat(ok.code()).isZero();
    assertThat(ok.text()).contains("\"scheme\":\"xor:4\"").contains("\"degradations\":[]");
    Out few = run("redundancy", "plan", "--ranks", "4", "--nodes", "2", "--scheme", "rs:2+2");
    assertThat(few.code()).isZero();
    assertThat(few.text()).contains("TOLERANCE_REDUCED");
    Path d = Files.writeString(tmp.resolve("domains.properties"),
        "levels = rack\nnode-0 = rack=a\nnode-1 = rack=a\nnode-2 = rack=b\nnode-3 = rack=b\n");
    Out racks = run("redundancy", "plan", "--ranks", "4", "--nodes", "4", "--scheme", "partner", "--domains",
        d.toString(), "--json");
    assertThat(racks.text()).contains("\"domainLevels\":[\"rack\"]").contains("\"degradations\":[]");
    assertThat(run("redundancy", "plan", "--ranks", "4", "--nodes", "2", "--scheme", "rs:9").code()).isEqualTo(2);
  }

  @Test
  void planTakesTheLaunchersDomainOptions() throws Exception {
    // as cairn launch --domain: levels not declared, inferred (power: 2 names, rack: 4 names -> power is larger)
    Out flags = run("redundancy", "plan", "--ranks", "4", "--nodes", "4", "--scheme", "partner", "--domain",
        "node-0:power=p1,rack=r0",
        "--domain", "node-1:power=p1,rack=r1", "--domain", "node-2:power=p2,rack=r2", "--domain",
        "node-3:power=p2,rack=r3");
    assertThat(flags.code()).isZero();
    assertThat(flags.text()).contains("using [power, rack]").contains("rank 0 (node-0) -> copy on rank 2 (node-2)")
        .contains("as requested");
    Out declared = run("redundancy", "plan", "--ranks", "4", "--nodes", "4", "--scheme", "partner", "--json",
        "--domain-levels", "rack,power",
        "--domain", "node-0:power=p1,rack=r0");
    assertThat(declared.text()).contains("\"domainLevels\":[\"rack\",\"power\"]");
    // the file and --domain name node-1's rack differently: refused, naming the node
    Path d = Files.writeString(tmp.resolve("d.properties"), "levels = rack\nnode-1 = rack=a\n");
    CliRunner.Result bad = CliRunner.run("redundancy", "plan", "--ranks", "2", "--nodes", "2", "--scheme", "partner",
        "--domains-file", d.toString(),
        "--domain", "node-1:rack=b");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("node 'node-1'").contains("rack is 'a'").contains("'b' in --domain");
  }
}
