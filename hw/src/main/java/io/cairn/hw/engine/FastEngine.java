package io.cairn.hw.engine;

import io.cairn.hw.netlist.GateOp;
import io.cairn.hw.netlist.Netlist;
import io.cairn.hw.state.HwState;
import java.util.List;

/**
 * The fast engine (the "hardware"): the netlist compiled once into a levelised instruction array
 * over a flat {@code int[]} of net values, evaluated by a tight loop with no per-signal objects.
 * No waveforms; state is read back and written only through {@link #state()} / {@link #load}.
 *
 * <p>A cycle: apply the inputs of the cycle, settle the logic (asynchronous resets included),
 * then the rising clock edge updates every flip-flop and memory word at once. Breakpoints are
 * tested after settling, before the edge, so a run stopped at cycle c holds the state after c edges.
 */
public final class FastEngine {
  static final int MEMRD = 100;

  private final Netlist nl;
  private final int[] v;
  private final int[] code; // 6 ints per instruction: op, y, a, b, c, d
  // flops, struct-of-arrays
  private final int nf;
  private final int[] fD, fQ, fEn, fEnV, fSr, fSrV, fSrVal, fAr, fArV, fArVal;
  private final boolean[] fCe;
  private final int[] asyncFlops;
  private final byte[] next;
  // memories
  private final long[][] mem;
  private final int[] rpMem, rpOffset, rpSize;
  private final int[][] rpAddr, rpData;
  private final int[][][] wpAddr, wpData, wpEn;
  // inputs
  private final int[][] inNets;
  private final Netlist.Port[] inPorts;
  private Stimulus stimulus = Stimulus.zero();
  private long cycle;

  private final CycleCompiler.CompiledCycle compiled;
  private final boolean[] stored; // nets the compiled code keeps in v (the others live in locals)
  private final int[] nextInt; // scratch of the compiled edge
  private boolean materialized; // v holds every net of the last settle (interpreted once on demand)
  private final RandomStimulus.Bound[] bound = new RandomStimulus.Bound[1];

  /** Compiles {@code nl} to bytecode; the state starts as {@link HwState#initial}. */
  public FastEngine(Netlist nl) {
    this(nl, true);
  }

  /**
   * @param compile true: generate JVM bytecode for the logic (fast); false: interpret the
   *     instruction array (same results; a cross-check and a fallback)
   */
  public FastEngine(Netlist nl, boolean compile) {
    this.nl = nl;
    this.v = new int[nl.netCount()];
    v[1] = 1;
    int g = nl.gates().size();
    List<Levelizer.ReadRef> rps = Levelizer.readPorts(nl);
    int[] order = Levelizer.order(nl);
    code = new int[order.length * 6];
    int k = 0;
    for (int node : order) {
      if (node < g) {
        Netlist.Gate gate = nl.gates().get(node);
        int[] in = gate.in();
        code[k] = gate.op().ordinal();
        code[k + 1] = gate.out();
        for (int j = 0; j < 4; j++) code[k + 2 + j] = j < in.length ? in[j] : 0;
      } else {
        code[k] = MEMRD;
        code[k + 1] = node - g;
      }
      k += 6;
    }
    rpMem = new int[rps.size()];
    rpOffset = new int[rps.size()];
    rpSize = new int[rps.size()];
    rpAddr = new int[rps.size()][];
    rpData = new int[rps.size()][];
    for (int i = 0; i < rps.size(); i++) {
      Netlist.Memory m = nl.memories().get(rps.get(i).mem());
      rpMem[i] = rps.get(i).mem();
      rpOffset[i] = m.offset();
      rpSize[i] = m.size();
      rpAddr[i] = m.readPorts().get(rps.get(i).port()).addr();
      rpData[i] = m.readPorts().get(rps.get(i).port()).data();
    }
    int nm = nl.memories().size();
    mem = new long[nm][];
    wpAddr = new int[nm][][];
    wpData = new int[nm][][];
    wpEn = new int[nm][][];
    for (int m = 0; m < nm; m++) {
      Netlist.Memory mm = nl.memories().get(m);
      mem[m] = mm.init().clone();
      int w = mm.writePorts().size();
      wpAddr[m] = new int[w][];
      wpData[m] = new int[w][];
      wpEn[m] = new int[w][];
      for (int p = 0; p < w; p++) {
        wpAddr[m][p] = mm.writePorts().get(p).addr();
        wpData[m][p] = mm.writePorts().get(p).data();
        wpEn[m][p] = mm.writePorts().get(p).en();
      }
    }
    nf = nl.flops().size();
    fD = new int[nf];
    fQ = new int[nf];
    fEn = new int[nf];
    fEnV = new int[nf];
    fSr = new int[nf];
    fSrV = new int[nf];
    fSrVal = new int[nf];
    fAr = new int[nf];
    fArV = new int[nf];
    fArVal = new int[nf];
    fCe = new boolean[nf];
    int na = 0;
    for (int i = 0; i < nf; i++) {
      Netlist.Flop f = nl.flops().get(i);
      fD[i] = f.d();
      fQ[i] = f.q();
      fEn[i] = f.en();
      fEnV[i] = f.enPol() ? 1 : 0;
      fSr[i] = f.srst();
      fSrV[i] = f.srstPol() ? 1 : 0;
      fSrVal[i] = f.srstVal();
      fAr[i] = f.arst();
      fArV[i] = f.arstPol() ? 1 : 0;
      fArVal[i] = f.arstVal();
      fCe[i] = f.ceOverSrst();
      if (f.arst() >= 0) na++;
    }
    asyncFlops = new int[na];
    for (int i = 0, j = 0; i < nf; i++) if (fAr[i] >= 0) asyncFlops[j++] = i;
    next = new byte[nf];
    inPorts = nl.inputs().toArray(new Netlist.Port[0]);
    inNets = new int[inPorts.length][];
    for (int i = 0; i < inPorts.length; i++) inNets[i] = inPorts[i].nets();
    if (compile) {
      CycleCompiler.Result r = CycleCompiler.compile(nl, code, MEMRD, rps);
      compiled = r.cycle();
      stored = r.stored();
    } else {
      compiled = null;
      stored = null;
    }
    nextInt = new int[nf];
  }

