package io.cairn.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.hw.engine.FastEngine;
import io.cairn.hw.engine.RandomStimulus;
import io.cairn.hw.engine.Stimulus;
import io.cairn.hw.link.SimPeer;
import io.cairn.hw.link.StateLink;
import io.cairn.hw.link.StateProjection;
import io.cairn.hw.netlist.Netlist;
import io.cairn.hw.sim.EventSim;
import io.cairn.hw.sim.IverilogSim;
import io.cairn.hw.state.HwState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Source in the fast engine + sink in a simulator, linked in lock-step == the whole system in one engine. */
class StateLinkTest {
  static final int BEFORE = 300, LINKED = 700;

  @ParameterizedTest
  @ValueSource(strings = {"iverilog", "event"})
  @Timeout(180)
  void jointRunEqualsWholeDesign(String peerKind) throws Exception {
    if (peerKind.equals("iverilog")) Examples.assumeIverilog();
    Netlist whole = Examples.get("link/system").netlist();
    Netlist src = Examples.get("link/source").netlist();
    Examples.Design sinkD = Examples.get("link/sink");
    Netlist snk = sinkD.netlist();
    Stimulus stim = new RandomStimulus(5, 2, 200, Map.of());

    // reference: the whole system in one fast engine, outputs per cycle
    FastEngine ref = new FastEngine(whole);
    ref.setStimulus(stim);
    List<long[]> refOut = new ArrayList<>();
    List<String> refTx = new ArrayList<>();
    HwState wholeAtBefore = null;
    for (int k = 0; k < BEFORE + LINKED; k++) {
      if (k == BEFORE) wholeAtBefore = ref.state();
      ref.settle();
      long[] row = new long[whole.outputs().size()];
      for (int i = 0; i < row.length; i++) row[i] = ref.value(whole.outputs().get(i).nets());
      if (k >= BEFORE) refOut.add(row);
      if (k >= BEFORE && ref.value("valid") == 1 && ref.value("ready") == 1) refTx.add(k + " data=" + Long.toHexString(ref.value("data")));
      ref.edge();
    }

    // move: split the whole state at cycle BEFORE into the two parts, link them for LINKED cycles
    StateProjection ps = new StateProjection(whole, src, "src"), pk = new StateProjection(whole, snk, "snk");
    assertThat(ps.flops() + pk.flops()).isEqualTo(whole.flops().size());
    HwState srcStart = ps.toPart(wholeAtBefore), snkStart = pk.toPart(wholeAtBefore);
    StateLink link = new StateLink(src, snk, whole.inputs(), List.of(new StateLink.Channel("valid", "ready", "data")));
    StateLink.Result r;
    if (peerKind.equals("iverilog")) {
      try (SimPeer peer = SimPeer.of(new IverilogSim(snk, sinkD.synthesis().verilog(), Examples.work()).open(snkStart, null))) {
        r = link.run(srcStart, peer, stim, LINKED);
      }
    } else {
      try (SimPeer peer = SimPeer.of(new EventSim(snk).open(snkStart, null))) {
        r = link.run(srcStart, peer, stim, LINKED);
      }
    }
    // every whole-design output, every cycle
    for (int k = 0; k < LINKED; k++) {
      for (int i = 0; i < whole.outputs().size(); i++) {
        String name = whole.outputs().get(i).name();
        long joint = r.outputs().get(k)[r.outputNames().indexOf(name)];
        assertThat(joint).as("%s at cycle %d", name, BEFORE + k).isEqualTo(refOut.get(k)[i]);
      }
    }
    assertThat(r.transactions()).containsExactlyElementsOf(refTx).hasSizeGreaterThan(50);
    // the joint end state, merged back, is the whole design's end state
    HwState merged = pk.intoWhole(r.simEnd(), ps.intoWhole(r.fastEnd(), wholeAtBefore));
    assertThat(merged.diff(ref.state(), whole, 10)).isEmpty();
    assertThat(merged.cycle()).isEqualTo(BEFORE + LINKED);
  }

  static Netlist part(String top, String in, String out) {
    return io.cairn.hw.netlist.NetlistLoader.parse("""
        {"modules": {"%s": {"ports": {"%s": {"direction": "input", "bits": [2]}, "%s": {"direction": "output", "bits": [3]}},
          "cells": {"g": {"type": "$_NOT_", "connections": {"A": [2], "Y": [3]}}}, "netnames": {}}}}
        """.formatted(top, in, out), null, top);
  }

  @Test
  void rejectsAFastPartWhoseLinkedOutputDependsCombinationallyOnItsLinkedInput() {
    Netlist a = part("a", "ready", "valid"), b = part("b", "valid", "ready");
    assertThatThrownBy(() -> new StateLink(a, b, List.of(), List.of()))
        .hasMessageContaining("output valid of the fast part a depends combinationally");
    Netlist c = part("c", "x", "y");
    assertThatThrownBy(() -> new StateLink(a, c, List.of(), List.of())).hasMessageContaining("input ready of a is neither");
    Netlist src = Examples.get("link/source").netlist(), snk = Examples.get("link/sink").netlist();
    Netlist whole = Examples.get("link/system").netlist();
    assertThat(new StateLink(src, snk, whole.inputs(), List.of())).isNotNull();
    assertThat(new StateLink(snk, src, whole.inputs(), List.of())).isNotNull();
  }
}
