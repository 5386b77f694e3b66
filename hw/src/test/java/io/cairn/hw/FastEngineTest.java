package io.cairn.hw;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.hw.engine.FastEngine;
import io.cairn.hw.engine.RandomStimulus;
import io.cairn.hw.engine.Stimulus;
import io.cairn.hw.netlist.Netlist;
import io.cairn.hw.sim.Traces;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The bytecode-compiled engine and the interpreter agree every cycle; loading a state resumes exactly. */
class FastEngineTest {
  @ParameterizedTest
  @ValueSource(strings = {"counter", "fifo", "uart", "cpu", "selftest", "link/system", "cells"})
  void compiledEqualsInterpretedAndResumesFromItsOwnState(String name) {
    Netlist nl = Examples.get(name).netlist();
    Stimulus stim = new RandomStimulus(99, 2, 100, Map.of());
    FastEngine c = new FastEngine(nl, true), i = new FastEngine(nl, false);
    assertThat(c.isCompiled()).isTrue();
    assertThat(i.isCompiled()).isFalse();
    c.setStimulus(stim);
    i.setStimulus(stim);
    for (int k = 0; k < 3000; k++) {
      c.settle();
      i.settle();
      assertThat(Traces.outputs(nl, c::net)).as("cycle %d", k).isEqualTo(Traces.outputs(nl, i::net));
      c.edge();
      i.edge();
      if (k % 100 == 0) assertThat(c.state()).isEqualTo(i.state());
    }
    // stop, read back, load into a fresh engine, continue: same as never stopping
    FastEngine resumed = new FastEngine(nl);
    resumed.load(c.state());
    resumed.setStimulus(stim);
    c.run(500);
    resumed.run(500);
    assertThat(resumed.state()).isEqualTo(c.state());
  }
}
