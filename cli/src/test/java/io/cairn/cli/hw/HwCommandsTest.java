package io.cairn.cli.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cairn.cli.CliRunner;
import io.cairn.hw.netlist.Tools;
import io.cairn.hw.sim.IverilogSim;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cairn hw}: synth, run to a breakpoint, move to the simulator with a VCD and back, link. */
class HwCommandsTest {
  @TempDir
  Path dir;

  static final Path EXAMPLES = Path.of("..", "hw", "examples").toAbsolutePath().normalize();

  static String run(int expectCode, String... args) {
    return CliRunner.run(expectCode, args);
  }

  @Test
  void moveToTheSimulatorAndBackEqualsAStraightRun() throws Exception {
    assumeTrue(Tools.which("yosys").isPresent(),
        "yosys not installed (Debian package yosys; scripts/install-deps.sh): skipping");
    String sim = IverilogSim.available() ? "iverilog" : "event";
    Path out = dir.resolve("cpu");
    assertThat(
        run(0, "hw", "synth", EXAMPLES.resolve("cpu/cpu.v").toString(), "--top", "cpu", "-o", out.toString(), "--json"))
        .contains("\"flops\":26");
    String json = out.resolve("cpu.json").toString();
    Path s1 = dir.resolve("pc100.state"), s2 = dir.resolve("after.state"), s3 = dir.resolve("end.state"),
        s4 = dir.resolve("straight.state");
    Path vcd = dir.resolve("cpu.vcd");
    assertThat(run(0, "hw", "run", json, "--until", "top.pc==32'h100", "--save-state", s1.toString(), "--show", "pc,op",
        "--json"))
        .contains("\"hit\":true").contains("\"pc_o\":256").contains("\"signals\":{\"pc\":256,\"op\":6}");
    assertThat(run(0, "hw", "move", json, "--to", "sim", "--sim", sim, "--state", s1.toString(), "--cycles", "60",
        "--vcd", vcd.toString(), "--save-state", s2.toString(), "--json")).contains("\"simulator\":\"" + sim + "\"");
    assertThat(Files.readString(vcd)).contains("$enddefinitions").contains("pc");
    run(0, "hw", "move", json, "--to", "fast", "--state", s2.toString(), "--until", "cycle=1000", "--save-state",
        s3.toString());
    run(0, "hw", "run", json, "--until", "cycle=1000", "--save-state", s4.toString());
    assertThat(Files.readAllLines(s3)).isEqualTo(Files.readAllLines(s4));
    // a breakpoint that is never reached: exit code 2
    run(2, "hw", "run", json, "--until", "pc==32'h3ff", "--max-cycles", "2000");
  }

  @Test
  void benchComparesEnginesAndDrawsAChart() throws Exception {
    assumeTrue(Tools.which("yosys").isPresent(),
        "yosys not installed (Debian package yosys; scripts/install-deps.sh): skipping");
    run(0, "hw", "synth", EXAMPLES.resolve("counter/counter.v").toString(), "--top", "counter", "-o",
        dir.resolve("counter").toString());
    Path svg = dir.resolve("bench.svg");
    String out = run(0, "hw", "bench", dir.resolve("counter/counter.json").toString(), "--cycles", "20000",
        "--iverilog-cycles", "200",
        "--event-cycles", "2000", "--rtl-cycles", "2000", "--rtl", EXAMPLES.resolve("counter/counter.v").toString(),
        "--no-verilator",
        "--svg", svg.toString(), "--json");
    assertThat(out).contains("\"fastCyclesPerSecond\":").contains("\"statesAgree\":true")
        .contains("\"stimulus\":\"seed 1; reset rst=1")
        .contains("\"engine\":\"verilator\",\"cycles\":0,\"cyclesPerSecond\":null");
    if (IverilogSim.available()) {
      assertThat(out).contains("\"engine\":\"iverilog\",\"cycles\":200,")
          .contains("\"engine\":\"iverilog RTL\",\"cycles\":2000,");
    }
    assertThat(Files.readString(svg)).startsWith("<svg").contains("fast engine").contains("iverilog");
    // the table of docs/hardware-debug.md: header and one row; no Verilator here, so its columns are "-"
    String md = run(0, "hw", "bench", dir.resolve("counter/counter.json").toString(), "--cycles", "20000",
        "--iverilog-cycles", "100",
        "--event-cycles", "1000", "--no-verilator", "--repeats", "3", "--markdown");
    assertThat(md).startsWith("| design | fast engine (median) | fast load | Verilator (median) |")
        .containsPattern(
            "\\n\\| counter \\(\\d+ gates, 16 flops, 16 state bits\\) \\| [0-9.]+ [kM]? ?\\| [0-9.]+ s \\| - \\| - \\| - \\|");
  }

