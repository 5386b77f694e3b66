package io.cairn.hw.sim;

import io.cairn.hw.engine.Levelizer;
import io.cairn.hw.engine.Stimulus;
import io.cairn.hw.netlist.Netlist;
import io.cairn.hw.state.HwState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Cairn's own slow, event-level simulator with VCD output, for machines without iverilog. Every net
 * change schedules the cells that read it (zero-delay delta cycles through a FIFO); the clock edge
 * samples all flops and memory writes at once; asynchronous resets act as soon as they are asserted.
 * Every public wire is visible and can be written to a VCD with the same time base as
 * {@link IverilogSim} (inputs at 1+10k, rising edge at 6+10k).
 */
public final class EventSim implements Simulator {
  private final Netlist nl;
  private final int gates;
  private final int[][] fanout; // net -> nodes (gates, then read ports)
  private final int[][] asyncByNet; // net -> flops with that async reset
  private final int[][] readPortsOfMem;
  private final List<Levelizer.ReadRef> rps;
  private long events;

  public EventSim(Netlist nl) {
    this.nl = nl;
    this.gates = nl.gates().size();
    this.rps = Levelizer.readPorts(nl);
    Levelizer.order(nl); // rejects combinational loops up front
    List<List<Integer>> fo = new ArrayList<>();
    for (int i = 0; i < nl.netCount(); i++) fo.add(new ArrayList<>());
    for (int g = 0; g < gates; g++) for (int in : nl.gates().get(g).in()) fo.get(in).add(g);
    for (int k = 0; k < rps.size(); k++) {
      for (int a : nl.memories().get(rps.get(k).mem()).readPorts().get(rps.get(k).port()).addr())
        fo.get(a).add(gates + k);
    }
    fanout = new int[nl.netCount()][];
    for (int i = 0; i < fanout.length; i++)
      fanout[i] = fo.get(i).stream().distinct().mapToInt(Integer::intValue).toArray();
    List<List<Integer>> ab = new ArrayList<>();
    for (int i = 0; i < nl.netCount(); i++) ab.add(new ArrayList<>());
    for (int f = 0; f < nl.flops().size(); f++)
      if (nl.flops().get(f).arst() >= 0) ab.get(nl.flops().get(f).arst()).add(f);
    asyncByNet = new int[nl.netCount()][];
    for (int i = 0; i < asyncByNet.length; i++)
      asyncByNet[i] = ab.get(i).stream().mapToInt(Integer::intValue).toArray();
    readPortsOfMem = new int[nl.memories().size()][];
    for (int m = 0; m < readPortsOfMem.length; m++) {
      final int mm = m;
      readPortsOfMem[m] = java.util.stream.IntStream.range(0, rps.size()).filter(k -> rps.get(k).mem() == mm)
          .map(k -> gates + k).toArray();
    }
  }

  @Override
  public String name() { return "event"; }

  /** Net value changes processed in the last run. */
  public long events() { return events; }

  /** Running state of one simulation. */
  private final class Run {
    final int[] v = new int[nl.netCount()];
    final long[][] mem;
    final int[] queue;
    final boolean[] queued;
    int head, tail, size;

    Run(HwState s) {
      v[1] = 1;
      mem = new long[s.memories().length][];
      for (int m = 0; m < mem.length; m++) mem[m] = s.memories()[m].clone();
      int nodes = gates + rps.size();
      queue = new int[nodes + 1];
      queued = new boolean[nodes];
      for (int f = 0; f < nl.flops().size(); f++) v[nl.flops().get(f).q()] = s.flops()[f];
      for (int n = 0; n < nodes; n++) push(n); // first evaluation of everything
    }

    void push(int node) {
      if (queued[node]) return;
      queued[node] = true;
      queue[tail] = node;
      tail = (tail + 1) % queue.length;
      size++;
    }

    void set(int net, int val) {
      if (v[net] == val) return;
      v[net] = val;
      events++;
      for (int n : fanout[net]) push(n);
      for (int f : asyncByNet[net]) {
        Netlist.Flop fl = nl.flops().get(f);
        if (val == (fl.arstPol() ? 1 : 0)) set(fl.q(), fl.arstVal());
      }
    }

