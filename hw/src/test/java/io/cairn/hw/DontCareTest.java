package io.cairn.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.hw.engine.FastEngine;
import io.cairn.hw.engine.RandomStimulus;
import io.cairn.hw.engine.Stimulus;
import io.cairn.hw.netlist.Netlist;
import io.cairn.hw.netlist.NetlistLoader;
import io.cairn.hw.netlist.Tools;
import io.cairn.hw.netlist.Yosys;
import io.cairn.hw.sim.EventSim;
import io.cairn.hw.sim.IverilogSim;
import io.cairn.hw.state.HwState;
import io.cairn.hw.state.StateFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * 'bx don't-cares become 0 in every engine, by synthesis ({@code setundef -zero} in synth.ys): the
 * netlist has no x left, the fast engine, the event simulator and iverilog agree byte for byte after
 * moves, and without the setundef lines the same move into iverilog is rejected (x in the state).
 */
class DontCareTest {
  static final Map<String, Integer> RESET = Map.of("rst_ni", 0);

  @Test
  void theNetlistHasNoXAndDontCaresAreZero() throws Exception {
    Examples.Design d = Examples.get("dontcare");
    String v = Files.readString(d.synthesis().verilog());
    assertThat(v).doesNotContainPattern("'[bhdo][0-9a-f]*[xz]");
    assertThat(Files.readString(d.synthesis().json())).doesNotContain("\"x\"");
    // undefined opcode 5 writes 'bx to acc: 0 in the fast engine; op[0]=1 makes scratch = a
    Netlist nl = d.netlist();
    FastEngine e = new FastEngine(nl);
    e.setStimulus(new RandomStimulus(3, 1, 0, Map.of("op", 5L, "a", 0x5aL, "sel", 3L), RESET));
    e.run(10);
    e.settle();
    assertThat(e.value("acc")).isZero();
    assertThat(e.value("scratch")).isEqualTo(0x5a);
    assertThat(e.value("onehot")).as("case default 4'bxxxx").isZero();
    // op 6 (op[0]=0): scratch <= 'bx = 0; and memory word written with 8'hxx by op 7 reads 0
    e.setStimulus(new RandomStimulus(3, 0, 0, Map.of("op", 7L, "a", 0x5aL, "sel", 2L), RESET));
    e.run(2);
    e.settle();
    assertThat(e.value("scratch")).isEqualTo(0x5a); // op 7 has op[0]=1
    assertThat(e.value("rd")).isZero();
  }

  @Test
  void movesAreByteIdenticalInEveryEngine() throws Exception {
    Examples.assumeIverilog();
    Examples.Design d = Examples.get("dontcare");
    Netlist nl = d.netlist();
    Stimulus stim = new RandomStimulus(17, 2, 0, Map.of(), RESET);
    FastEngine e = new FastEngine(nl);
    e.setStimulus(stim);
    e.run(150);
    HwState at150 = e.state();
    e.run(100);
    HwState fast250 = e.state();
    Path work = Files.createDirectories(Examples.work().resolve("dontcare"));
    HwState iv250 = new IverilogSim(nl, d.synthesis().verilog(), work).run(at150, stim, 100, null, false).end();
    HwState ev250 = new EventSim(nl).run(at150, stim, 100, null, false).end();
    Path a = work.resolve("fast.state"), b = work.resolve("iv.state"), c = work.resolve("ev.state");
    StateFile.write(fast250, nl, a);
    StateFile.write(iv250, nl, b);
    StateFile.write(ev250, nl, c);
    assertThat(Files.readAllBytes(b)).isEqualTo(Files.readAllBytes(a));
    assertThat(Files.readAllBytes(c)).isEqualTo(Files.readAllBytes(a));
    // the run did exercise the don't-care paths: the stimulus gives undefined opcodes
    long undefined = java.util.stream.LongStream.range(150, 250)
        .filter(k -> stim.value(k,
            nl.inputs().indexOf(nl.inputs().stream().filter(p -> p.name().equals("op")).findFirst().orElseThrow()),
            nl.inputs().stream().filter(p -> p.name().equals("op")).findFirst().orElseThrow()) >= 5)
        .count();
    assertThat(undefined).isGreaterThan(10);
  }

  @Test
  void withoutSetundefIverilogSeesX() throws Exception {
    Examples.assumeIverilog();
    Path src = Examples.examples().resolve("dontcare/dontcare.v");
    Path out = Files.createDirectories(Examples.work().resolve("dontcare-x"));
    Path json = out.resolve("dontcare.json"), v = out.resolve("dontcare_netlist.v");
    String script = Yosys.script(List.of(src), "dontcare", json, v).replaceAll("(?m)^setundef.*$", "");
    Files.writeString(out.resolve("x.ys"), script);
    Tools.run(List.of(Tools.require("yosys").toString(), "-q", "-s", out.resolve("x.ys").toString()), out, 600);
    assertThat(Files.readString(v)).containsPattern("'[bh]x");
    Netlist nl = NetlistLoader.load(json);
    Stimulus stim = new RandomStimulus(17, 2, 0, Map.of(), RESET);
    FastEngine e = new FastEngine(nl);
    e.setStimulus(stim);
    e.run(150);
    IverilogSim iv = new IverilogSim(nl, v, out);
    assertThatThrownBy(() -> iv.run(e.state(), stim, 100, null, false)).hasMessageContaining("unknown (x/z)");
  }
}