  /** Whether the logic runs as generated bytecode. */
  public boolean isCompiled() { return compiled != null; }

  public Netlist netlist() { return nl; }

  /** The number of clock edges so far. */
  public long cycle() { return cycle; }

  public void setStimulus(Stimulus s) {
    this.stimulus = s;
    bound[0] = s instanceof RandomStimulus r ? r.bind(inPorts) : null;
  }

  /** The levelised instruction array (6 ints per instruction: op, y, a, b, c, d). */
  int[] code() { return code; }

  /** The number of compiled combinational instructions. */
  public int instructions() { return code.length / 6; }

  /** Applies the inputs of the current cycle and settles the logic (idempotent). */
  public void settle() {
    RandomStimulus.Bound fast = bound[0];
    for (int i = 0; i < inNets.length; i++) {
      long val = fast != null ? fast.value(cycle, i) : stimulus.value(cycle, i, inPorts[i]);
      int[] nets = inNets[i];
      for (int b = 0; b < nets.length; b++) v[nets[b]] = (int) (val >>> b) & 1;
    }
    eval();
    if (asyncFlops.length > 0) {
      for (int guard = 0; guard <= asyncFlops.length && (compiled != null ? compiled.async(v) : applyAsync()); guard++)
        eval();
    }
    materialized = compiled == null;
  }

  /**
   * Makes every net of {@code nets} readable from {@code v}: the compiled code stores only the nets
   * that can be observed (outputs, named signals, flop and memory inputs); any other net is
   * computed once by interpreting the whole logic over the settled inputs and flop outputs.
   */
  private void materialize(int[] nets) {
    if (materialized) return;
    for (int n : nets) {
      if (!stored[n]) {
        interpret();
        materialized = true;
        return;
      }
    }
  }

  private boolean applyAsync() {
    boolean changed = false;
    for (int i : asyncFlops) {
      if (v[fAr[i]] == fArV[i] && v[fQ[i]] != fArVal[i]) {
        v[fQ[i]] = fArVal[i];
        changed = true;
      }
    }
    return changed;
  }

  private void eval() {
    if (compiled != null) {
      compiled.eval(v, mem);
      return;
    }
    interpret();
  }

  private void interpret() {
    final int[] v = this.v, code = this.code;
    for (int k = 0, n = code.length; k < n; k += 6) {
      int a = v[code[k + 2]], b = v[code[k + 3]];
      int r;
      switch (code[k]) {
        case 0 -> r = a; // BUF
        case 1 -> r = a ^ 1; // NOT
        case 2 -> r = a & b; // AND
        case 3 -> r = (a & b) ^ 1; // NAND
        case 4 -> r = a | b; // OR
        case 5 -> r = (a | b) ^ 1; // NOR
        case 6 -> r = a ^ b; // XOR
        case 7 -> r = a ^ b ^ 1; // XNOR
        case 8 -> r = a & (b ^ 1); // ANDNOT
        case 9 -> r = a | (b ^ 1); // ORNOT
        case 10 -> r = v[code[k + 4]] != 0 ? b : a; // MUX
        case 11 -> r = (v[code[k + 4]] != 0 ? b : a) ^ 1; // NMUX
        case 12 -> r = ((a & b) | v[code[k + 4]]) ^ 1; // AOI3
        case 13 -> r = ((a | b) & v[code[k + 4]]) ^ 1; // OAI3
        case 14 -> r = ((a & b) | (v[code[k + 4]] & v[code[k + 5]])) ^ 1;
        case 15 -> r = ((a | b) & (v[code[k + 4]] | v[code[k + 5]])) ^ 1;
        case MEMRD -> { readPort(code[k + 1]); continue; }
        default -> throw new IllegalStateException("bad opcode " + code[k]);
      }
      v[code[k + 1]] = r;
    }
  }

