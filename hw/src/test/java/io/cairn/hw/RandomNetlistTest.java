package io.cairn.hw;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.hw.engine.FastEngine;
import io.cairn.hw.engine.RandomStimulus;
import io.cairn.hw.engine.Stimulus;
import io.cairn.hw.netlist.GateOp;
import io.cairn.hw.netlist.Netlist;
import io.cairn.hw.sim.EventSim;
import io.cairn.hw.state.HwState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Property test of the compiled cycle (cone order, values in locals, dead logic left out, inlined
 * memory ports, branch-free flops) against the interpreter and the event simulator: random netlists
 * with every gate kind, every flop kind (enable, synchronous reset with and without enable priority,
 * asynchronous reset, both polarities), memories with offsets, sizes that are no power of two,
 * several read and write ports with per-bit enables, and logic nobody observes. Fixed seeds: a
 * failure names the seed and the cycle. {@code -Dcairn.soak=true}: more netlists.
 */
class RandomNetlistTest {
  static final int NETLISTS = Boolean.getBoolean("cairn.soak") ? 400 : 40;

  @Test
  void compiledCycleEqualsInterpreterAndEventSimulatorOnRandomNetlists() throws Exception {
    for (int seed = 1; seed <= NETLISTS; seed++) {
      Netlist nl = random(new Random(seed), seed % 4 == 0 ? 1500 : 300);
      Stimulus stim = new RandomStimulus(seed, 2, 7, Map.of());
      FastEngine c = new FastEngine(nl, true), i = new FastEngine(nl, false);
      c.setStimulus(stim);
      i.setStimulus(stim);
      int cycles = 300;
      for (int k = 0; k < cycles; k++) {
        c.settle();
        i.settle();
        for (Netlist.Port p : nl.outputs()) {
          assertThat(c.value(p.nets())).as("seed %d cycle %d output %s", seed, k, p.name())
              .isEqualTo(i.value(p.nets()));
        }
        for (var s : nl.signals().entrySet()) {
          assertThat(c.value(s.getValue())).as("seed %d cycle %d signal %s", seed, k, s.getKey())
              .isEqualTo(i.value(s.getValue()));
        }
        if (k % 50 == 7) {
          // every net, the unstored ones computed on demand
          for (int n = 0; n < nl.netCount(); n++)
            assertThat(c.net(n)).as("seed %d cycle %d net %d", seed, k, n).isEqualTo(i.net(n));
        }
        c.edge();
        i.edge();
        assertThat(c.state()).as("seed %d after edge %d", seed, k).isEqualTo(i.state());
      }
      HwState ev = new EventSim(nl).run(HwState.initial(nl), stim, cycles, null, false).end();
      assertThat(ev.sameContent(c.state())).as("seed %d: event simulator end state equals the compiled engine's", seed)
          .isTrue();
    }
  }

