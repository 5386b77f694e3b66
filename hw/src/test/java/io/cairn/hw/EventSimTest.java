package io.cairn.hw;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.hw.engine.RandomStimulus;
import io.cairn.hw.engine.Stimulus;
import io.cairn.hw.netlist.Netlist;
import io.cairn.hw.sim.EventSim;
import io.cairn.hw.sim.IverilogSim;
import io.cairn.hw.sim.SimResult;
import io.cairn.hw.sim.Traces;
import io.cairn.hw.sim.VcdReader;
import io.cairn.hw.state.HwState;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Cairn's event-level simulator: same results as the fast engine; its VCD agrees with iverilog's. */
class EventSimTest {
  @ParameterizedTest
  @ValueSource(strings = {"counter", "fifo", "uart", "cpu", "cells"})
  void eventSimEqualsFastEngineAfterAMove(String name) throws Exception {
    Examples.Design d = Examples.get(name);
    Netlist nl = d.netlist();
    Stimulus stim = new RandomStimulus(7, 2, 40, Map.of());
    SimResult fast = Traces.fast(nl, HwState.initial(nl), stim, 300);
    HwState at100 = Traces.fast(nl, HwState.initial(nl), stim, 100).end();
    SimResult ev = new EventSim(nl).run(at100, stim, 200, null, true);
    assertThat(ev.outputs()).containsExactlyElementsOf(fast.outputs().subList(100, 300));
    assertThat(ev.flops()).containsExactlyElementsOf(fast.flops().subList(100, 300));
    assertThat(ev.end().diff(fast.end(), nl, 10)).isEmpty();
  }

  @Test
  void eventVcdAgreesWithIverilogVcdOnEveryPublicWire() throws Exception {
    Examples.assumeIverilog();
    Examples.Design d = Examples.get("fifo");
    Netlist nl = d.netlist();
    Stimulus stim = new RandomStimulus(11, 2, 40, Map.of());
    Path ours = Examples.work().resolve("event-fifo.vcd"), theirs = Examples.work().resolve("iverilog-fifo.vcd");
    HwState start = Traces.fast(nl, HwState.initial(nl), stim, 20).end();
    new EventSim(nl).run(start, stim, 60, ours, false);
    new IverilogSim(nl, d.synthesis().verilog(), Examples.work()).run(start, stim, 60, theirs, false);
    Map<String, TreeMap<Long, String>> a = VcdReader.read(ours), b = new java.util.HashMap<>();
    VcdReader.read(theirs).forEach((k, v) -> b.put(k.startsWith("dut.") ? k.substring(4) : k, v));
    int compared = 0;
    for (String sig : nl.signals().keySet()) {
      if (!a.containsKey(sig) || !b.containsKey(sig)) continue;
      compared++;
      for (int k = 0; k < 60; k++) {
        for (long t : new long[]{5 + 10L * k, 10 + 10L * k}) { // settled before the edge, settled after it
          assertThat(VcdReader.at(a.get(sig), t)).as("%s at t=%d", sig, t).isEqualTo(VcdReader.at(b.get(sig), t));
        }
      }
    }
    assertThat(compared).isGreaterThanOrEqualTo(8);
  }
}
