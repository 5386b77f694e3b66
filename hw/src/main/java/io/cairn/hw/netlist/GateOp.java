package io.cairn.hw.netlist;

/** The fine gate cells Cairn evaluates, with their Yosys cell type and input ports (output is Y). */
public enum GateOp {
  BUF("$_BUF_", "A"), NOT("$_NOT_", "A"), AND("$_AND_", "A", "B"), NAND("$_NAND_", "A", "B"), OR("$_OR_", "A",
      "B"), NOR("$_NOR_", "A", "B"), XOR("$_XOR_", "A", "B"), XNOR("$_XNOR_", "A", "B"), ANDNOT("$_ANDNOT_", "A",
          "B"), ORNOT("$_ORNOT_", "A", "B"), MUX("$_MUX_", "A", "B", "S"), NMUX("$_NMUX_", "A", "B",
              "S"), AOI3("$_AOI3_", "A", "B", "C"), OAI3("$_OAI3_", "A", "B",
                  "C"), AOI4("$_AOI4_", "A", "B", "C", "D"), OAI4("$_OAI4_", "A", "B", "C", "D");

  public final String cellType;
  final String[] inputs;

  GateOp(String cellType, String... inputs) { this.cellType = cellType; this.inputs = inputs; }

  /** The number of inputs. */
  public int arity() { return inputs.length; }

  /** Evaluates on 0/1 (or bit-parallel) values; unused inputs are ignored. */
  public int eval(int a, int b, int c, int d) {
    return switch (this) {
      case BUF -> a;
      case NOT -> a ^ 1;
      case AND -> a & b;
      case NAND -> (a & b) ^ 1;
      case OR -> a | b;
      case NOR -> (a | b) ^ 1;
      case XOR -> a ^ b;
      case XNOR -> a ^ b ^ 1;
      case ANDNOT -> a & (b ^ 1);
      case ORNOT -> a | (b ^ 1);
      case MUX -> c != 0 ? b : a;
      case NMUX -> (c != 0 ? b : a) ^ 1;
      case AOI3 -> ((a & b) | c) ^ 1;
      case OAI3 -> ((a | b) & c) ^ 1;
      case AOI4 -> ((a & b) | (c & d)) ^ 1;
      case OAI4 -> ((a | b) & (c | d)) ^ 1;
    };
  }

  static GateOp ofCellType(String type) {
    for (GateOp g : values()) if (g.cellType.equals(type)) return g;
    return null;
  }
}
