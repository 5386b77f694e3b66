package io.cairn.hw;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.hw.engine.FastEngine;
import io.cairn.hw.engine.RandomStimulus;
import io.cairn.hw.engine.Stimulus;
import io.cairn.hw.netlist.Netlist;
import io.cairn.hw.sim.IverilogSim;
import io.cairn.hw.sim.SimResult;
import io.cairn.hw.sim.Traces;
import io.cairn.hw.state.HwState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * For each example: N fast + move + M iverilog == N+M iverilog == N+M fast (every flop after every
 * edge, every output every cycle, every memory word at the end), and the reverse move.
 */
class DifferentialTest {
  static final int N = Boolean.getBoolean("cairn.soak") ? 3000 : 150, M = Boolean.getBoolean("cairn.soak") ? 1000 : 100;

  static final boolean SOAK = Boolean.getBoolean("cairn.soak");

  /** Two seeds per design (one with random resets); with -Dcairn.soak=true, ten seeds and longer runs. */
  static Stream<Arguments> cases() {
    int seeds = SOAK ? 10 : 2;
    return Stream.of("counter", "fifo", "uart", "cpu", "link/system", "cells", "dontcare", "soc")
        .flatMap(d -> java.util.stream.LongStream.range(0, seeds)
            .mapToObj(k -> Arguments.of(d, 42L + 1000 * k, k % 2 == 0 ? 48 : 0)));
  }

  @ParameterizedTest(name = "{0} seed {1} reset every {2}")
  @MethodSource("cases")
  void fastToIverilogAndBack(String name, long seed, int resetEvery) throws Exception {
    Examples.assumeIverilog();
    Examples.Design d = Examples.get(name);
    Netlist nl = d.netlist();
    IverilogSim iv = new IverilogSim(nl, d.synthesis().verilog(), Examples.work());
    Stimulus stim = new RandomStimulus(seed, 2, resetEvery, Map.of());
    HwState zero = HwState.initial(nl);

    SimResult fastAll = Traces.fast(nl, zero, stim, N + M);
    SimResult ivAll = iv.run(zero, stim, N + M, null, true);
    assertThat(ivAll.outputs()).as("%s outputs: iverilog vs fast", name).containsExactlyElementsOf(fastAll.outputs());
    assertThat(ivAll.flops()).as("%s flops: iverilog vs fast", name).containsExactlyElementsOf(fastAll.flops());
    assertThat(ivAll.end().diff(fastAll.end(), nl, 10)).as("%s end state", name).isEmpty();

    // fast N, move to iverilog, M more
    FastEngine e = new FastEngine(nl);
    e.setStimulus(stim);
    e.run(N);
    HwState atN = e.state();
    assertThat(atN.cycle()).isEqualTo(N);
    SimResult moved = iv.run(atN, stim, M, null, true);
    assertThat(moved.outputs()).as("%s outputs after move to iverilog", name)
        .containsExactlyElementsOf(fastAll.outputs().subList(N, N + M));
    assertThat(moved.flops()).as("%s flops after move to iverilog", name)
        .containsExactlyElementsOf(fastAll.flops().subList(N, N + M));
    assertThat(moved.end().diff(fastAll.end(), nl, 10)).isEmpty();
    assertThat(moved.end().cycle()).isEqualTo(N + M);

    // reverse: iverilog N, move to fast, M more
    SimResult ivN = iv.run(zero, stim, N, null, false);
    assertThat(ivN.end().diff(atN, nl, 10)).isEmpty();
    SimResult back = Traces.fast(nl, ivN.end(), stim, M);
    assertThat(back.outputs()).containsExactlyElementsOf(ivAll.outputs().subList(N, N + M));
    assertThat(back.flops()).containsExactlyElementsOf(ivAll.flops().subList(N, N + M));
    assertThat(back.end().diff(ivAll.end(), nl, 10)).isEmpty();
    // the state actually changed along the way (the test would notice a stuck design)
    assertThat(List.copyOf(fastAll.flops()).stream().distinct().count()).isGreaterThan(5);
  }
}
