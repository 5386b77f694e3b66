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
import org.junit.jupiter.params.provider.CsvSource;

/** Source in the fast engine + sink in a simulator, linked in lock-step == the whole system in one engine. */
class StateLinkTest {
  static final int BEFORE = 300, LINKED = 700;

  @ParameterizedTest
  @CsvSource({"iverilog,CYCLE", "event,CYCLE", "iverilog,TRANSACTION", "event,TRANSACTION"})
  @Timeout(180)
  void jointRunEqualsWholeDesign(String peerKind, StateLink.Exchange exchange) throws Exception {
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
      if (k >= BEFORE && ref.value("valid") == 1 && ref.value("ready") == 1)
        refTx.add(k + " data=" + Long.toHexString(ref.value("data")));
      ref.edge();
    }

    // move: split the whole state at cycle BEFORE into the two parts, link them for LINKED cycles
    StateProjection ps = new StateProjection(whole, src, "src"), pk = new StateProjection(whole, snk, "snk");
    assertThat(ps.flops() + pk.flops()).isEqualTo(whole.flops().size());
    HwState srcStart = ps.toPart(wholeAtBefore), snkStart = pk.toPart(wholeAtBefore);
    StateLink link = new StateLink(src, snk, whole.inputs(), List.of(new StateLink.Channel("valid", "ready", "data")));
    StateLink.Result r;
    if (peerKind.equals("iverilog")) {
      try (SimPeer peer = SimPeer
          .of(new IverilogSim(snk, sinkD.synthesis().verilog(), Examples.work()).open(snkStart, null))) {
        r = link.run(srcStart, peer, stim, LINKED, exchange);
      }
    } else {
      try (SimPeer peer = SimPeer.of(new EventSim(snk).open(snkStart, null))) {
        r = link.run(srcStart, peer, stim, LINKED, exchange);
      }
    }
    // every whole-design output exchanged every cycle (in transaction-level exchange the sink's txd
    // and sum are not sent every cycle), and every output at the last cycle
    assertThat(r.outputs()).hasSize(LINKED);
    assertThat(r.outputNames()).containsAll(exchange == StateLink.Exchange.CYCLE
        ? List.of("valid", "ready", "data", "sent", "txd", "sum")
        : List.of("valid", "ready", "data", "sent"));
    for (int k = 0; k < LINKED; k++) {
      for (int i = 0; i < whole.outputs().size(); i++) {
        String name = whole.outputs().get(i).name();
        if (!r.outputNames().contains(name)) continue;
        long joint = r.outputs().get(k)[r.outputNames().indexOf(name)];
        assertThat(joint).as("%s at cycle %d", name, BEFORE + k).isEqualTo(refOut.get(k)[i]);
      }
    }
    for (int i = 0; i < whole.outputs().size(); i++) {
      assertThat(r.lastOutputs().get(whole.outputs().get(i).name())).as(whole.outputs().get(i).name())
          .isEqualTo(refOut.getLast()[i]);
    }
    if (exchange == StateLink.Exchange.CYCLE) {
      assertThat(r.syncs()).isEqualTo(LINKED);
    } else {
      // one round trip per batch and one per cycle resolved after a misprediction: far fewer than per cycle
      assertThat(r.mispredictions()).isPositive();
      assertThat(r.syncs()).isLessThan(LINKED / 3).isEqualTo(r.messages() / 2);
    }
    assertThat(r.transactions()).containsExactlyElementsOf(refTx).hasSizeGreaterThan(50);
    // the joint end state, merged back, is the whole design's end state
    HwState merged = pk.intoWhole(r.simEnd(), ps.intoWhole(r.fastEnd(), wholeAtBefore));
    assertThat(merged.diff(ref.state(), whole, 10)).isEmpty();
    assertThat(merged.cycle()).isEqualTo(BEFORE + LINKED);
  }

  static Netlist part(String top, String in, String out) {
    return io.cairn.hw.netlist.NetlistLoader.parse(
        """
            {"modules": {"%s": {"ports": {"%s": {"direction": "input", "bits": [2]}, "%s": {"direction": "output", "bits": [3]}},
              "cells": {"g": {"type": "$_NOT_", "connections": {"A": [2], "Y": [3]}}}, "netnames": {}}}}
            """
            .formatted(top, in, out),
        null, top);
  }

  @Test
  void refusesACombinationalLoopAcrossTheBoundaryButAllowsAPathInOneDirection() {
    Netlist a = part("a", "ready", "valid"), b = part("b", "valid", "ready");
    assertThatThrownBy(() -> new StateLink(a, b, List.of(), List.of()))
        .hasMessageContaining("combinational loop across the boundary between a (fast) and b (simulated)")
        .hasMessageContaining("valid (a) -> ready (b) -> valid (a)");
    Netlist c = part("c", "x", "y");
    assertThatThrownBy(() -> new StateLink(a, c, List.of(), List.of()))
        .hasMessageContaining("input ready of a is neither");
    // a fast part whose output follows the simulator's output in the same cycle: allowed, resolved by exchange
    Netlist d = part("d", "y", "x");
    Netlist.Port ext = part("e", "go", "z").inputs().getFirst();
    Netlist e = io.cairn.hw.netlist.NetlistLoader.parse(
        """
            {"modules": {"e": {"ports": {"clk": {"direction": "input", "bits": [5]}, "x": {"direction": "input", "bits": [2]},
              "go": {"direction": "input", "bits": [3]}, "y": {"direction": "output", "bits": [4]}},
              "cells": {"f": {"type": "$_DFF_P_", "connections": {"C": [5], "D": [3], "Q": [4]}}}, "netnames": {}}}}
            """,
        null, "e");
    assertThat(new StateLink(d, e, List.of(ext), List.of()).sameCyclePaths()).containsExactly("x <- y");
    Netlist src = Examples.get("link/source").netlist(), snk = Examples.get("link/sink").netlist();
    Netlist whole = Examples.get("link/system").netlist();
    assertThat(new StateLink(src, snk, whole.inputs(), List.of()).sameCyclePaths()).isEmpty();
    assertThat(new StateLink(snk, src, whole.inputs(), List.of())).isNotNull();
  }

  @Test
  void channelsParseAndDecideWhetherTransactionLevelExchangeIsPossible() {
    assertThat(StateLink.Channel.parse("valid,ready,data"))
        .isEqualTo(new StateLink.Channel("data", StateLink.Channel.Kind.VALID_READY, "valid", "ready", "data"));
    assertThat(StateLink.Channel.parse("bytes:valid=v,ready=r,data=d"))
        .isEqualTo(new StateLink.Channel("bytes", StateLink.Channel.Kind.VALID_READY, "v", "r", "d"));
    assertThat(StateLink.Channel.parse("bus: req=q, ack=a"))
        .isEqualTo(new StateLink.Channel("bus", StateLink.Channel.Kind.REQ_ACK, "q", "a", null));
    assertThatThrownBy(() -> StateLink.Channel.parse("bus:req=q,ready=r"))
        .hasMessageContaining("give valid= and ready=, or req= and ack=");
    assertThatThrownBy(() -> StateLink.Channel.parse("bus:valid=v,ready=r,strobe=s"))
        .hasMessageContaining("unknown key 'strobe'");
    assertThatThrownBy(() -> StateLink.Channel.parse("valid,ready")).hasMessageContaining("channel must be");
    Netlist src = Examples.get("link/source").netlist(), snk = Examples.get("link/sink").netlist();
    Netlist whole = Examples.get("link/system").netlist();
    assertThat(new StateLink(src, snk, whole.inputs(), List.of()).transactionLevelRefusal())
        .isEqualTo("no --channel is declared");
    assertThat(
        new StateLink(src, snk, whole.inputs(), List.of(StateLink.Channel.parse("s:valid=valid,ready=ready,data=data")))
            .transactionLevelRefusal())
        .isNull();
    // the sink's sum is not read by the source: as a channel signal it would have to be sent every cycle
    assertThat(
        new StateLink(src, snk, whole.inputs(), List.of(StateLink.Channel.parse("s:valid=valid,ready=ready,data=sum")))
            .transactionLevelRefusal())
        .contains("sum is an output of the simulated part that the fast part does not read");
    assertThatThrownBy(
        () -> new StateLink(src, snk, whole.inputs(), List.of(StateLink.Channel.parse("s:valid=valid,ready=nope"))))
        .hasMessageContaining("channel s: signal nope is not an output of either part");
  }
}
