package io.cairn.cli.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cairn.cli.CliRunner;
import io.cairn.hw.netlist.Tools;
import io.cairn.hw.sim.IverilogSim;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cairn hw link --split}: the CPU + RAM example split at the RAM instance (RAM in the
 * simulator, the core fast), the boundary derived from the netlist; the whole system runs fast to
 * cycle 150, its state is split, the pair runs 250 cycles linked, and the merged state is
 * byte-identical to 400 cycles of the whole system. The RAM's debug flops, which Yosys removes
 * from the whole design but keeps in the RAM alone, are tolerated.
 */
class HwSplitTest {
  @TempDir
  Path dir;

  static final Path SOC = Path.of("..", "hw", "examples", "soc", "soc.v").toAbsolutePath().normalize();

  @Test
  void splitAtTheRamInstanceRunsLinkedAndMergesBackByteIdentically() throws Exception {
    assumeTrue(Tools.which("yosys").isPresent(),
        "yosys not installed (Debian package yosys; scripts/install-deps.sh): skipping");
    CliRunner.run(0, "hw", "synth", SOC.toString(), "--top", "soc", "-o", dir.resolve("soc").toString());
    String whole = dir.resolve("soc/soc.json").toString();
    Path w150 = dir.resolve("w150.state"), w400 = dir.resolve("w400.state");
    CliRunner.run(0, "hw", "run", whole, "--until", "cycle=150", "--save-state", w150.toString());
    CliRunner.run(0, "hw", "run", whole, "--until", "cycle=400", "--save-state", w400.toString());
    for (String sim : IverilogSim.available() ? List.of("event", "iverilog") : List.of("event")) {
      Path merged = dir.resolve("linked-" + sim + ".state"), vcd = dir.resolve("ram-" + sim + ".vcd");
      CliRunner.Result r = CliRunner.run("hw", "link", "--split", "u_ram", "--top", "soc", SOC.toString(), "-o",
          dir.resolve("split").toString(),
          "--whole-state", w150.toString(), "--cycles", "250", "--simulator", sim, "--vcd", vcd.toString(),
          "--save-whole-state", merged.toString());
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).contains("split soc at instance u_ram (module ram)")
          .contains("linked soc (fast) <-> cairn_split_u_ram (" + sim + ") for 250 cycles");
      assertThat(r.err()).contains("8 flop(s) of a part are not in the whole design").contains("ram_dbg[0]");
      assertThat(Files.readAllBytes(merged)).as(sim).isEqualTo(Files.readAllBytes(w400));
      assertThat(Files.readString(vcd)).contains("rdata").contains("#1501");
    }
    // the boundary comes from the netlist: the parts' ports are the wires between core and RAM
    String fastPart = Files.readString(dir.resolve("split/fast/soc.json"));
    assertThat(fastPart).contains("\"rdata\": {\n          \"direction\": \"input\"")
        .contains("\"addr\": {\n          \"direction\": \"output\"");
    // the state moved: the core ran the program (out changes) and the merged state equals, so did the RAM
    assertThat(Files.readString(w400)).isNotEqualTo(Files.readString(w150));
  }

  /**
   * The other way round: the core in the simulator and the RAM fast. The RAM reads asynchronously,
   * so its rdata follows the core's addr within the cycle, across the boundary: the parts exchange
   * values until they agree before each edge (same-cycle exchange), and the result is again
   * byte-identical to the whole system.
   */
  @Test
  void splitAtTheCoreLinksAnAsynchronousReadRamAcrossTheBoundary() throws Exception {
    assumeTrue(Tools.which("yosys").isPresent(),
        "yosys not installed (Debian package yosys; scripts/install-deps.sh): skipping");
    CliRunner.run(0, "hw", "synth", SOC.toString(), "--top", "soc", "-o", dir.resolve("soc").toString());
    String whole = dir.resolve("soc/soc.json").toString();
    Path w150 = dir.resolve("w150.state"), w400 = dir.resolve("w400.state");
    CliRunner.run(0, "hw", "run", whole, "--until", "cycle=150", "--save-state", w150.toString());
    CliRunner.run(0, "hw", "run", whole, "--until", "cycle=400", "--save-state", w400.toString());
    for (String sim : IverilogSim.available() ? List.of("event", "iverilog") : List.of("event")) {
      Path merged = dir.resolve("core-" + sim + ".state"), vcd = dir.resolve("core-" + sim + ".vcd");
      CliRunner.Result r = CliRunner.run("hw", "link", "--split", "u_core", "--top", "soc", SOC.toString(), "-o",
          dir.resolve("split-core").toString(),
          "--whole-state", w150.toString(), "--cycles", "250", "--simulator", sim, "--vcd", vcd.toString(),
          "--save-whole-state", merged.toString());
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).contains("split soc at instance u_core (module core)")
          .contains(
              "same-cycle exchange: outputs of the fast part depend combinationally on the simulated part (rdata <- addr)")
          .contains("linked soc (fast) <-> cairn_split_u_core (" + sim + ") for 250 cycles");
      // more round trips than cycles: the cycles where addr changed needed a second exchange
      long trips = Long.parseLong(r.out().replaceAll("(?s).*, (\\d+) round trips.*", "$1"));
      assertThat(trips).isGreaterThan(250).isLessThanOrEqualTo(2 * 250);
      assertThat(Files.readAllBytes(merged)).as(sim).isEqualTo(Files.readAllBytes(w400));
      assertThat(Files.readString(vcd)).contains("acc").contains("#1501");
    }
    String fastPart = Files.readString(dir.resolve("split-core/fast/soc.json"));
    assertThat(fastPart).contains("\"rdata\": {\n          \"direction\": \"output\"")
        .contains("\"addr\": {\n          \"direction\": \"input\"");
  }

  @Test
  void badSplitsAreClearErrors() throws Exception {
    assumeTrue(Tools.which("yosys").isPresent(),
        "yosys not installed (Debian package yosys; scripts/install-deps.sh): skipping");
    CliRunner.Result r = CliRunner.run("hw", "link", "--split", "u_nope", "--top", "soc", SOC.toString(), "-o",
        dir.resolve("s").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("the top module soc has no instance named u_nope (its instances: ").contains("u_core")
        .contains("u_ram")
        .doesNotContain("\tat ");
    CliRunner.Result nested = CliRunner.run("hw", "link", "--split", "u_core.x", "--top", "soc", SOC.toString());
    assertThat(nested.err()).contains("nested instance paths are not supported");
    CliRunner.Result mixed = CliRunner.run("hw", "link", "--split", "u_ram", "--fast", "a.json", "--top", "soc",
        SOC.toString());
    assertThat(mixed.err()).contains("--split derives --fast");
  }
}
