package io.cairn.hw.link;

import io.cairn.hw.engine.FastEngine;
import io.cairn.hw.engine.Stimulus;
import io.cairn.hw.netlist.Netlist;
import io.cairn.hw.state.HwState;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * StateLink: a design split in two, one part in the fast engine and the part under debug in a
 * simulator, run in lock-step. Ports are linked by name (an output of one part feeding the input of
 * the same name of the other); every other input is external and takes its value from a stimulus
 * over the whole design's inputs (by name). Each cycle: the fast part settles and sends its linked
 * outputs (which must not depend combinationally on its linked inputs: checked) with the simulator's
 * external inputs; the simulator settles, answers with its outputs and clocks; the fast part takes the
 * answer, settles and clocks. Declared valid/ready channels are logged as transactions.
 */
public final class StateLink {
  /** A valid/ready stream: a transfer happens in each cycle where valid and ready are both 1. */
  public record Channel(String valid, String ready, String data) {
    public static Channel parse(String spec) {
      String[] t = spec.split(",");
      if (t.length != 3) throw new IllegalArgumentException("channel must be valid,ready,data: " + spec);
      return new Channel(t[0].trim(), t[1].trim(), t[2].trim());
    }
  }

  /** The outcome of a linked run. */
  public record Result(List<String> outputNames, List<long[]> outputs, List<String> transactions,
                       HwState fastEnd, HwState simEnd, long messages) { }

  private final Netlist fast, sim;
  private final List<Netlist.Port> external;
  private final List<Channel> channels;
  // for each fast input: source (-1 external) = index of sim output; same for sim inputs
  private final int[] fastInFromSim, simInFromFast, fastInExt, simInExt;

  /**
   * @param external the whole design's inputs (except the clock), the index space of the stimulus
   */
  public StateLink(Netlist fast, Netlist sim, List<Netlist.Port> external, List<Channel> channels) {
    this.fast = fast;
    this.sim = sim;
    this.external = List.copyOf(external);
    this.channels = List.copyOf(channels);
    fastInFromSim = new int[fast.inputs().size()];
    fastInExt = new int[fast.inputs().size()];
    simInFromFast = new int[sim.inputs().size()];
    simInExt = new int[sim.inputs().size()];
    wire(fast, sim, fastInFromSim, fastInExt);
    wire(sim, fast, simInFromFast, simInExt);
    checkNoCombinationalPath();
    for (Channel c : channels) {
      for (String n : List.of(c.valid(), c.ready(), c.data())) {
        if (find(fast.outputs(), n) < 0 && find(sim.outputs(), n) < 0) {
          throw new IllegalArgumentException("channel signal " + n + " is not an output of either part");
        }
      }
    }
  }

  private static int find(List<Netlist.Port> ports, String name) {
    for (int i = 0; i < ports.size(); i++) if (ports.get(i).name().equals(name)) return i;
    return -1;
  }

  private void wire(Netlist to, Netlist from, int[] fromOther, int[] ext) {
    for (int i = 0; i < to.inputs().size(); i++) {
      Netlist.Port p = to.inputs().get(i);
      fromOther[i] = find(from.outputs(), p.name());
      ext[i] = find(external, p.name());
      if (fromOther[i] >= 0 && from.outputs().get(fromOther[i]).width() != p.width()) {
        throw new IllegalArgumentException("linked port " + p.name() + " is " + p.width() + " bits in " + to.top()
            + " but " + from.outputs().get(fromOther[i]).width() + " in " + from.top());
      }
      if (fromOther[i] < 0 && ext[i] < 0) {
        throw new IllegalArgumentException("input " + p.name() + " of " + to.top() + " is neither an output of "
            + from.top() + " nor an input of the whole design");
      }
    }
  }