  static {
    assert GateOp.values().length == 16 && GateOp.OAI4.ordinal() == 15;
  }

  /** Evaluates memory read port {@code p} (the interpreter; the compiled cycle inlines read ports). */
  void readPort(int p) {
    int[] addr = rpAddr[p];
    int a = 0;
    for (int b = 0; b < addr.length; b++) a |= v[addr[b]] << b;
    a -= rpOffset[p];
    long word = a >= 0 && a < rpSize[p] ? mem[rpMem[p]][a] : 0;
    int[] data = rpData[p];
    for (int b = 0; b < data.length; b++) v[data[b]] = (int) (word >>> b) & 1;
  }

  /** The rising clock edge: every flop and memory write port samples the settled values at once. */
  public void edge() {
    if (compiled != null) {
      compiled.edge(v, mem, nextInt);
      cycle++;
      return;
    }
    final int[] v = this.v;
    for (int i = 0; i < nf; i++) {
      int q = v[fQ[i]];
      int n;
      if (fAr[i] >= 0 && v[fAr[i]] == fArV[i]) n = fArVal[i];
      else {
        boolean en = fEn[i] < 0 || v[fEn[i]] == fEnV[i];
        boolean sr = fSr[i] >= 0 && v[fSr[i]] == fSrV[i];
        if (fCe[i]) n = en ? (sr ? fSrVal[i] : v[fD[i]]) : q;
        else
          n = sr ? fSrVal[i] : en ? v[fD[i]] : q;
      }
      next[i] = (byte) n;
    }
    for (int m = 0; m < mem.length; m++) {
      int[][] wa = wpAddr[m];
      for (int p = 0; p < wa.length; p++) {
        int[] en = wpEn[m][p], data = wpData[m][p], addr = wa[p];
        long mask = 0, d = 0;
        for (int b = 0; b < en.length; b++) {
          mask |= (long) v[en[b]] << b;
          d |= (long) v[data[b]] << b;
        }
        if (mask == 0) continue;
        int a = 0;
        for (int b = 0; b < addr.length; b++) a |= v[addr[b]] << b;
        a -= nl.memories().get(m).offset();
        if (a >= 0 && a < mem[m].length) mem[m][a] = (mem[m][a] & ~mask) | (d & mask);
      }
    }
    for (int i = 0; i < nf; i++) v[fQ[i]] = next[i];
    cycle++;
  }

  /** One full cycle: settle with this cycle's inputs, then the clock edge. */
  public void step() {
    settle();
    edge();
  }

  /** Observes each cycle of {@link #run}: called after settling, before the edge. */
  @FunctionalInterface
  public interface Observer {
    void settled(FastEngine e);
  }

  /**
   * Runs until {@code until} holds (tested after settling, before the edge) or {@code maxCycles}
   * edges have happened in this call. Returns true when the breakpoint was hit.
   */
  public boolean run(Breakpoint until, long maxCycles, Observer observer) {
    for (long k = 0; k < maxCycles; k++) {
      settle();
      if (until != null && until.test(this)) return true;
      if (observer != null) observer.settled(this);
      edge();
    }
    settle();
    return until != null && until.test(this);
  }

  /** Runs exactly {@code n} cycles. */
  public void run(long n) {
    for (long k = 0; k < n; k++) step();
  }

  /** The settled value of nets (LSB first), up to 64 bits. */
  public long value(int[] nets) {
    if (!materialized) materialize(nets);
    long r = 0;
    for (int b = 0; b < nets.length && b < 64; b++) r |= (long) v[nets[b]] << b;
    return r;
  }

  /** The settled value of a named signal (see {@link Netlist#signal}). */
  public long value(String name) {
    int[] nets = nl.signal(name);
    if (nets == null) throw new IllegalArgumentException("no signal named " + name + " in " + nl.top());
    return value(nets);
  }

  /**
   * The value of one net after {@link #settle}. Nets the compiled code keeps only in locals are
   * computed on first request after a settle (the logic interpreted once); between an edge and the
   * next settle only flop outputs are defined.
   */
  public int net(int n) {
    if (!materialized && !stored[n]) materialize(new int[]{n});
    return v[n];
  }

  /** Reads back the state (every flop and memory word). */
  public HwState state() {
    byte[] f = new byte[nf];
    for (int i = 0; i < nf; i++) f[i] = (byte) v[fQ[i]];
    long[][] m = new long[mem.length][];
    for (int i = 0; i < m.length; i++) m[i] = mem[i].clone();
    return new HwState(nl.hash(), nl.top(), cycle, f, m);
  }

  /** Loads a state (checked against this netlist) and sets the cycle counter to its cycle. */
  public void load(HwState s) {
    s.checkFits(nl);
    for (int i = 0; i < nf; i++) v[fQ[i]] = s.flops()[i];
    for (int i = 0; i < mem.length; i++) System.arraycopy(s.memories()[i], 0, mem[i], 0, mem[i].length);
    cycle = s.cycle();
  }
}
