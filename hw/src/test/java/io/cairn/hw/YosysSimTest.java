package io.cairn.hw;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.hw.engine.FastEngine;
import io.cairn.hw.engine.RandomStimulus;
import io.cairn.hw.netlist.Netlist;
import io.cairn.hw.netlist.Tools;
import io.cairn.hw.sim.VcdReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fast engine against Yosys' own {@code sim} command on the same JSON netlist, for the closed
 * designs (only clk and rst: the CPU, and the self-test that drives counter, FIFO and UART from an
 * LFSR): every public signal after every rising edge.
 */
class YosysSimTest {
  @ParameterizedTest
  @ValueSource(strings = {"cpu", "selftest"})
  void fastEngineMatchesYosysSim(String name) throws Exception {
    Examples.assumeYosys();
    Examples.Design d = Examples.get(name);
    Netlist nl = d.netlist();
    int cycles = 400;
    Path vcd = Examples.work().resolve("yosys-sim-" + name + ".vcd");
    Tools.run(List.of(Tools.require("yosys").toString(), "-q", "-p", "read_json " + d.synthesis().json()
        + "; sim -clock clk -reset rst -rstlen 1 -zinit -n " + cycles + " -vcd " + vcd), Examples.work(), 300);
    Map<String, TreeMap<Long, String>> y = VcdReader.read(vcd);

    FastEngine e = new FastEngine(nl);
    e.setStimulus(new RandomStimulus(1, 1, 0, Map.of())); // rst high in cycle 0 only, like -rstlen 1
    List<String> compared = new ArrayList<>();
    for (var s : nl.signals().entrySet())
      if (y.containsKey(s.getKey()) && java.util.Arrays.stream(s.getValue()).noneMatch(n -> n == nl.clockNet()))
        compared.add(s.getKey());
    assertThat(compared).as("signals in both").hasSizeGreaterThan(3);
    java.util.BitSet driven = new java.util.BitSet();
    driven.set(0, 2);
    nl.inputs().forEach(p -> { for (int n : p.nets()) driven.set(n); });
    nl.gates().forEach(g -> driven.set(g.out()));
    nl.flops().forEach(f -> driven.set(f.q()));
    nl.memories().forEach(m -> m.readPorts().forEach(r -> { for (int n : r.data()) driven.set(n); }));
    int mismatches = 0;
    StringBuilder first = new StringBuilder();
    for (int k = 0; k < cycles - 1; k++) {
      e.step(); // edge k
      e.settle(); // inputs of cycle k+1
      long t = 10 + 10L * k;
      for (String sig : compared) {
        int[] nets = nl.signals().get(sig);
        StringBuilder mine = new StringBuilder();
        for (int b = nets.length - 1; b >= 0; b--)
          mine.append(driven.get(nets[b]) ? (char) ('0' + e.net(nets[b])) : 'x');
        String theirs = VcdReader.at(y.get(sig), t); // undriven bits (flops optimised away) are x in both
        if (!mine.toString().equals(theirs)) {
          if (mismatches++ == 0)
            first.append(sig).append(" after edge ").append(k).append(": cairn ").append(mine).append(" yosys ")
                .append(theirs);
        }
      }
    }
    assertThat(mismatches).as("mismatches, first: %s", first).isZero();
    // the design did something
    assertThat(y.get(compared.getFirst()).size() + y.values().stream().mapToInt(TreeMap::size).sum())
        .isGreaterThan(cycles);
  }
}
