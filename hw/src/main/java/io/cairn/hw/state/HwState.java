package io.cairn.hw.state;

import io.cairn.hw.netlist.Netlist;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The complete state of a design at a cycle boundary: every flip-flop and every memory word,
 * in the netlist's flop and memory order, plus the cycle number and the netlist hash it belongs to.
 * "State at cycle c" means after c clock edges, before the inputs of cycle c are applied.
 */
public record HwState(String netlistHash, String top, long cycle, byte[] flops, long[][] memories) {

  /** The state with every flop and word zero except memory {@code INIT} values, at cycle 0. */
  public static HwState initial(Netlist nl) {
    long[][] m = new long[nl.memories().size()][];
    for (int i = 0; i < m.length; i++) m[i] = nl.memories().get(i).init().clone();
    return new HwState(nl.hash(), nl.top(), 0, new byte[nl.flops().size()], m);
  }

  /** Throws when this state does not belong to {@code nl} (hash, sizes). */
  public void checkFits(Netlist nl) {
    if (!netlistHash.equals(nl.hash())) {
      throw new IllegalArgumentException("state is for netlist " + shortHash(netlistHash) + " (top " + top
          + ") but the design is " + shortHash(nl.hash()) + " (top " + nl.top()
          + "): state never loads into a different design");
    }
    if (flops.length != nl.flops().size() || memories.length != nl.memories().size()) {
      throw new IllegalArgumentException("state has " + flops.length + " flops / " + memories.length
          + " memories, design has " + nl.flops().size() + " / " + nl.memories().size());
    }
    for (int i = 0; i < memories.length; i++) {
      if (memories[i].length != nl.memories().get(i).size()) {
        throw new IllegalArgumentException("memory " + nl.memories().get(i).name() + ": state has " + memories[i].length
            + " words, design has " + nl.memories().get(i).size());
      }
    }
  }

  static String shortHash(String h) { return h.length() > 12 ? h.substring(0, 12) : h; }

  /** A copy at another cycle number. */
  public HwState atCycle(long c) {
    return new HwState(netlistHash, top, c, flops, memories);
  }

  /** Lists every difference from {@code o} by state name (at most {@code max}); cycle numbers not compared. */
  public List<String> diff(HwState o, Netlist nl, int max) {
    List<String> d = new ArrayList<>();
    for (int i = 0; i < flops.length && d.size() < max; i++) {
      if (flops[i] != o.flops[i]) d.add("ff " + nl.flops().get(i).stateName() + ": " + flops[i] + " vs " + o.flops[i]);
    }
    for (int m = 0; m < memories.length; m++) {
      for (int w = 0; w < memories[m].length && d.size() < max; w++) {
        if (memories[m][w] != o.memories[m][w]) {
          d.add("mem " + nl.memories().get(m).name() + "[" + w + "]: " + Long.toHexString(memories[m][w]) + " vs "
              + Long.toHexString(o.memories[m][w]));
        }
      }
    }
    return d;
  }

  /** Equal content (flops and memories; not the cycle). */
  public boolean sameContent(HwState o) {
    return netlistHash.equals(o.netlistHash) && Arrays.equals(flops, o.flops)
        && Arrays.deepEquals(memories, o.memories);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HwState s && s.cycle == cycle && sameContent(s);
  }

  @Override
  public int hashCode() { return Long.hashCode(cycle) * 31 + Arrays.hashCode(flops); }

  @Override
  public String toString() {
    return "HwState[" + top + " cycle " + cycle + ", " + flops.length + " flops, " + memories.length + " memories]";
  }
}
