package io.cairn.hw.sim;

import io.cairn.hw.engine.FastEngine;
import io.cairn.hw.engine.Stimulus;
import io.cairn.hw.netlist.Netlist;
import io.cairn.hw.state.HwState;
import java.util.ArrayList;
import java.util.List;

/** Builds the per-cycle trace lines shared by every engine, so runs compare line by line. */
public final class Traces {
  private Traces() {}

  /** {@code name=bits name=bits} of the output ports, MSB first. */
  public static String outputs(Netlist nl, java.util.function.IntUnaryOperator net) {
    StringBuilder b = new StringBuilder();
    for (Netlist.Port p : nl.outputs()) {
      if (b.length() > 0) b.append(' ');
      b.append(p.name()).append('=');
      for (int i = p.width() - 1; i >= 0; i--) b.append((char) ('0' + net.applyAsInt(p.nets()[i])));
    }
    return b.toString();
  }

  /** One character per flop (netlist order). */
  public static String flops(HwState s) {
    StringBuilder b = new StringBuilder(s.flops().length);
    for (byte f : s.flops()) b.append((char) ('0' + f));
    return b.toString();
  }

  /** Runs the fast engine from {@code start} for {@code cycles} cycles with a trace. */
  public static SimResult fast(Netlist nl, HwState start, Stimulus stim, long cycles) {
    FastEngine e = new FastEngine(nl);
    e.load(start);
    e.setStimulus(stim);
    List<String> outs = new ArrayList<>(), fl = new ArrayList<>();
    for (long k = 0; k < cycles; k++) {
      e.settle();
      outs.add(outputs(nl, e::net));
      e.edge();
      fl.add(flops(e.state()));
    }
    return new SimResult(e.state(), outs, fl);
  }
}