  /** The fast part's linked outputs must not depend combinationally on its linked inputs. */
  private void checkNoCombinationalPath() {
    BitSet linkedIn = new BitSet();
    for (int i = 0; i < fast.inputs().size(); i++) if (fastInFromSim[i] >= 0) for (int n : fast.inputs().get(i).nets()) linkedIn.set(n);
    Map<Integer, int[]> driverInputs = new HashMap<>();
    for (Netlist.Gate g : fast.gates()) driverInputs.put(g.out(), g.in());
    for (Netlist.Memory m : fast.memories()) for (Netlist.ReadPort rp : m.readPorts()) for (int d : rp.data()) driverInputs.put(d, rp.addr());
    for (int s = 0; s < sim.inputs().size(); s++) {
      if (simInFromFast[s] < 0) continue;
      Netlist.Port out = fast.outputs().get(simInFromFast[s]);
      BitSet seen = new BitSet();
      ArrayDeque<Integer> work = new ArrayDeque<>();
      for (int n : out.nets()) work.add(n);
      while (!work.isEmpty()) {
        int n = work.poll();
        if (seen.get(n)) continue;
        seen.set(n);
        if (linkedIn.get(n)) {
          throw new IllegalArgumentException("output " + out.name() + " of the fast part " + fast.top()
              + " depends combinationally on an input linked from the simulator; register it (lock-step needs one direction without such a path)");
        }
        int[] ins = driverInputs.get(n);
        if (ins != null) for (int x : ins) work.add(x);
      }
    }
  }

  /** Runs {@code cycles} cycles from the given fast state; the peer already holds its own start state. */
  public Result run(HwState fastStart, SimPeer peer, Stimulus stim, long cycles) throws IOException {
    FastEngine e = new FastEngine(fast);
    e.load(fastStart);
    long base = fastStart.cycle();
    long[] fastIn = new long[fast.inputs().size()];
    e.setStimulus((c, i, p) -> fastIn[i]);
    List<String> names = new ArrayList<>();
    for (Netlist.Port p : fast.outputs()) names.add(p.name());
    for (Netlist.Port p : sim.outputs()) if (!names.contains(p.name())) names.add(p.name());
    List<long[]> outs = new ArrayList<>();
    List<String> tx = new ArrayList<>();
    long[] simIn = new long[sim.inputs().size()];
    long msgs = 0;
    for (long k = 0; k < cycles; k++) {
      long cyc = base + k;
      for (int i = 0; i < fastIn.length; i++) fastIn[i] = fastInFromSim[i] >= 0 ? 0 : stim.value(cyc, fastInExt[i], external.get(fastInExt[i]));
      e.settle();
      long[] fastOut = new long[fast.outputs().size()];
      for (int i = 0; i < fastOut.length; i++) fastOut[i] = e.value(fast.outputs().get(i).nets());
      for (int i = 0; i < simIn.length; i++) simIn[i] = simInFromFast[i] >= 0 ? fastOut[simInFromFast[i]] : stim.value(cyc, simInExt[i], external.get(simInExt[i]));
      long[] simOut = peer.cycle(simIn);
      msgs += 2;
      for (int i = 0; i < fastIn.length; i++) if (fastInFromSim[i] >= 0) fastIn[i] = simOut[fastInFromSim[i]];
      e.settle();
      long[] row = new long[names.size()];
      for (int i = 0; i < fast.outputs().size(); i++) row[i] = e.value(fast.outputs().get(i).nets());
      for (int i = 0; i < sim.outputs().size(); i++) {
        int j = names.indexOf(sim.outputs().get(i).name());
        if (j >= fast.outputs().size()) row[j] = simOut[i];
      }
      outs.add(row);
      for (Channel c : channels) {
        if (row[names.indexOf(c.valid())] != 0 && row[names.indexOf(c.ready())] != 0) {
          tx.add(cyc + " " + c.data() + "=" + Long.toHexString(row[names.indexOf(c.data())]));
        }
      }
      e.edge();
    }
    return new Result(List.copyOf(names), outs, tx, e.state(), peer.finish(), msgs);
  }

}
