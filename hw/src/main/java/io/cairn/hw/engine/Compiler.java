package io.cairn.hw.engine;

import static java.lang.constant.ConstantDescs.CD_Object;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_void;
import static java.lang.constant.ConstantDescs.INIT_NAME;
import static java.lang.constant.ConstantDescs.MTD_void;

import java.lang.classfile.ClassFile;
import java.lang.classfile.CodeBuilder;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Compiles the levelised instruction array into JVM bytecode (one straight-line statement per gate,
 * e.g. {@code v[12] = v[7] & v[9];}, in methods of at most {@link #CHUNK} gates so the JIT compiles
 * them), loaded as a hidden class. Memory read ports call back into the engine.
 */
final class Compiler {
  static final int CHUNK = 300;
  private static final ClassDesc CD_ENGINE = ClassDesc.of(FastEngine.class.getName());
  private static final ClassDesc CD_EVAL = ClassDesc.of(CompiledEval.class.getName());

  private Compiler() { }

  /** What the generated class implements. */
  interface CompiledEval {
    void eval(int[] v, FastEngine e);
  }

  /** The 64-lane variant: each long holds one net in 64 independent runs. */
  interface CompiledLaneEval {
    void eval(long[] v, LaneEngine e);
  }

  static CompiledEval compile(int[] code, int memrdOp) {
    return (CompiledEval) compile(code, memrdOp, false);
  }

  static CompiledLaneEval compileLanes(int[] code, int memrdOp) {
    return (CompiledLaneEval) compile(code, memrdOp, true);
  }

  private static Object compile(int[] code, int memrdOp, boolean wide) {
    ClassDesc self = ClassDesc.of(Compiler.class.getPackageName() + (wide ? ".GeneratedLaneEval" : ".GeneratedEval"));
    ClassDesc owner = wide ? ClassDesc.of(LaneEngine.class.getName()) : CD_ENGINE;
    MethodTypeDesc chunkType = MethodTypeDesc.of(CD_void, (wide ? java.lang.constant.ConstantDescs.CD_long : CD_int).arrayType(), owner);
    int n = code.length / 6;
    int chunks = (n + CHUNK - 1) / CHUNK;
    byte[] bytes = ClassFile.of().build(self, clb -> {
      clb.withFlags(ClassFile.ACC_PUBLIC | ClassFile.ACC_FINAL);
      clb.withInterfaceSymbols(wide ? ClassDesc.of(CompiledLaneEval.class.getName()) : CD_EVAL);
      clb.withMethodBody(INIT_NAME, MTD_void, ClassFile.ACC_PUBLIC,
          cob -> cob.aload(0).invokespecial(CD_Object, INIT_NAME, MTD_void).return_());
      for (int c = 0; c < chunks; c++) {
        final int from = c * CHUNK, to = Math.min(n, from + CHUNK);
        clb.withMethodBody("c" + c, chunkType, ClassFile.ACC_PRIVATE | ClassFile.ACC_STATIC, cob -> {
          for (int i = from; i < to; i++) {
            if (wide) emitWide(cob, code, i * 6, memrdOp, owner);
            else emit(cob, code, i * 6, memrdOp);
          }
          cob.return_();
        });
      }
      clb.withMethodBody("eval", chunkType, ClassFile.ACC_PUBLIC, cob -> {
        for (int c = 0; c < chunks; c++) cob.aload(1).aload(2).invokestatic(self, "c" + c, chunkType);
        cob.return_();
      });
    });
    try {
      MethodHandles.Lookup hidden = MethodHandles.lookup().defineHiddenClass(bytes, true);
      return hidden.findConstructor(hidden.lookupClass(), MethodType.methodType(void.class)).invoke();
    } catch (Throwable t) {
      throw new IllegalStateException("cannot load the compiled netlist evaluator: " + t, t);
    }
  }

  private static void loadL(CodeBuilder cob, int net) {
    cob.aload(0).loadConstant(net).laload();
  }

  private static void notL(CodeBuilder cob) {
    cob.loadConstant(-1L).lxor();
  }

  /** Same operations on 64 lanes: bitwise on longs, NOT is xor with all ones. */
  private static void emitWide(CodeBuilder cob, int[] code, int k, int memrdOp, ClassDesc owner) {
    int op = code[k], y = code[k + 1], a = code[k + 2], b = code[k + 3], c = code[k + 4], d = code[k + 5];
    if (op == memrdOp) {
      cob.aload(1).loadConstant(y).invokevirtual(owner, "readPort", MethodTypeDesc.of(CD_void, CD_int));
      return;
    }
    cob.aload(0).loadConstant(y);
    switch (op) {
      case 0 -> loadL(cob, a);
      case 1 -> { loadL(cob, a); notL(cob); }
      case 2 -> { loadL(cob, a); loadL(cob, b); cob.land(); }
      case 3 -> { loadL(cob, a); loadL(cob, b); cob.land(); notL(cob); }
      case 4 -> { loadL(cob, a); loadL(cob, b); cob.lor(); }
      case 5 -> { loadL(cob, a); loadL(cob, b); cob.lor(); notL(cob); }
      case 6 -> { loadL(cob, a); loadL(cob, b); cob.lxor(); }
      case 7 -> { loadL(cob, a); loadL(cob, b); cob.lxor(); notL(cob); }
      case 8 -> { loadL(cob, a); loadL(cob, b); notL(cob); cob.land(); }
      case 9 -> { loadL(cob, a); loadL(cob, b); notL(cob); cob.lor(); }
      case 10, 11 -> {
        loadL(cob, a); loadL(cob, a); loadL(cob, b); cob.lxor(); loadL(cob, c); cob.land().lxor();
        if (op == 11) notL(cob);
      }
      case 12 -> { loadL(cob, a); loadL(cob, b); cob.land(); loadL(cob, c); cob.lor(); notL(cob); }
      case 13 -> { loadL(cob, a); loadL(cob, b); cob.lor(); loadL(cob, c); cob.land(); notL(cob); }
      case 14 -> { loadL(cob, a); loadL(cob, b); cob.land(); loadL(cob, c); loadL(cob, d); cob.land().lor(); notL(cob); }
      case 15 -> { loadL(cob, a); loadL(cob, b); cob.lor(); loadL(cob, c); loadL(cob, d); cob.lor().land(); notL(cob); }
      default -> throw new IllegalStateException("bad opcode " + op);
    }
    cob.lastore();
  }

  private static void load(CodeBuilder cob, int net) {
    cob.aload(0).loadConstant(net).iaload();
  }

  private static void emit(CodeBuilder cob, int[] code, int k, int memrdOp) {
    int op = code[k], y = code[k + 1], a = code[k + 2], b = code[k + 3], c = code[k + 4], d = code[k + 5];
    if (op == memrdOp) {
      cob.aload(1).loadConstant(y).invokevirtual(CD_ENGINE, "readPort", MethodTypeDesc.of(CD_void, CD_int));
      return;
    }
    cob.aload(0).loadConstant(y);
    switch (op) {
      case 0 -> load(cob, a);                                                      // BUF
      case 1 -> { load(cob, a); cob.iconst_1().ixor(); }                           // NOT
      case 2 -> { load(cob, a); load(cob, b); cob.iand(); }                         // AND
      case 3 -> { load(cob, a); load(cob, b); cob.iand().iconst_1().ixor(); }       // NAND
      case 4 -> { load(cob, a); load(cob, b); cob.ior(); }                          // OR
      case 5 -> { load(cob, a); load(cob, b); cob.ior().iconst_1().ixor(); }        // NOR
      case 6 -> { load(cob, a); load(cob, b); cob.ixor(); }                         // XOR
      case 7 -> { load(cob, a); load(cob, b); cob.ixor().iconst_1().ixor(); }       // XNOR
      case 8 -> { load(cob, a); load(cob, b); cob.iconst_1().ixor().iand(); }       // ANDNOT
      case 9 -> { load(cob, a); load(cob, b); cob.iconst_1().ixor().ior(); }        // ORNOT
      case 10, 11 -> {                                                             // MUX: a ^ ((a ^ b) & s)
        load(cob, a); load(cob, a); load(cob, b); cob.ixor(); load(cob, c); cob.iand().ixor();
        if (op == 11) cob.iconst_1().ixor();
      }
      case 12 -> { load(cob, a); load(cob, b); cob.iand(); load(cob, c); cob.ior().iconst_1().ixor(); }   // AOI3
      case 13 -> { load(cob, a); load(cob, b); cob.ior(); load(cob, c); cob.iand().iconst_1().ixor(); }   // OAI3
      case 14 -> { load(cob, a); load(cob, b); cob.iand(); load(cob, c); load(cob, d); cob.iand().ior().iconst_1().ixor(); }
      case 15 -> { load(cob, a); load(cob, b); cob.ior(); load(cob, c); load(cob, d); cob.ior().iand().iconst_1().ixor(); }
      default -> throw new IllegalStateException("bad opcode " + op);
    }
    cob.iastore();
  }
}
