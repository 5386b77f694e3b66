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
 * Compiles the levelised instruction array of the 64-lane engine into JVM bytecode (one
 * straight-line statement per gate, e.g. {@code v[12] = v[7] & v[9];}, in methods of at most
 * {@link #CHUNK} gates so the JIT compiles them), loaded as a hidden class. Memory read ports call
 * back into the engine. The single-run engine uses {@link CycleCompiler}.
 */
final class Compiler {
  static final int CHUNK = 300;

  private Compiler() {}

  /** The 64-lane variant: each long holds one net in 64 independent runs. */
  interface CompiledLaneEval {
    void eval(long[] v, LaneEngine e);
  }

  static CompiledLaneEval compileLanes(int[] code, int memrdOp) {
    return (CompiledLaneEval) compile(code, memrdOp, true);
  }

  private static Object compile(int[] code, int memrdOp, boolean wide) {
    ClassDesc self = ClassDesc.of(Compiler.class.getPackageName() + (wide ? ".GeneratedLaneEval" : ".GeneratedEval"));
    ClassDesc owner = ClassDesc.of(LaneEngine.class.getName());
    MethodTypeDesc chunkType = MethodTypeDesc.of(CD_void, java.lang.constant.ConstantDescs.CD_long.arrayType(), owner);
    int n = code.length / 6;
    int chunks = (n + CHUNK - 1) / CHUNK;
    byte[] bytes = ClassFile.of().build(self, clb -> {
      clb.withFlags(ClassFile.ACC_PUBLIC | ClassFile.ACC_FINAL);
      clb.withInterfaceSymbols(ClassDesc.of(CompiledLaneEval.class.getName()));
      clb.withMethodBody(INIT_NAME, MTD_void, ClassFile.ACC_PUBLIC,
          cob -> cob.aload(0).invokespecial(CD_Object, INIT_NAME, MTD_void).return_());
      for (int c = 0; c < chunks; c++) {
        final int from = c * CHUNK, to = Math.min(n, from + CHUNK);
        clb.withMethodBody("c" + c, chunkType, ClassFile.ACC_PRIVATE | ClassFile.ACC_STATIC, cob -> {
          for (int i = from; i < to; i++) {
            emitWide(cob, code, i * 6, memrdOp, owner);
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
        loadL(cob, a);
        loadL(cob, a);
        loadL(cob, b);
        cob.lxor();
        loadL(cob, c);
        cob.land().lxor();
        if (op == 11) notL(cob);
      }
      case 12 -> { loadL(cob, a); loadL(cob, b); cob.land(); loadL(cob, c); cob.lor(); notL(cob); }
      case 13 -> { loadL(cob, a); loadL(cob, b); cob.lor(); loadL(cob, c); cob.land(); notL(cob); }
      case 14 ->
        { loadL(cob, a); loadL(cob, b); cob.land(); loadL(cob, c); loadL(cob, d); cob.land().lor(); notL(cob); }
      case 15 -> { loadL(cob, a); loadL(cob, b); cob.lor(); loadL(cob, c); loadL(cob, d); cob.lor().land(); notL(cob); }
      default -> throw new IllegalStateException("bad opcode " + op);
    }
    cob.lastore();
  }
}