  /** A random acyclic single-clock netlist of about {@code gates} gates. */
  static Netlist random(Random r, int gates) {
    int[] next = {2};
    List<Integer> avail = new ArrayList<>(List.of(0, 1));
    List<Netlist.Port> inputs = new ArrayList<>();
    int clock = next[0]++;
    for (int p = 0; p < 1 + r.nextInt(4); p++) {
      int w = 1 + r.nextInt(8);
      int[] nets = new int[w];
      for (int b = 0; b < w; b++) {
        nets[b] = next[0]++;
        avail.add(nets[b]);
      }
      inputs.add(new Netlist.Port("in" + p, nets));
    }
    int rst = next[0]++;
    inputs.add(new Netlist.Port("rst", new int[]{rst}));
    avail.add(rst);
    int nf = 5 + r.nextInt(r.nextBoolean() ? 20 : 160);
    int[] q = new int[nf];
    for (int f = 0; f < nf; f++) {
      q[f] = next[0]++;
      avail.add(q[f]);
    }
    int nm = r.nextInt(3);
    int[] width = new int[nm], size = new int[nm], offset = new int[nm];
    List<List<Netlist.ReadPort>> reads = new ArrayList<>();
    for (int m = 0; m < nm; m++) {
      width[m] = 1 + r.nextInt(12);
      size[m] = 1 + r.nextInt(20);
      offset[m] = r.nextInt(3) == 0 ? r.nextInt(4) : 0;
      reads.add(new ArrayList<>());
    }
    List<Netlist.Gate> gs = new ArrayList<>();
    GateOp[] ops = GateOp.values();
    for (int g = 0; g < gates; g++) {
      if (nm > 0 && r.nextInt(60) == 0) { // a read port here: its address from what exists so far
        int m = r.nextInt(nm);
        int[] addr = pick(r, avail, 1 + r.nextInt(5));
        int[] data = new int[width[m]];
        for (int b = 0; b < data.length; b++) data[b] = next[0]++;
        reads.get(m).add(new Netlist.ReadPort(addr, data));
        for (int d : data) avail.add(d);
      }
      GateOp op = ops[r.nextInt(ops.length)];
      int out = next[0]++;
      // mostly recent nets (deep cones), sometimes any net
      int[] in = new int[op.arity()];
      for (int j = 0; j < in.length; j++) {
        in[j] = r.nextInt(3) == 0
            ? avail.get(r.nextInt(avail.size()))
            : avail.get(Math.max(0, avail.size() - 1 - r.nextInt(Math.min(avail.size(), 30))));
      }
      gs.add(new Netlist.Gate(op, in, out, "g" + g, "random:" + g));
      avail.add(out);
    }
    List<Netlist.Flop> flops = new ArrayList<>();
    for (int f = 0; f < nf; f++) {
      int d = avail.get(r.nextInt(avail.size()));
      int en = r.nextInt(3) == 0 ? avail.get(r.nextInt(avail.size())) : -1;
      int srst = r.nextInt(3) == 0 ? (r.nextBoolean() ? rst : avail.get(r.nextInt(avail.size()))) : -1;
      int arst = r.nextInt(5) == 0 ? (r.nextBoolean() ? rst : inputs.get(0).nets()[0]) : -1;
      flops.add(new Netlist.Flop("f" + f, "$_DFF_", "f" + f, "random", d, q[f], en, r.nextBoolean(), srst,
          r.nextBoolean(), r.nextInt(2),
          en >= 0 && srst >= 0 && r.nextBoolean(), arst, r.nextBoolean(), r.nextInt(2)));
    }
    List<Netlist.Memory> mems = new ArrayList<>();
    for (int m = 0; m < nm; m++) {
      List<Netlist.WritePort> ws = new ArrayList<>();
      for (int p = 0; p < r.nextInt(3); p++) {
        int[] en = r.nextBoolean() ? filled(width[m], avail.get(r.nextInt(avail.size()))) : pick(r, avail, width[m]);
        ws.add(new Netlist.WritePort(pick(r, avail, 1 + r.nextInt(5)), pick(r, avail, width[m]), en));
      }
      long[] init = new long[size[m]];
      long mask = (1L << width[m]) - 1;
      for (int a = 0; a < init.length; a++) init[a] = r.nextLong() & mask;
      mems.add(new Netlist.Memory("m" + m, "mem" + m, "random", width[m], size[m], offset[m], init, reads.get(m), ws));
    }
    List<Netlist.Port> outputs = new ArrayList<>();
    for (int p = 0; p < 1 + r.nextInt(4); p++)
      outputs.add(new Netlist.Port("out" + p, pick(r, avail, 1 + r.nextInt(16))));
    Map<String, int[]> signals = new LinkedHashMap<>();
    for (int s = 0; s < 3; s++) signals.put("s" + s, pick(r, avail, 1 + r.nextInt(8)));
    return new Netlist("rnd", next[0], inputs, outputs, "clk", clock, gs, flops, mems, signals,
        "random-" + r.nextLong());
  }

  private static int[] pick(Random r, List<Integer> avail, int n) {
    int[] x = new int[n];
    for (int i = 0; i < n; i++) x[i] = avail.get(r.nextInt(avail.size()));
    return x;
  }

  private static int[] filled(int n, int net) {
    int[] x = new int[n];
    java.util.Arrays.fill(x, net);
    return x;
  }
}
