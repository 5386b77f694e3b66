package io.cairn.hw.engine;

import io.cairn.hw.netlist.Netlist;
import io.cairn.hw.state.HwState;
import java.util.List;

/**
 * The fast engine, bit-parallel: 64 independent runs of the same design at once, one per bit of a
 * {@code long} (each net is one {@code long}; gates are single bitwise instructions over all lanes,
 * compiled to bytecode like {@link FastEngine}). Each lane has its own stimulus and its own memory
 * contents; memory ports are evaluated lane by lane. For throughput: random testing and searching
 * many input sequences for a breakpoint. Cycle semantics are those of {@link FastEngine}.
 */
public final class LaneEngine {
  /** Runs per engine. */
  public static final int LANES = 64;

  private final Netlist nl;
  private final long[] v;
  private final Compiler.CompiledLaneEval compiled;
  private final int nf;
  private final int[] fD, fQ, fEn, fSr, fAr;
  private final long[] fEnInv, fSrInv, fArInv, fSrVal, fArVal;
  private final boolean[] fCe;
  private final int[] asyncFlops;
  private final long[] next;
  private final long[][][] mem; // memory, lane, word
  private final int[] rpMem, rpOffset, rpSize;
  private final int[][] rpAddr, rpData;
  private final long[][] rpAcc;
  private final Netlist.Port[] inPorts;
  private final Stimulus[] stimuli;
  private long cycle;

  /** One stimulus per lane ({@link #LANES} of them); the state starts as {@link HwState#initial} in every lane. */
  public LaneEngine(Netlist nl, Stimulus[] lanes) {
    if (lanes.length != LANES) throw new IllegalArgumentException("need " + LANES + " stimuli, got " + lanes.length);
    this.nl = nl;
    this.stimuli = lanes.clone();
    this.v = new long[nl.netCount()];
    v[1] = -1L;
    int[] code = new FastEngine(nl, false).code();
    compiled = Compiler.compileLanes(code, FastEngine.MEMRD);
    List<Levelizer.ReadRef> rps = Levelizer.readPorts(nl);
    int n = rps.size();
    rpMem = new int[n];
    rpOffset = new int[n];
    rpSize = new int[n];
    rpAddr = new int[n][];
    rpData = new int[n][];
    rpAcc = new long[n][];
    for (int i = 0; i < n; i++) {
      Netlist.Memory m = nl.memories().get(rps.get(i).mem());
      rpMem[i] = rps.get(i).mem();
      rpOffset[i] = m.offset();
      rpSize[i] = m.size();
      rpAddr[i] = m.readPorts().get(rps.get(i).port()).addr();
      rpData[i] = m.readPorts().get(rps.get(i).port()).data();
      rpAcc[i] = new long[rpData[i].length];
    }
    mem = new long[nl.memories().size()][LANES][];
    for (int m = 0; m < mem.length; m++)
      for (int l = 0; l < LANES; l++) mem[m][l] = nl.memories().get(m).init().clone();
    nf = nl.flops().size();
    fD = new int[nf];
    fQ = new int[nf];
    fEn = new int[nf];
    fSr = new int[nf];
    fAr = new int[nf];
    fEnInv = new long[nf];
    fSrInv = new long[nf];
    fArInv = new long[nf];
    fSrVal = new long[nf];
    fArVal = new long[nf];
    fCe = new boolean[nf];
    int na = 0;
    for (int i = 0; i < nf; i++) {
      Netlist.Flop f = nl.flops().get(i);
      fD[i] = f.d();
      fQ[i] = f.q();
      fEn[i] = f.en();
      fSr[i] = f.srst();
      fAr[i] = f.arst();
      fCe[i] = f.ceOverSrst();
      fEnInv[i] = f.enPol() ? 0 : -1L;
      fSrInv[i] = f.srstPol() ? 0 : -1L;
      fArInv[i] = f.arstPol() ? 0 : -1L;
      fSrVal[i] = f.srstVal() == 1 ? -1L : 0;
      fArVal[i] = f.arstVal() == 1 ? -1L : 0;
      if (f.arst() >= 0) na++;
    }
    asyncFlops = new int[na];
    for (int i = 0, j = 0; i < nf; i++) if (fAr[i] >= 0) asyncFlops[j++] = i;
    next = new long[nf];
    inPorts = nl.inputs().toArray(new Netlist.Port[0]);
  }

  public long cycle() { return cycle; }

