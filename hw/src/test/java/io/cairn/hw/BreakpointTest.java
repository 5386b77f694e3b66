package io.cairn.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.hw.engine.Breakpoint;
import io.cairn.hw.engine.FastEngine;
import io.cairn.hw.engine.RandomStimulus;
import io.cairn.hw.netlist.Netlist;
import org.junit.jupiter.api.Test;

class BreakpointTest {
  @Test
  void stopsAtTheFirstCycleWhereTheConditionHolds() {
    Netlist nl = Examples.get("cpu").netlist();
    FastEngine e = new FastEngine(nl);
    e.setStimulus(RandomStimulus.of(1));
    assertThat(e.run(Breakpoint.parse("top.pc==32'h100", nl), 100_000, null)).isTrue();
    long hit = e.cycle();
    assertThat(e.value("pc")).isEqualTo(0x100);
    // the same run stepped by hand: pc was never 0x100 before
    FastEngine f = new FastEngine(nl);
    f.setStimulus(RandomStimulus.of(1));
    for (long c = 0; c < hit; c++) {
      f.settle();
      assertThat(f.value("pc")).isNotEqualTo(0x100);
      f.edge();
    }
    f.settle();
    assertThat(f.state()).isEqualTo(e.state());
    // continue to the next time (one loop of the program later)
    assertThat(e.run(Breakpoint.parse("pc == 'h100 && cycle > " + hit, nl), 100_000, null)).isTrue();
    assertThat(e.cycle()).isGreaterThan(hit + 100);
  }

  @Test
  void cycleBreakpointsAndSyntax() {
    Netlist nl = Examples.get("counter").netlist();
    FastEngine e = new FastEngine(nl);
    e.setStimulus(RandomStimulus.of(2));
    assertThat(e.run(Breakpoint.parse("cycle=1000", nl), 5000, null)).isTrue();
    assertThat(e.cycle()).isEqualTo(1000);
    assertThat(e.run(Breakpoint.parse("(q[3:0] == 4'b1111 || q >= 16'd60000) && en == 1", nl), 100_000, null)).isTrue();
    assertThat((e.value("q") & 15) == 15 || e.value("q") >= 60000).isTrue();
    assertThat(Breakpoint.parseValue("32'h100")).isEqualTo(256);
    assertThat(Breakpoint.parseValue("8'b1010_0001")).isEqualTo(0xa1);
    assertThatThrownBy(() -> Breakpoint.parse("nosuch==1", nl)).hasMessageContaining("no signal named 'nosuch'");
    assertThatThrownBy(() -> Breakpoint.parse("q==8'hzz", nl)).hasMessageContaining("bad value");
    assertThatThrownBy(() -> Breakpoint.parse("q 5", nl)).hasMessageContaining("expected a comparison");
  }
}