  @Test
  void linkRunsAndLogsTransactions() throws Exception {
    assumeTrue(Tools.which("yosys").isPresent(),
        "yosys not installed (Debian package yosys; scripts/install-deps.sh): skipping");
    for (String top : new String[]{"source", "sink"}) {
      run(0, "hw", "synth", EXAMPLES.resolve("link/" + top + ".f").toString(), "--top", top, "-o",
          dir.resolve(top).toString());
    }
    Path tx = dir.resolve("tx.txt");
    String out = run(0, "hw", "link", "--fast", dir.resolve("source/source.json").toString(), "--sim",
        dir.resolve("sink/sink.json").toString(),
        "--simulator", "event", "--channel", "valid,ready,data", "--exchange", "cycle", "--cycles", "500", "--set",
        "go=1", "--transactions", tx.toString(), "--json");
    assertThat(out).contains("\"exchange\":\"cycle\"").contains("\"messages\":1000").contains("\"roundTrips\":500");
    assertThat(Files.readAllLines(tx)).hasSizeGreaterThan(10).allMatch(l -> l.matches("\\d+ data=[0-9a-f]+"));
    // a declared channel that covers what the sink sends back (ready): transaction-level exchange by
    // default, the same transactions with far fewer round trips
    Path tx2 = dir.resolve("tx2.txt"), chans = dir.resolve("channels.txt");
    Files.writeString(chans, "# the source's byte stream\nbytes:valid=valid,ready=ready,data=data\n");
    String out2 = run(0, "hw", "link", "--fast", dir.resolve("source/source.json").toString(), "--sim",
        dir.resolve("sink/sink.json").toString(),
        "--simulator", "event", "--channels", chans.toString(), "--cycles", "500", "--set", "go=1", "--transactions",
        tx2.toString(), "--json");
    assertThat(out2).contains("\"exchange\":\"transaction\"");
    long trips = Long.parseLong(out2.replaceAll("(?s).*\"roundTrips\":(\\d+).*", "$1"));
    assertThat(trips).isLessThan(200);
    assertThat(Files.readAllLines(tx2)).isEqualTo(Files.readAllLines(tx));
    // a channel that leaves out what the sink sends back: per-cycle exchange, with a note saying why
    CliRunner.Result partial = CliRunner.run("hw", "link", "--fast", dir.resolve("source/source.json").toString(),
        "--sim",
        dir.resolve("sink/sink.json").toString(), "--simulator", "event", "--channel", "c:req=valid,ack=valid",
        "--cycles", "10");
    assertThat(partial.code()).isZero();
    assertThat(partial.err()).contains(
        "note: exchanging pin values every cycle: output ready of the simulated part sink is read by the fast part but belongs to no declared channel");
    CliRunner.Result refused = CliRunner.run("hw", "link", "--fast", dir.resolve("source/source.json").toString(),
        "--sim",
        dir.resolve("sink/sink.json").toString(), "--simulator", "event", "--exchange", "transaction", "--cycles",
        "10");
    assertThat(refused.code()).isEqualTo(1);
    assertThat(refused.err()).contains("--exchange transaction: no --channel is declared").doesNotContain("\tat ");
    // the link bench: both exchanges from the same state, end states compared, both timed
    CliRunner.Result bench = CliRunner.run("hw", "link", "--fast", dir.resolve("source/source.json").toString(),
        "--sim",
        dir.resolve("sink/sink.json").toString(), "--simulator", "event", "--channels", chans.toString(), "--cycles",
        "2000", "--set", "go=1", "--bench");
    assertThat(bench.code()).as(bench.err()).isZero();
    assertThat(bench.out())
        .contains("link bench, event, 2000 cycles from cycle 0, the same inputs; end states byte-identical")
        .containsPattern("per-cycle exchange   : +[0-9.]+ s +[0-9]+ cycles/s  CPU +[0-9.]+ s  2000 round trips")
        .contains("speed-up");
    Files.writeString(chans, "bytes:valid=valid,ready=ready,strobe=data\n");
    CliRunner.Result badFile = CliRunner.run("hw", "link", "--fast", dir.resolve("source/source.json").toString(),
        "--sim",
        dir.resolve("sink/sink.json").toString(), "--channels", chans.toString(), "--cycles", "10");
    assertThat(badFile.err()).contains(chans + " line 1: channel bytes: unknown key 'strobe'");

    // StateMover + StateLink: the whole system runs fast to cycle 300, its state is split, the pair runs
    // 400 cycles linked, the merged state equals 700 cycles of the whole system in the fast engine
    run(0, "hw", "synth", EXAMPLES.resolve("link/system.f").toString(), "--top", "system", "-o",
        dir.resolve("system").toString());
    String sys = dir.resolve("system/system.json").toString();
    Path w300 = dir.resolve("w300.state"), w700 = dir.resolve("w700.state"), linked = dir.resolve("linked.state");
    run(0, "hw", "run", sys, "--until", "cycle=300", "--save-state", w300.toString(), "--set", "go=1");
    run(0, "hw", "run", sys, "--until", "cycle=700", "--save-state", w700.toString(), "--set", "go=1");
    run(0, "hw", "link", "--fast", dir.resolve("source/source.json").toString(), "--sim",
        dir.resolve("sink/sink.json").toString(),
        "--whole", sys, "--whole-state", w300.toString(), "--fast-prefix", "src", "--sim-prefix", "snk", "--simulator",
        "event",
        "--cycles", "400", "--set", "go=1", "--save-whole-state", linked.toString());
    assertThat(Files.readAllLines(linked)).isEqualTo(Files.readAllLines(w700));
  }
}