    void propagate() {
      while (size > 0) {
        int node = queue[head];
        head = (head + 1) % queue.length;
        size--;
        queued[node] = false;
        if (node < gates) {
          Netlist.Gate g = nl.gates().get(node);
          int[] in = g.in();
          int a = v[in[0]], b = in.length > 1 ? v[in[1]] : 0, c = in.length > 2 ? v[in[2]] : 0,
              d = in.length > 3 ? v[in[3]] : 0;
          set(g.out(), g.op().eval(a, b, c, d));
        } else {
          Levelizer.ReadRef r = rps.get(node - gates);
          Netlist.Memory m = nl.memories().get(r.mem());
          Netlist.ReadPort p = m.readPorts().get(r.port());
          int a = 0;
          for (int i = 0; i < p.addr().length; i++) a |= v[p.addr()[i]] << i;
          a -= m.offset();
          long word = a >= 0 && a < m.size() ? mem[r.mem()][a] : 0;
          for (int i = 0; i < p.data().length; i++) set(p.data()[i], (int) (word >>> i) & 1);
        }
      }
    }

    void applyInputs(Stimulus st, long cycle) {
      for (int i = 0; i < nl.inputs().size(); i++) {
        Netlist.Port p = nl.inputs().get(i);
        long val = st.value(cycle, i, p);
        for (int b = 0; b < p.width(); b++) set(p.nets()[b], (int) (val >>> b) & 1);
      }
      // asserted-and-held async resets (also after a state load)
      for (int f = 0; f < nl.flops().size(); f++) {
        Netlist.Flop fl = nl.flops().get(f);
        if (fl.arst() >= 0 && v[fl.arst()] == (fl.arstPol() ? 1 : 0)) set(fl.q(), fl.arstVal());
      }
      propagate();
    }

    void edge() {
      List<Netlist.Flop> fs = nl.flops();
      int[] next = new int[fs.size()];
      for (int i = 0; i < next.length; i++) {
        Netlist.Flop f = fs.get(i);
        int q = v[f.q()];
        if (f.arst() >= 0 && v[f.arst()] == (f.arstPol() ? 1 : 0)) { next[i] = f.arstVal(); continue; }
        boolean en = f.en() < 0 || v[f.en()] == (f.enPol() ? 1 : 0);
        boolean sr = f.srst() >= 0 && v[f.srst()] == (f.srstPol() ? 1 : 0);
        next[i] = f.ceOverSrst() ? (en ? (sr ? f.srstVal() : v[f.d()]) : q) : (sr ? f.srstVal() : en ? v[f.d()] : q);
      }
      for (int m = 0; m < mem.length; m++) {
        Netlist.Memory mm = nl.memories().get(m);
        boolean wrote = false;
        for (Netlist.WritePort p : mm.writePorts()) {
          long mask = 0, d = 0;
          for (int b = 0; b < p.en().length; b++) { mask |= (long) v[p.en()[b]] << b; d |= (long) v[p.data()[b]] << b; }
          if (mask == 0) continue;
          int a = 0;
          for (int b = 0; b < p.addr().length; b++) a |= v[p.addr()[b]] << b;
          a -= mm.offset();
          if (a >= 0 && a < mm.size()) { mem[m][a] = (mem[m][a] & ~mask) | (d & mask); wrote = true; }
        }
        if (wrote) for (int n : readPortsOfMem[m]) push(n);
      }
      for (int i = 0; i < next.length; i++) set(fs.get(i).q(), next[i]);
      propagate();
    }

    HwState state(long cycle) {
      byte[] f = new byte[nl.flops().size()];
      for (int i = 0; i < f.length; i++) f[i] = (byte) v[nl.flops().get(i).q()];
      long[][] m = new long[mem.length][];
      for (int i = 0; i < m.length; i++) m[i] = mem[i].clone();
      return new HwState(nl.hash(), nl.top(), cycle, f, m);
    }
  }

  /** Opens a lock-step session (used by StateLink): one call per cycle with explicit input values. */
  public Session open(HwState start, Path vcd) throws IOException {
    start.checkFits(nl);
    return new Session(start, vcd);
  }

  /** An event-level simulation driven one cycle at a time. */
  public final class Session implements AutoCloseable {
    private final Run r;
    private final List<int[]> sigs = new ArrayList<>();
    private final VcdWriter w;
    private long k;
    private final long start;

