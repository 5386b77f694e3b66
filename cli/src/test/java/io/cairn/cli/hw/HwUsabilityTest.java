package io.cairn.cli.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cairn.cli.CliRunner;
import io.cairn.hw.netlist.Tools;
import io.cairn.hw.sim.IverilogSim;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a new user runs into (issue 22): 'bx designs moved into iverilog, errors hidden by cleanup,
 * resets with other names, --set of a non-input, stack traces, --show, VCD time, the 64-lane engine.
 */
class HwUsabilityTest {
  @TempDir
  Path dir;

  static final Path EXAMPLES = Path.of("..", "hw", "examples").toAbsolutePath().normalize();

  static String synth(Path dir, String example, String top) {
    Path out = dir.resolve(top);
    CliRunner.run(0, "hw", "synth", EXAMPLES.resolve(example).toString(), "--top", top, "-o", out.toString());
    return out.resolve(top + ".json").toString();
  }

  static void assumeYosys() {
    assumeTrue(Tools.which("yosys").isPresent(),
        "yosys not installed (Debian package yosys; scripts/install-deps.sh): skipping");
  }

  static Set<String> tmpWorkDirs() throws Exception {
    try (var s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("cairn-hw")).collect(Collectors.toSet());
    }
  }

  @Test
  void dontCareDesignMovesIntoIverilogAndBackByteIdentically() throws Exception {
    assumeYosys();
    assumeTrue(IverilogSim.available(), "iverilog not installed (Debian package iverilog): skipping");
    String json = synth(dir, "dontcare/dontcare.v", "dontcare");
    Path s50 = dir.resolve("s50.state"), s80 = dir.resolve("s80.state"), f80 = dir.resolve("f80.state"),
        back = dir.resolve("back.state");
    CliRunner.run(0, "hw", "run", json, "--until", "cycle=50", "--save-state", s50.toString());
    CliRunner.run(0, "hw", "move", json, "--to", "sim", "--sim", "iverilog", "--state", s50.toString(), "--cycles",
        "30", "--save-state", s80.toString());
    CliRunner.run(0, "hw", "run", json, "--until", "cycle=80", "--save-state", f80.toString());
    assertThat(Files.readAllBytes(s80)).isEqualTo(Files.readAllBytes(f80));
    CliRunner.run(0, "hw", "move", json, "--to", "fast", "--state", s80.toString(), "--until", "cycle=500",
        "--save-state", back.toString());
    Path f500 = dir.resolve("f500.state");
    CliRunner.run(0, "hw", "run", json, "--until", "cycle=500", "--save-state", f500.toString());
    assertThat(Files.readAllBytes(back)).isEqualTo(Files.readAllBytes(f500));
    String bench = CliRunner.run(0, "hw", "bench", json, "--cycles", "20000", "--iverilog-cycles", "300",
        "--event-cycles", "2000", "--no-verilator", "--json");
    assertThat(bench).contains("\"statesAgree\":true");
  }

  @Test
  void aFailedRunShowsTheRealErrorAndLeavesNoWorkDirectory() throws Exception {
    assumeYosys();
    assumeTrue(IverilogSim.available(), "iverilog not installed (Debian package iverilog): skipping");
    String json = synth(dir, "counter/counter.v", "counter");
    Path broken = dir.resolve("broken_netlist.v");
    Files.writeString(broken, "module counter(input clk; endmodule this is not verilog\n");
    Set<String> before = tmpWorkDirs();
    CliRunner.Result r = CliRunner.run("hw", "move", json, "--to", "sim", "--sim", "iverilog", "--netlist-v",
        broken.toString(), "--cycles", "10");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("cairn hw move: error: ").contains("iverilog failed")
        .containsIgnoringCase("syntax error")
        .doesNotContain("DirectoryNotEmpty").doesNotContain("\tat ");
    assertThat(tmpWorkDirs()).as("work directories left in the temp folder").isSubsetOf(before);
  }

  @Test
  void resetsByNameByOptionAndNeverSilentlyIgnored() throws Exception {
    assumeYosys();
    String json = synth(dir, "timer/timer.v", "timer");
    // por_b is no reset name: a warning, and --reset-cycles is refused rather than ignored
    CliRunner.Result plain = CliRunner.run("hw", "run", json, "--until", "cycle=20", "--set", "kick=0", "--set",
        "limit=0");
    assertThat(plain.code()).isZero();
    assertThat(plain.err()).contains("warning: design timer has no input recognised as a reset")
        .contains("--reset NAME[=ACTIVE-LEVEL]");
    CliRunner.Result cycles = CliRunner.run("hw", "run", json, "--until", "cycle=20", "--reset-cycles", "3");
    assertThat(cycles.code()).isEqualTo(1);
    assertThat(cycles.err())
        .contains("--reset-cycles/--reset-every given but design timer has no input recognised as a reset")
        .doesNotContain("\tat ");
    // --reset por_b=0: held low in cycles 0..2, then counting: count at cycle 20 = 17, fired once count passed 15
    CliRunner.Result named = CliRunner.run("hw", "run", json, "--until", "cycle=20", "--reset", "por_b=0",
        "--reset-cycles", "3",
        "--set", "kick=0", "--set", "limit=0", "--json");
    assertThat(named.code()).isZero();
    assertThat(named.err()).doesNotContain("warning");
    assertThat(named.out()).contains("\"outputs\":{\"count\":17,\"fired\":1}");
    // the level comes from the option: active level 1 holds por_b high, so the timer never resets and counts from 0
    assertThat(CliRunner.run(0, "hw", "run", json, "--until", "cycle=20", "--reset", "por_b=1", "--reset-cycles", "30",
        "--set", "kick=0",
        "--set", "limit=15", "--json")).contains("\"outputs\":{\"count\":20,\"fired\":0}");
    assertThat(CliRunner.run(0, "hw", "run", json, "--until", "cycle=20", "--reset", "por_b=0", "--reset-cycles", "30",
        "--set", "kick=0",
        "--json")).contains("\"outputs\":{\"count\":0,\"fired\":0}");
    // wrong names: errors naming the input list, no stack trace
    CliRunner.Result noInput = CliRunner.run("hw", "run", json, "--reset", "rst_n");
    assertThat(noInput.code()).isEqualTo(1);
    assertThat(noInput.err())
        .contains("--reset rst_n: design timer has no input named 'rst_n' (inputs: por_b, kick, limit)");
    CliRunner.Result setOut = CliRunner.run("hw", "run", json, "--set", "count=3", "--reset", "none");
    assertThat(setOut.code()).isEqualTo(1);
    assertThat(setOut.err()).contains("--set count=3: design timer has no input named 'count'").doesNotContain("\tat ");
    assertThat(CliRunner.run("hw", "run", json, "--set", "clk=1", "--reset", "none").code()).isEqualTo(1);
    // a detected active-low reset: rst_ni of the dontcare example needs no option and gives no warning
    String dc = synth(dir, "dontcare/dontcare.v", "dontcare");
    CliRunner.Result det = CliRunner.run("hw", "run", dc, "--until", "cycle=5", "--reset-cycles", "5", "--json");
    assertThat(det.err()).doesNotContain("warning");
    assertThat(det.out()).contains("\"acc\":0,\"scratch\":0,").contains("\"onehot\":1}");
  }

  @Test
  void userErrorsAreOneLineAndShowPrintsEachNameOnce() throws Exception {
    assumeYosys();
    CliRunner.Result missing = CliRunner.run("hw", "run", dir.resolve("nope.json").toString());
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).startsWith("cairn hw run: error: ").contains("nope.json").doesNotContain("\tat ")
        .doesNotContain("Exception");
    Path junk = dir.resolve("junk.state");
    Files.writeString(junk, "hello\n");
    String json = synth(dir, "cpu/cpu.v", "cpu");
    CliRunner.Result bad = CliRunner.run("hw", "move", json, "--to", "fast", "--state", junk.toString());
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.err()).contains("junk.state:1: not a Cairn hardware state file").doesNotContain("\tat ");
    CliRunner.Result badBp = CliRunner.run("hw", "run", json, "--until", "nosuch==1");
    assertThat(badBp.code()).isEqualTo(1);
    assertThat(badBp.err()).contains("nosuch").doesNotContain("\tat ");

    String out = CliRunner.run(0, "hw", "run", json, "--until", "cycle=100", "--show", "pc_o,pc,op");
    assertThat(out.lines().filter(l -> l.trim().startsWith("pc_o =")).count()).isEqualTo(1);
    assertThat(out).contains("  pc = 0x").contains("  op = 0x");

    // --print-script prints and synthesises nothing
    Path none = dir.resolve("not-created");
    String script = CliRunner.run(0, "hw", "synth", EXAMPLES.resolve("cpu/cpu.v").toString(), "--top", "cpu", "-o",
        none.toString(), "--print-script");
    assertThat(script).contains("setundef -zero -undriven")
        .contains("write_json " + none.toAbsolutePath().resolve("cpu.json"));
    assertThat(none).doesNotExist();
  }

  @Test
  void moveToSimShowsSignalsAndWritesAbsoluteTimeVcd() throws Exception {
    assumeYosys();
    String json = synth(dir, "cpu/cpu.v", "cpu");
    Path s100 = dir.resolve("s100.state");
    CliRunner.run(0, "hw", "run", json, "--until", "cycle=100", "--save-state", s100.toString());
    String fast = CliRunner.run(0, "hw", "run", json, "--until", "cycle=140", "--show", "pc,op", "--json");
    for (String sim : IverilogSim.available() ? List.of("event", "iverilog") : List.of("event")) {
      Path vcd = dir.resolve(sim + ".vcd");
      List<String> args = new java.util.ArrayList<>(
          List.of("hw", "move", json, "--to", "sim", "--sim", sim, "--state", s100.toString(),
              "--cycles", "40", "--vcd", vcd.toString(), "--show", "pc,op", "--json"));
      if (sim.equals("iverilog")) args.add("--vcd-public-only");
      String out = CliRunner.run(0, args.toArray(String[]::new));
      // the same outputs and signals as the fast run stopped at cycle 140
      assertThat(out).contains(fast.substring(fast.indexOf("\"outputs\""), fast.indexOf("\"state\"")));
      List<String> lines = Files.readAllLines(vcd);
      String firstTime = lines.stream().filter(l -> l.startsWith("#")).findFirst().orElseThrow();
      assertThat(firstTime).as(sim).isEqualTo("#1001");
      // the last change: the clock falls at the end of cycle 139 (t = 1401; iverilog's dump ends 1 later)
      assertThat(lines.stream().filter(l -> l.startsWith("#")).reduce((a, b) -> b).orElseThrow()).as(sim).isIn("#1401",
          "#1402");
      assertThat(lines.stream().filter(l -> l.startsWith("$var")).toList()).as(sim).isNotEmpty()
          .noneMatch(l -> l.split(" ")[4].contains("$"));
    }
  }

  @Test
  void theLaneEngineRunsSixtyFourSeedsFromTheCommandLine() throws Exception {
    assumeYosys();
    String json = synth(dir, "counter/counter.v", "counter");
    Path lanes = dir.resolve("lanes");
    String out = CliRunner.run(0, "hw", "run", json, "--lanes", "--until", "cycle=300", "--seed", "10", "--reset-every",
        "50",
        "--lane-states", lanes.toString());
    assertThat(out).contains("64 lanes (seeds 10..73) ran 300 cycles").contains("lane-cycles/s")
        .contains("lane 63 (seed 73):");
    for (int l : new int[]{0, 5, 63}) {
      Path single = dir.resolve("single" + l + ".state");
      CliRunner.run(0, "hw", "run", json, "--until", "cycle=300", "--seed", String.valueOf(10 + l), "--reset-every",
          "50",
          "--save-state", single.toString());
      assertThat(Files.readAllBytes(lanes.resolve("lane" + l + ".state"))).as("lane %d", l)
          .isEqualTo(Files.readAllBytes(single));
    }
    assertThat(CliRunner.run("hw", "run", json, "--lanes", "--until", "q==3").err())
        .contains("--until must be cycle=N");
  }

  @Test
  void benchReportsAFailingIverilogAndStillMeasuresTheRest() throws Exception {
    assumeYosys();
    assumeTrue(IverilogSim.available(), "iverilog not installed (Debian package iverilog): skipping");
    String json = synth(dir, "counter/counter.v", "counter");
    Path other = Files.createDirectories(dir.resolve("broken"));
    Files.copy(Path.of(json), other.resolve("counter.json"));
    Files.writeString(other.resolve("counter_netlist.v"), "module counter(; endmodule\n");
    CliRunner.Result r = CliRunner.run("hw", "bench", other.resolve("counter.json").toString(), "--cycles", "20000",
        "--iverilog-cycles", "100",
        "--event-cycles", "1000", "--no-verilator");
    assertThat(r.code()).isEqualTo(3);
    assertThat(r.out()).contains("fast engine    :").contains("iverilog       : FAILED: ").contains("event sim      :")
        .contains(
            "simulated: every engine from the design's initial state (cycle 0), the same inputs: seed 1; reset rst=1 active for 1 cycle(s)");
    assertThat(r.err()).contains("bench: iverilog (netlist): 100 cycles").doesNotContain("\tat ");
  }

  /** Verilator builds are slow (a minute for this 169-gate counter on a busy 2-core machine): one tiny design only. */
  @Test
  void benchMeasuresVerilatorOnTheSameNetlistWithItsBuildTime() throws Exception {
    assumeYosys();
    assumeTrue(io.cairn.hw.sim.Verilator.available(), "verilator not installed (Debian package verilator): skipping");
    String json = synth(dir, "counter/counter.v", "counter");
    String out = CliRunner.run(0, "hw", "bench", json, "--cycles", "50000", "--verilator-cycles", "30000",
        "--iverilog-cycles", "100",
        "--event-cycles", "1000", "--reset-every", "20", "--repeats", "2", "--json");
    assertThat(out).containsPattern(
        "\"engine\":\"verilator\",\"cycles\":30000,\"cyclesPerSecond\":[0-9.eE+-]+,\"fastOverThis\":[0-9.eE+-]+,"
            + "\"buildSeconds\":[0-9.eE+-]+,\"agreesWithFast\":true");
    // the two engines ran alternately, twice each: both runs' figures and the ratio of each pair
    assertThat(out)
        .containsPattern("\"fastRuns\":\\[[0-9.eE+-]+,[0-9.eE+-]+\\],\"verilatorRuns\":\\[[0-9.eE+-]+,[0-9.eE+-]+\\],"
            + "\"fastOverVerilatorMedian\":[0-9.eE+-]+,\"fastOverVerilatorRuns\":\\[[0-9.eE+-]+,[0-9.eE+-]+\\]");
  }
}
