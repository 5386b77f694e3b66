package io.cairn.hw;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.hw.engine.FastEngine;
import io.cairn.hw.engine.LaneEngine;
import io.cairn.hw.engine.RandomStimulus;
import io.cairn.hw.engine.Stimulus;
import io.cairn.hw.netlist.Netlist;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Lane l of the 64-lane bit-parallel engine equals a single fast-engine run with lane l's stimulus. */
class LaneEngineTest {
  @ParameterizedTest
  @ValueSource(strings = {"counter", "fifo", "uart", "cpu", "link/system", "cells"})
  void everyLaneEqualsItsOwnSingleRun(String name) {
    Netlist nl = Examples.get(name).netlist();
    Stimulus[] st = new Stimulus[LaneEngine.LANES];
    for (int l = 0; l < st.length; l++) st[l] = new RandomStimulus(1000 + l, 2, l % 3 == 0 ? 0 : 30, Map.of());
    LaneEngine lanes = new LaneEngine(nl, st);
    FastEngine[] single = new FastEngine[LaneEngine.LANES];
    for (int l = 0; l < single.length; l++) {
      single[l] = new FastEngine(nl);
      single[l].setStimulus(st[l]);
    }
    for (int k = 0; k < 400; k++) {
      lanes.settle();
      for (int l = 0; l < single.length; l++) {
        single[l].settle();
        for (Netlist.Port p : nl.outputs()) {
          assertThat(lanes.value(l, p.nets())).as("%s lane %d cycle %d", p.name(), l, k)
              .isEqualTo(single[l].value(p.nets()));
        }
      }
      lanes.edge();
      for (FastEngine e : single) e.edge();
    }
    int distinct = 0;
    for (int l = 0; l < single.length; l++) {
      assertThat(lanes.state(l)).as("lane %d", l).isEqualTo(single[l].state());
      if (!lanes.state(l).sameContent(lanes.state(0))) distinct++;
    }
    assertThat(distinct).as("lanes that differ from lane 0").isGreaterThan(0);
  }
}