    Session(HwState s, Path vcd) throws IOException {
      r = new Run(s);
      start = s.cycle();
      List<String> names = new ArrayList<>();
      if (nl.clock() != null) { names.add(nl.clock()); sigs.add(new int[]{-1}); }
      for (Map.Entry<String, int[]> e : nl.signals().entrySet()) {
        if (e.getKey().equals(nl.clock())) continue;
        names.add(e.getKey());
        sigs.add(e.getValue());
      }
      w = vcd == null ? null : new VcdWriter(vcd, nl.top(), names, sigs.stream().mapToInt(a -> a.length).toArray());
    }

    /** Applies inputs ({@link Netlist#inputs()} order), settles, returns the outputs, then clocks. */
    public long[] cycle(long[] inputs) throws IOException {
      long[] out = probe(inputs);
      edge();
      return out;
    }

    /**
     * Applies inputs ({@link Netlist#inputs()} order), settles and returns the outputs, without a
     * clock edge; may be repeated within a cycle (StateLink's same-cycle exchange).
     */
    public long[] probe(long[] inputs) {
      r.applyInputs((c, i, p) -> inputs[i], start + k);
      long[] out = new long[nl.outputs().size()];
      for (int i = 0; i < out.length; i++) {
        int[] nets = nl.outputs().get(i).nets();
        for (int b = 0; b < nets.length; b++) out[i] |= (long) r.v[nets[b]] << b;
      }
      return out;
    }

    /** The rising edge with the inputs of the last {@link #probe}; the VCD gets the settled values of the cycle. */
    public void edge() throws IOException {
      long t = 1 + 10 * (start + k); // absolute time: cycle c starts at 1 + 10c
      if (w != null) w.sample(t, values(r, sigs, 0));
      r.edge();
      if (w != null) w.sample(t + 5, values(r, sigs, 1));
      k++;
    }

    /** The state now. */
    public HwState finish() throws IOException {
      if (w != null) { w.sample(1 + 10 * (start + k), values(r, sigs, 0)); w.close(); }
      return r.state(start + k);
    }

    @Override
    public void close() throws IOException {
      if (w != null) w.close();
    }
  }

  @Override
  public SimResult run(HwState start, Stimulus stim, long cycles, Path vcd, boolean trace) throws IOException {
    start.checkFits(nl);
    events = 0;
    Run r = new Run(start);
    List<String> names = new ArrayList<>();
    List<int[]> sigs = new ArrayList<>();
    if (nl.clock() != null) { names.add(nl.clock()); sigs.add(new int[]{-1}); }
    for (Map.Entry<String, int[]> e : nl.signals().entrySet()) {
      if (e.getKey().equals(nl.clock())) continue;
      names.add(e.getKey());
      sigs.add(e.getValue());
    }
    int[] widths = sigs.stream().mapToInt(a -> a.length).toArray();
    List<String> outs = new ArrayList<>(), fl = new ArrayList<>();
    try (VcdWriter w = vcd == null ? null : new VcdWriter(vcd, nl.top(), names, widths)) {
      for (long k = 0; k < cycles; k++) {
        long t = 1 + 10 * (start.cycle() + k); // absolute time: cycle c starts at 1 + 10c
        r.applyInputs(stim, start.cycle() + k);
        if (w != null) w.sample(t, values(r, sigs, 0));
        if (trace) outs.add(Traces.outputs(nl, n -> r.v[n]));
        r.edge();
        if (w != null) w.sample(t + 5, values(r, sigs, 1));
        if (trace) fl.add(Traces.flops(r.state(0)));
      }
      if (w != null) w.sample(1 + 10 * (start.cycle() + cycles), values(r, sigs, 0));
    }
    return new SimResult(r.state(start.cycle() + cycles), outs, fl);
  }

  private static String[] values(Run r, List<int[]> sigs, int clk) {
    String[] out = new String[sigs.size()];
    char[] buf = new char[64];
    for (int i = 0; i < out.length; i++) {
      int[] nets = sigs.get(i);
      if (nets.length == 1 && nets[0] == -1) { out[i] = String.valueOf(clk); continue; }
      if (buf.length < nets.length) buf = new char[nets.length];
      for (int b = 0; b < nets.length; b++) buf[nets.length - 1 - b] = (char) ('0' + r.v[nets[b]]);
      out[i] = new String(buf, 0, nets.length);
    }
    return out;
  }

}
