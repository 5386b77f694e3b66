package io.cairn.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.hw.engine.FastEngine;
import io.cairn.hw.netlist.GateOp;
import io.cairn.hw.netlist.Netlist;
import io.cairn.hw.netlist.NetlistException;
import io.cairn.hw.netlist.NetlistLoader;
import org.junit.jupiter.api.Test;

class NetlistLoaderTest {
  static String module(String cells) {
    return """
        {"creator": "test", "modules": {"t": {"attributes": {"top": "00000000000000000000000000000001"},
          "ports": {"clk": {"direction": "input", "bits": [2]}, "a": {"direction": "input", "bits": [3, 4]},
                    "y": {"direction": "output", "bits": [5]}},
          "cells": {%s},
          "netnames": {"a": {"hide_name": 0, "bits": [3, 4]}, "y": {"hide_name": 0, "bits": [5]}, "clk": {"hide_name": 0, "bits": [2]}}}}}
        """
        .formatted(cells);
  }

  @Test
  void loadsGatesAndFlops() {
    Netlist nl = NetlistLoader.parse(
        module(
            """
                "g1": {"type": "$_XOR_", "connections": {"A": [3], "B": [4], "Y": [6]}},
                "ff": {"type": "$_DFFE_PP0P_", "attributes": {"src": "t.v:3"}, "connections": {"C": [2], "D": [6], "E": [3], "R": [4], "Q": [5]}}
                """),
        null, "test");
    assertThat(nl.top()).isEqualTo("t");
    assertThat(nl.clock()).isEqualTo("clk");
    assertThat(nl.inputs()).extracting(Netlist.Port::name).containsExactly("a");
    assertThat(nl.gates()).extracting(Netlist.Gate::op).containsExactly(GateOp.XOR);
    Netlist.Flop f = nl.flops().getFirst();
    assertThat(f.stateName()).isEqualTo("y");
    assertThat(f.arst()).isGreaterThan(1);
    assertThat(f.en()).isGreaterThan(1);
    assertThat(nl.hash()).hasSize(64);
  }

  @Test
  void rejectsUnsupportedCellsWithNameTypeAndSrc() {
    assertThatThrownBy(() -> NetlistLoader.parse(
        module(
            """
                "lat": {"type": "$_DLATCH_P_", "attributes": {"src": "t.v:7.3-9.4"}, "connections": {"E": [3], "D": [4], "Q": [5]}},
                "add": {"type": "$add", "attributes": {"src": "t.v:12.10-12.15"}, "connections": {"A": [3], "B": [4], "Y": [6]}},
                "sub": {"type": "child", "attributes": {"src": "t.v:20"}, "connections": {}}
                """),
        null, "test.json"))
        .isInstanceOf(NetlistException.class)
        .hasMessageContaining("test.json")
        .hasMessageContaining("lat").hasMessageContaining("$_DLATCH_P_").hasMessageContaining("t.v:7.3-9.4")
        .hasMessageContaining("add").hasMessageContaining("$add").hasMessageContaining("t.v:12.10-12.15")
        .hasMessageContaining("not flattened");
  }

  @Test
  void rejectsNegativeEdgeSyncReadMemoryAndSecondClock() {
    assertThatThrownBy(() -> NetlistLoader.parse(module("""
        "ff": {"type": "$_DFF_N_", "attributes": {"src": "t.v:3"}, "connections": {"C": [2], "D": [3], "Q": [5]}}
        """), null, "n")).hasMessageContaining("negative-edge").hasMessageContaining("t.v:3");
    assertThatThrownBy(() -> NetlistLoader.parse(module("""
        "f1": {"type": "$_DFF_P_", "connections": {"C": [2], "D": [3], "Q": [5]}},
        "f2": {"type": "$_DFF_P_", "connections": {"C": [4], "D": [3], "Q": [6]}}
        """), null, "c")).hasMessageContaining("single-clock");
  }

  @Test
  void rejectsCombinationalLoops() {
    Netlist nl = NetlistLoader.parse(module("""
        "g1": {"type": "$_AND_", "attributes": {"src": "loop.v:1"}, "connections": {"A": [3], "B": [6], "Y": [7]}},
        "g2": {"type": "$_NOT_", "attributes": {"src": "loop.v:2"}, "connections": {"A": [7], "Y": [6]}},
        "g3": {"type": "$_BUF_", "connections": {"A": [6], "Y": [5]}}
        """), null, "loop");
    assertThatThrownBy(() -> new FastEngine(nl)).isInstanceOf(NetlistException.class)
        .hasMessageContaining("combinational loop").hasMessageContaining("g1").hasMessageContaining("loop.v:2");
  }

  @Test
  void rejectsMalformedJsonWithPosition() {
    assertThatThrownBy(() -> NetlistLoader.parse("{\"modules\": {\n  \"t\": [1, 2,]}}", null, "bad.json"))
        .isInstanceOf(NetlistException.class).hasMessageContaining("bad.json").hasMessageContaining("line 2");
  }

  @Test
  void everyGateOpMatchesItsTruthTable() {
    for (int x = 0; x < 16; x++) {
      int a = x & 1, b = x >> 1 & 1, c = x >> 2 & 1, d = x >> 3 & 1;
      assertThat(GateOp.MUX.eval(a, b, c, d)).isEqualTo(c == 1 ? b : a);
      assertThat(GateOp.ANDNOT.eval(a, b, c, d)).isEqualTo(a == 1 && b == 0 ? 1 : 0);
      assertThat(GateOp.AOI4.eval(a, b, c, d)).isEqualTo((a & b | c & d) == 1 ? 0 : 1);
      assertThat(GateOp.OAI3.eval(a, b, c, d)).isEqualTo(((a | b) & c) == 1 ? 0 : 1);
    }
  }
}