  /** Applies every lane's inputs of the current cycle and settles. */
  public void settle() {
    for (int i = 0; i < inPorts.length; i++) {
      int[] nets = inPorts[i].nets();
      long[] words = new long[nets.length];
      for (int l = 0; l < LANES; l++) {
        long val = stimuli[l].value(cycle, i, inPorts[i]);
        for (int b = 0; b < nets.length; b++) words[b] |= ((val >>> b) & 1L) << l;
      }
      for (int b = 0; b < nets.length; b++) v[nets[b]] = words[b];
    }
    compiled.eval(v, this);
    for (int guard = 0; guard <= asyncFlops.length && applyAsync(); guard++) compiled.eval(v, this);
  }

  private boolean applyAsync() {
    boolean changed = false;
    for (int i : asyncFlops) {
      long act = v[fAr[i]] ^ fArInv[i];
      long q = v[fQ[i]], nq = (act & fArVal[i]) | (~act & q);
      if (nq != q) { v[fQ[i]] = nq; changed = true; }
    }
    return changed;
  }

  /** Memory read port {@code p}, lane by lane (called by the generated code). */
  void readPort(int p) {
    int[] addr = rpAddr[p], data = rpData[p];
    long[] acc = rpAcc[p];
    java.util.Arrays.fill(acc, 0);
    long[][] lanes = mem[rpMem[p]];
    for (int l = 0; l < LANES; l++) {
      int a = 0;
      for (int b = 0; b < addr.length; b++) a |= (int) ((v[addr[b]] >>> l) & 1L) << b;
      a -= rpOffset[p];
      long word = a >= 0 && a < rpSize[p] ? lanes[l][a] : 0;
      for (int b = 0; b < data.length; b++) acc[b] |= ((word >>> b) & 1L) << l;
    }
    for (int b = 0; b < data.length; b++) v[data[b]] = acc[b];
  }

  /** The rising edge in every lane. */
  public void edge() {
    for (int i = 0; i < nf; i++) {
      long q = v[fQ[i]], d = v[fD[i]];
      long en = fEn[i] < 0 ? -1L : v[fEn[i]] ^ fEnInv[i];
      long sr = fSr[i] < 0 ? 0 : v[fSr[i]] ^ fSrInv[i];
      long n = fCe[i]
          ? (en & ((sr & fSrVal[i]) | (~sr & d))) | (~en & q)
          : (sr & fSrVal[i]) | (~sr & ((en & d) | (~en & q)));
      if (fAr[i] >= 0) {
        long ar = v[fAr[i]] ^ fArInv[i];
        n = (ar & fArVal[i]) | (~ar & n);
      }
      next[i] = n;
    }
    for (int m = 0; m < mem.length; m++) {
      Netlist.Memory mm = nl.memories().get(m);
      for (Netlist.WritePort p : mm.writePorts()) {
        long any = 0;
        for (int e : p.en()) any |= v[e];
        if (any == 0) continue;
        for (int l = 0; l < LANES; l++) {
          if (((any >>> l) & 1L) == 0) continue;
          long mask = 0, d = 0;
          for (int b = 0; b < p.en().length; b++) {
            mask |= ((v[p.en()[b]] >>> l) & 1L) << b;
            d |= ((v[p.data()[b]] >>> l) & 1L) << b;
          }
          int a = 0;
          for (int b = 0; b < p.addr().length; b++) a |= (int) ((v[p.addr()[b]] >>> l) & 1L) << b;
          a -= mm.offset();
          if (a >= 0 && a < mm.size()) mem[m][l][a] = (mem[m][l][a] & ~mask) | (d & mask);
        }
      }
    }
    for (int i = 0; i < nf; i++) v[fQ[i]] = next[i];
    cycle++;
  }

  /** Runs {@code n} cycles in every lane. */
  public void run(long n) {
    for (long k = 0; k < n; k++) {
      settle();
      edge();
    }
  }

  /** The settled value of nets in one lane. */
  public long value(int lane, int[] nets) {
    long r = 0;
    for (int b = 0; b < nets.length && b < 64; b++) r |= ((v[nets[b]] >>> lane) & 1L) << b;
    return r;
  }

  /** The state of one lane. */
  public HwState state(int lane) {
    byte[] f = new byte[nf];
    for (int i = 0; i < nf; i++) f[i] = (byte) ((v[fQ[i]] >>> lane) & 1L);
    long[][] m = new long[mem.length][];
    for (int i = 0; i < m.length; i++) m[i] = mem[i][lane].clone();
    return new HwState(nl.hash(), nl.top(), cycle, f, m);
  }
}
