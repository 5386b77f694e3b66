package io.cairn.hw.engine;

import static java.lang.constant.ConstantDescs.CD_Object;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;
import static java.lang.constant.ConstantDescs.CD_void;
import static java.lang.constant.ConstantDescs.INIT_NAME;
import static java.lang.constant.ConstantDescs.MTD_void;

import io.cairn.hw.netlist.Netlist;
import java.lang.classfile.ClassFile;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Compiles a whole cycle of the single-run engine into JVM bytecode (the JDK's
 * {@code java.lang.classfile} API), loaded as a hidden class:
 *
 * <ul>
 *   <li>{@code eval}: the combinational logic in cone order (a depth-first post-order from the
 *       observed nets, so a net is mostly consumed right after it is produced), with the memory
 *       read ports inlined (address gathered from its bits, the word split into its bits). Gates
 *       that nothing observes are left out. Inside a method, net values live in local variables
 *       (registers after the JIT); only nets read by another method or observable from outside
 *       (flop and memory inputs, outputs, named signals) are stored into the net array.</li>
 *   <li>{@code edge}: every flop's next value as branch-free arithmetic specialised on its kind
 *       (enable, synchronous and asynchronous reset, their polarities), then the memory write
 *       ports in order (later ports win), then the flop outputs.</li>
 * </ul>
 *
 * Methods are cut by an estimate of their bytecode size so each stays below the JIT's limit for
 * compiling a method ({@link #METHOD_BYTES}, HotSpot's {@code HugeMethodLimit} is 8000 bytes).
 * Results are those of {@link FastEngine}'s interpreter, net for net on every stored net.
 */
final class CycleCompiler {
  /** The estimated bytecode size at which a method is cut. */
  static final int METHOD_BYTES = 6000;
  private static final ClassDesc CD_CYCLE = ClassDesc.of(CompiledCycle.class.getName());
  private static final ClassDesc CD_INTS = CD_int.arrayType();
  private static final ClassDesc CD_MEMS = CD_long.arrayType().arrayType();
  private static final MethodTypeDesc MT_EVAL = MethodTypeDesc.of(CD_void, CD_INTS, CD_MEMS);
  private static final MethodTypeDesc MT_EDGE = MethodTypeDesc.of(CD_void, CD_INTS, CD_MEMS, CD_INTS);
  private static final MethodTypeDesc MT_ASYNC = MethodTypeDesc.of(java.lang.constant.ConstantDescs.CD_boolean,
      CD_INTS);

  private CycleCompiler() {}

  /** What the generated class implements. */
  interface CompiledCycle {
    /** Settles the logic from the inputs and flop outputs in {@code v}. */
    void eval(int[] v, long[][] mem);

    /** The clock edge: flops and memory writes sample {@code v}; {@code next} is scratch (one int per flop). */
    void edge(int[] v, long[][] mem, int[] next);

    /** Forces each flop whose asynchronous reset is active to its reset value; whether any flop changed. */
    boolean async(int[] v);
  }

  /** The compiled cycle and which nets {@code eval} stores (the others are only in locals). */
  record Result(CompiledCycle cycle, boolean[] stored, int liveInstructions) {}

  /**
   * @param code   the instruction array of {@link FastEngine} (6 ints each, in a valid order)
   * @param memrd  the opcode of a memory read port (its {@code y} is the read port index)
   * @param rps    the read ports by index
   */
  static Result compile(Netlist nl, int[] code, int memrd, List<Levelizer.ReadRef> rps) {
    int n = code.length / 6, nets = nl.netCount();
    // inputs of each instruction, the instruction driving each net
    int[][] ins = new int[n][];
    int[] driver = new int[nets];
    Arrays.fill(driver, -1);
    for (int i = 0; i < n; i++) {
      int k = i * 6;
      if (code[k] == memrd) {
        Netlist.ReadPort rp = readPort(nl, rps, code[k + 1]);
        ins[i] = rp.addr();
        for (int d : rp.data()) driver[d] = i;
      } else {
        ins[i] = Arrays.copyOfRange(code, k + 2, k + 2 + arity(code[k]));
        driver[code[k + 1]] = i;
      }
    }
    // nets observed from outside the logic
    boolean[] external = new boolean[nets];
    for (Netlist.Flop f : nl.flops()) {
      for (int x : new int[]{f.d(), f.en(), f.srst(), f.arst()}) if (x >= 0) external[x] = true;
    }
    for (Netlist.Memory m : nl.memories()) {
      for (Netlist.WritePort w : m.writePorts()) {
        for (int x : w.addr()) external[x] = true;
        for (int x : w.data()) external[x] = true;
        for (int x : w.en()) external[x] = true;
      }
    }
    for (Netlist.Port p : nl.outputs()) for (int x : p.nets()) external[x] = true;
    for (int[] s : nl.signals().values()) for (int x : s) external[x] = true;
    // cone order: iterative depth-first post-order from the observed nets; unreached instructions are dead
    int[] order = new int[n];
    int len = 0;
    byte[] mark = new byte[n]; // 0 new, 1 on the stack, 2 done
    int[] stack = new int[n], pos = new int[n];
    for (int root = 0; root < nets; root++) {
      if (!external[root] || driver[root] < 0 || mark[driver[root]] != 0) continue;
      int sp = 0;
      stack[sp++] = driver[root];
      mark[driver[root]] = 1;
      pos[driver[root]] = 0;
      while (sp > 0) {
        int x = stack[sp - 1];
        if (pos[x] < ins[x].length) {
          int in = ins[x][pos[x]++];
          int d = driver[in];
          if (d >= 0 && mark[d] == 0) {
            mark[d] = 1;
            pos[d] = 0;
            stack[sp++] = d;
          }
        } else {
          sp--;
          mark[x] = 2;
          order[len++] = x;
        }
      }
    }
    order = Arrays.copyOf(order, len);
    // cut into methods by estimated size
    List<int[]> methods = new ArrayList<>();
    int start = 0, bytes = 0;
    for (int j = 0; j < len; j++) {
      int cost = cost(code, order[j], memrd, ins, nl, rps);
      if (j > start && bytes + cost > METHOD_BYTES) {
        methods.add(Arrays.copyOfRange(order, start, j));
        start = j;
        bytes = 0;
      }
      bytes += cost;
    }
    if (start < len) methods.add(Arrays.copyOfRange(order, start, len));
    // stored nets: external, or produced in one method and read in another
    int[] methodOf = new int[n];
    Arrays.fill(methodOf, -1);
    for (int m = 0; m < methods.size(); m++) for (int x : methods.get(m)) methodOf[x] = m;
    boolean[] stored = external.clone();
    for (int x : order) {
      for (int in : ins[x]) {
        int d = driver[in];
        if (d >= 0 && methodOf[d] != methodOf[x]) stored[in] = true;
      }
    }
    CompiledCycle c = define(nl, code, memrd, rps, methods, stored);
    return new Result(c, stored, len);
  }

  private static Netlist.ReadPort readPort(Netlist nl, List<Levelizer.ReadRef> rps, int p) {
    Levelizer.ReadRef r = rps.get(p);
    return nl.memories().get(r.mem()).readPorts().get(r.port());
  }

  private static int arity(int op) {
    return switch (op) {
      case 0, 1 -> 1;
      case 10, 11, 12, 13 -> 3;
      case 14, 15 -> 4;
      default -> 2;
    };
  }

  /** A generous estimate of an instruction's bytecode size (loads cached in locals, stores). */
  private static int cost(int[] code, int i, int memrd, int[][] ins, Netlist nl, List<Levelizer.ReadRef> rps) {
    if (code[i * 6] == memrd) {
      Netlist.ReadPort rp = readPort(nl, rps, code[i * 6 + 1]);
      return 60 + 16 * rp.addr().length + 26 * rp.data().length;
    }
    return 24 + 12 * ins[i].length;
  }

  // ---- code generation ----

  /** Per-method state: which local holds each net (-1: none yet). */
  private static final class Locals {
    final int[] slot;
    int next;

    Locals(int nets, int first) {
      slot = new int[nets];
      Arrays.fill(slot, -1);
      next = first;
    }

    int fresh(int width) {
      int s = next;
      next += width;
      return s;
    }
  }

  /** Pushes the value of {@code net}: a constant, a local, or loaded from {@code v} (slot 0) and cached. */
  private static void value(CodeBuilder cob, Locals l, int net) {
    if (net == 0) {
      cob.iconst_0();
    } else if (net == 1) {
      cob.iconst_1();
    } else if (l.slot[net] >= 0) {
      cob.iload(l.slot[net]);
    } else {
      int s = l.fresh(1);
      l.slot[net] = s;
      cob.aload(0).loadConstant(net).iaload().dup().istore(s);
    }
  }

  /** Pushes the value of {@code net} straight from {@code v} (no caching: for the edge, where nets do not change). */
  private static void raw(CodeBuilder cob, int net) {
    if (net == 0) cob.iconst_0();
    else if (net == 1) cob.iconst_1();
    else
      cob.aload(0).loadConstant(net).iaload();
  }

  private interface Loader { void load(CodeBuilder cob, int net); }

  /** Pushes the int {@code sum of bit b << b} of {@code bits}. */
  private static void gatherInt(CodeBuilder cob, Loader ld, int[] bits) {
    cob.iconst_0();
    for (int b = 0; b < bits.length; b++) {
      if (bits[b] == 0) continue;
      ld.load(cob, bits[b]);
      if (b > 0) cob.loadConstant(b).ishl();
      cob.ior();
    }
  }

  /** Pushes the long {@code sum of bit b << b} of {@code bits}. */
  private static void gatherLong(CodeBuilder cob, Loader ld, int[] bits) {
    cob.lconst_0();
    for (int b = 0; b < bits.length; b++) {
      if (bits[b] == 0) continue;
      ld.load(cob, bits[b]);
      cob.i2l();
      if (b > 0) cob.loadConstant(b).lshl();
      cob.lor();
    }
  }

  private static CompiledCycle define(Netlist nl, int[] code, int memrd, List<Levelizer.ReadRef> rps,
      List<int[]> methods, boolean[] stored) {
    ClassDesc self = ClassDesc.of(CycleCompiler.class.getPackageName() + ".GeneratedCycle");
    List<int[]> flopChunks = new ArrayList<>();
    int nf = nl.flops().size(), per = METHOD_BYTES / 60;
    for (int f = 0; f < nf; f += per) flopChunks.add(new int[]{f, Math.min(nf, f + per)});
    byte[] bytes = ClassFile.of().build(self, clb -> {
      clb.withFlags(ClassFile.ACC_PUBLIC | ClassFile.ACC_FINAL);
      clb.withInterfaceSymbols(CD_CYCLE);
      clb.withMethodBody(INIT_NAME, MTD_void, ClassFile.ACC_PUBLIC,
          cob -> cob.aload(0).invokespecial(CD_Object, INIT_NAME, MTD_void).return_());
      for (int m = 0; m < methods.size(); m++) {
        int[] body = methods.get(m);
        clb.withMethodBody("c" + m, MT_EVAL, ClassFile.ACC_PRIVATE | ClassFile.ACC_STATIC, cob -> {
          Locals l = new Locals(nl.netCount(), 2);
          for (int i : body) emit(cob, l, code, i * 6, memrd, nl, rps, stored);
          cob.return_();
        });
      }
      clb.withMethodBody("eval", MT_EVAL, ClassFile.ACC_PUBLIC, cob -> {
        for (int m = 0; m < methods.size(); m++) cob.aload(1).aload(2).invokestatic(self, "c" + m, MT_EVAL);
        cob.return_();
      });
      for (int c = 0; c < flopChunks.size(); c++) {
        int[] r = flopChunks.get(c);
        clb.withMethodBody("n" + c, MT_EDGE, ClassFile.ACC_PRIVATE | ClassFile.ACC_STATIC, cob -> {
          for (int f = r[0]; f < r[1]; f++) nextValue(cob, nl.flops().get(f), f);
          cob.return_();
        });
        clb.withMethodBody("q" + c, MT_EDGE, ClassFile.ACC_PRIVATE | ClassFile.ACC_STATIC, cob -> {
          for (int f = r[0]; f < r[1]; f++)
            cob.aload(0).loadConstant(nl.flops().get(f).q()).aload(2).loadConstant(f).iaload().iastore();
          cob.return_();
        });
      }
      List<int[]> writes = new ArrayList<>();
      for (int m = 0; m < nl.memories().size(); m++) {
        for (int p = 0; p < nl.memories().get(m).writePorts().size(); p++) writes.add(new int[]{m, p});
      }
      for (int w = 0; w < writes.size(); w++) {
        int[] mp = writes.get(w);
        clb.withMethodBody("w" + w, MT_EDGE, ClassFile.ACC_PRIVATE | ClassFile.ACC_STATIC,
            cob -> write(cob, nl.memories().get(mp[0]), mp[0], nl.memories().get(mp[0]).writePorts().get(mp[1])));
      }
      List<Netlist.Flop> asyncFlops = nl.flops().stream().filter(f -> f.arst() >= 0).toList();
      int asyncMethods = (asyncFlops.size() + per - 1) / per;
      for (int c = 0; c < asyncMethods; c++) {
        List<Netlist.Flop> part = asyncFlops.subList(c * per, Math.min(asyncFlops.size(), (c + 1) * per));
        clb.withMethodBody("a" + c, MT_ASYNC, ClassFile.ACC_PRIVATE | ClassFile.ACC_STATIC, cob -> {
          // changed = 0; for each: if (active(arst) && v[q] != val) { v[q] = val; changed = 1; }
          cob.iconst_0().istore(1);
          for (Netlist.Flop f : part) {
            Label skip = cob.newLabel();
            active(cob, f.arst(), f.arstPol());
            cob.ifeq(skip);
            raw(cob, f.q());
            cob.loadConstant(f.arstVal()).if_icmpeq(skip);
            cob.aload(0).loadConstant(f.q()).loadConstant(f.arstVal()).iastore();
            cob.iconst_1().istore(1);
            cob.labelBinding(skip);
          }
          cob.iload(1).ireturn();
        });
      }
      clb.withMethodBody("async", MT_ASYNC, ClassFile.ACC_PUBLIC, cob -> {
        cob.iconst_0();
        for (int c = 0; c < asyncMethods; c++) cob.aload(1).invokestatic(self, "a" + c, MT_ASYNC).ior();
        cob.ireturn();
      });
      clb.withMethodBody("edge", MT_EDGE, ClassFile.ACC_PUBLIC, cob -> {
        for (int c = 0; c < flopChunks.size(); c++) cob.aload(1).aload(2).aload(3).invokestatic(self, "n" + c, MT_EDGE);
        for (int w = 0; w < writes.size(); w++) cob.aload(1).aload(2).aload(3).invokestatic(self, "w" + w, MT_EDGE);
        for (int c = 0; c < flopChunks.size(); c++) cob.aload(1).aload(2).aload(3).invokestatic(self, "q" + c, MT_EDGE);
        cob.return_();
      });
    });
    try {
      MethodHandles.Lookup hidden = MethodHandles.lookup().defineHiddenClass(bytes, true);
      return (CompiledCycle) hidden.findConstructor(hidden.lookupClass(), MethodType.methodType(void.class)).invoke();
    } catch (Throwable t) {
      throw new IllegalStateException("cannot load the compiled netlist evaluator: " + t, t);
    }
  }

  /** {@code x ^ 1} when {@code pol} is false: 1 when the control is active. */
  private static void active(CodeBuilder cob, int net, boolean pol) {
    raw(cob, net);
    if (!pol) cob.iconst_1().ixor();
  }

  /** Leaves {@code active ? val : x} on the stack, given {@code x} on it (0/1 values, branch-free). */
  private static void force(CodeBuilder cob, int net, boolean pol, int val) {
    active(cob, net, pol);
    if (val != 0) cob.ior();
    else
      cob.iconst_1().ixor().iand();
  }

  /** next[f] = the flop's value after the edge (the semantics of {@link FastEngine}'s interpreter). */
  private static void nextValue(CodeBuilder cob, Netlist.Flop f, int index) {
    cob.aload(2).loadConstant(index);
    if (f.ceOverSrst()) {
      // en ? (sr ? srVal : d) : q
      raw(cob, f.d());
      if (f.srst() >= 0) force(cob, f.srst(), f.srstPol(), f.srstVal());
      if (f.en() >= 0) hold(cob, f);
    } else {
      // sr ? srVal : en ? d : q
      raw(cob, f.d());
      if (f.en() >= 0) hold(cob, f);
      if (f.srst() >= 0) force(cob, f.srst(), f.srstPol(), f.srstVal());
    }
    if (f.arst() >= 0) force(cob, f.arst(), f.arstPol(), f.arstVal());
    cob.iastore();
  }

  /** Given {@code t} on the stack: {@code en ? t : q} = {@code q ^ ((q ^ t) & en)}. */
  private static void hold(CodeBuilder cob, Netlist.Flop f) {
    raw(cob, f.q());
    cob.ixor();
    active(cob, f.en(), f.enPol());
    cob.iand();
    raw(cob, f.q());
    cob.ixor();
  }

  /** One memory write port (static method body): mask, data, address, read-modify-write of the word. */
  private static void write(CodeBuilder cob, Netlist.Memory m, int mi, Netlist.WritePort w) {
    Loader ld = CycleCompiler::raw;
    int mask = 4, data = 6, addr = 8, words = 9;
    int[] en = w.en();
    boolean same = en.length > 0 && Arrays.stream(en).allMatch(x -> x == en[0]);
    if (same && en.length < 64) {
      raw(cob, en[0]);
      cob.ineg().i2l().loadConstant((1L << en.length) - 1).land();
    } else {
      gatherLong(cob, ld, en);
    }
    cob.lstore(mask);
    Label skip = cob.newLabel();
    cob.lload(mask).lconst_0().lcmp().ifeq(skip);
    gatherLong(cob, ld, w.data());
    cob.lstore(data);
    gatherInt(cob, ld, w.addr());
    if (m.offset() != 0) cob.loadConstant(m.offset()).isub();
    cob.istore(addr);
    cob.iload(addr).iflt(skip);
    cob.iload(addr).loadConstant(m.size()).if_icmpge(skip);
    cob.aload(1).loadConstant(mi).aaload().astore(words);
    // words[a] = (words[a] & ~mask) | (data & mask)
    cob.aload(words).iload(addr);
    cob.aload(words).iload(addr).laload().lload(mask).loadConstant(-1L).lxor().land();
    cob.lload(data).lload(mask).land().lor();
    cob.lastore();
    cob.labelBinding(skip);
    cob.return_();
  }

  private static void emit(CodeBuilder cob, Locals l, int[] code, int k, int memrd, Netlist nl,
      List<Levelizer.ReadRef> rps, boolean[] stored) {
    int op = code[k], y = code[k + 1], a = code[k + 2], b = code[k + 3], c = code[k + 4], d = code[k + 5];
    if (op == memrd) {
      Levelizer.ReadRef ref = rps.get(y);
      Netlist.Memory m = nl.memories().get(ref.mem());
      Netlist.ReadPort rp = m.readPorts().get(ref.port());
      Loader ld = (cb, net) -> value(cb, l, net);
      int addr = l.fresh(1), word = l.fresh(2);
      gatherInt(cob, ld, rp.addr());
      if (m.offset() != 0) cob.loadConstant(m.offset()).isub();
      cob.istore(addr);
      Label zero = cob.newLabel(), done = cob.newLabel();
      cob.iload(addr).iflt(zero);
      cob.iload(addr).loadConstant(m.size()).if_icmpge(zero);
      cob.aload(1).loadConstant(ref.mem()).aaload().iload(addr).laload().lstore(word).goto_(done);
      cob.labelBinding(zero);
      cob.lconst_0().lstore(word);
      cob.labelBinding(done);
      int[] data = rp.data();
      for (int bit = 0; bit < data.length; bit++) {
        cob.lload(word);
        if (bit > 0) cob.loadConstant(bit).lushr();
        cob.l2i().iconst_1().iand();
        result(cob, l, data[bit], stored);
      }
      return;
    }
    switch (op) {
      case 0 -> value(cob, l, a); // BUF
      case 1 -> { value(cob, l, a); cob.iconst_1().ixor(); } // NOT
      case 2 -> { value(cob, l, a); value(cob, l, b); cob.iand(); } // AND
      case 3 -> { value(cob, l, a); value(cob, l, b); cob.iand().iconst_1().ixor(); } // NAND
      case 4 -> { value(cob, l, a); value(cob, l, b); cob.ior(); } // OR
      case 5 -> { value(cob, l, a); value(cob, l, b); cob.ior().iconst_1().ixor(); } // NOR
      case 6 -> { value(cob, l, a); value(cob, l, b); cob.ixor(); } // XOR
      case 7 -> { value(cob, l, a); value(cob, l, b); cob.ixor().iconst_1().ixor(); } // XNOR
      case 8 -> { value(cob, l, a); value(cob, l, b); cob.iconst_1().ixor().iand(); } // ANDNOT
      case 9 -> { value(cob, l, a); value(cob, l, b); cob.iconst_1().ixor().ior(); } // ORNOT
      case 10, 11 -> { // MUX: a ^ ((a ^ b) & s)
        value(cob, l, a);
        value(cob, l, a);
        value(cob, l, b);
        cob.ixor();
        value(cob, l, c);
        cob.iand().ixor();
        if (op == 11) cob.iconst_1().ixor();
      }
      case 12 -> { value(cob, l, a); value(cob, l, b); cob.iand(); value(cob, l, c); cob.ior().iconst_1().ixor(); }
      case 13 -> { value(cob, l, a); value(cob, l, b); cob.ior(); value(cob, l, c); cob.iand().iconst_1().ixor(); }
      case 14 -> {
        value(cob, l, a);
        value(cob, l, b);
        cob.iand();
        value(cob, l, c);
        value(cob, l, d);
        cob.iand().ior().iconst_1().ixor();
      }
      case 15 -> {
        value(cob, l, a);
        value(cob, l, b);
        cob.ior();
        value(cob, l, c);
        value(cob, l, d);
        cob.ior().iand().iconst_1().ixor();
      }
      default -> throw new IllegalStateException("bad opcode " + op);
    }
    result(cob, l, y, stored);
  }

  /** Takes the value on the stack into a fresh local for {@code net}, and into {@code v} when the net is stored. */
  private static void result(CodeBuilder cob, Locals l, int net, boolean[] stored) {
    int s = l.fresh(1);
    l.slot[net] = s;
    cob.istore(s);
    if (stored[net]) cob.aload(0).loadConstant(net).iload(s).iastore();
  }
}
