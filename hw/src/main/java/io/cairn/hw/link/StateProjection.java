package io.cairn.hw.link;

import io.cairn.hw.netlist.Netlist;
import io.cairn.hw.state.HwState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps state between a whole design and one of its parts (an instance {@code prefix} of the whole,
 * synthesised on its own): flops are matched through their public wire names ({@code prefix.name[i]}
 * in the whole; an empty prefix: the same names), memories through {@code prefix.memid}. Lets a run
 * move from the whole design into a linked pair and back. Flops of the part that the whole design
 * does not have (removed there as unobservable) are tolerated: see {@link #unmatchedFlops()}.
 */
public final class StateProjection {
  private final Netlist whole, part;
  private final int[] flopInWhole; // part flop -> whole flop
  private final int[] memInWhole;
  private final List<String> unmatched;

  public StateProjection(Netlist whole, Netlist part, String prefix) {
    this.whole = whole;
    this.part = part;
    Map<Integer, Integer> wholeFlopByQ = new HashMap<>();
    for (int i = 0; i < whole.flops().size(); i++) wholeFlopByQ.put(whole.flops().get(i).q(), i);
    flopInWhole = new int[part.flops().size()];
    java.util.Arrays.fill(flopInWhole, -1);
    Map<Integer, Integer> partFlopByQ = new HashMap<>();
    for (int i = 0; i < part.flops().size(); i++) partFlopByQ.put(part.flops().get(i).q(), i);
    for (var s : part.signals().entrySet()) {
      int[] nets = s.getValue();
      int[] wn = whole.signal(prefix.isEmpty() ? s.getKey() : prefix + "." + s.getKey());
      if (wn == null || wn.length != nets.length) continue;
      for (int b = 0; b < nets.length; b++) {
        Integer pf = partFlopByQ.get(nets[b]);
        Integer wf = wholeFlopByQ.get(wn[b]);
        if (pf != null && wf != null && flopInWhole[pf] < 0) flopInWhole[pf] = wf;
      }
    }
    // a flop that Yosys kept in the part but removed from the whole (e.g. one that only drives an
    // output port the whole design leaves unused) influences nothing the whole design has: it
    // starts at 0 in the part and is dropped when merging back
    List<String> missing = new ArrayList<>();
    for (int i = 0; i < flopInWhole.length; i++) if (flopInWhole[i] < 0) missing.add(part.flops().get(i).stateName());
    unmatched = List.copyOf(missing);
    if (!missing.isEmpty() && missing.size() == flopInWhole.length && part.memories().isEmpty()) {
      throw new IllegalArgumentException("no flop of " + part.top() + " has a counterpart in " + whole.top() + " (e.g. "
          + (prefix.isEmpty() ? "" : prefix + ".") + missing.getFirst() + "): wrong instance prefix?");
    }
    memInWhole = new int[part.memories().size()];
    for (int m = 0; m < memInWhole.length; m++) {
      memInWhole[m] = -1;
      String want = prefix.isEmpty() ? part.memories().get(m).name() : prefix + "." + part.memories().get(m).name();
      for (int w = 0; w < whole.memories().size(); w++)
        if (whole.memories().get(w).name().equals(want)) memInWhole[m] = w;
      if (memInWhole[m] < 0) throw new IllegalArgumentException("memory " + want + " not found in " + whole.top());
    }
  }

  /** The part's share of a whole-design state. */
  public HwState toPart(HwState w) {
    w.checkFits(whole);
    byte[] f = new byte[part.flops().size()];
    for (int i = 0; i < f.length; i++) f[i] = flopInWhole[i] < 0 ? 0 : w.flops()[flopInWhole[i]];
    long[][] m = new long[part.memories().size()][];
    for (int i = 0; i < m.length; i++) m[i] = w.memories()[memInWhole[i]].clone();
    return new HwState(part.hash(), part.top(), w.cycle(), f, m);
  }

  /** Writes the part's state into a copy of a whole-design state. */
  public HwState intoWhole(HwState p, HwState w) {
    p.checkFits(part);
    byte[] f = w.flops().clone();
    for (int i = 0; i < flopInWhole.length; i++) if (flopInWhole[i] >= 0) f[flopInWhole[i]] = p.flops()[i];
    long[][] m = new long[w.memories().length][];
    for (int i = 0; i < m.length; i++) m[i] = w.memories()[i].clone();
    for (int i = 0; i < memInWhole.length; i++) m[memInWhole[i]] = p.memories()[i].clone();
    return new HwState(whole.hash(), whole.top(), p.cycle(), f, m);
  }

  /** How many whole-design flops this part covers. */
  public int flops() {
    return flopInWhole.length - unmatched.size();
  }

  /** The part's flops that the whole design does not have (Yosys removed them there as unobservable). */
  public List<String> unmatchedFlops() {
    return unmatched;
  }
}
