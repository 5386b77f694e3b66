package io.cairn.hw.netlist;

import java.util.List;
import java.util.Map;

/**
 * A flattened, single-clock gate-level design loaded from a Yosys JSON netlist. Nets are dense
 * integers: 0 is constant 0, 1 is constant 1. Vectors are LSB first. Immutable.
 *
 * @param top        the top module name
 * @param netCount   number of nets (including the two constants)
 * @param inputs     input ports except the clock, in declaration order
 * @param outputs    output ports in declaration order
 * @param clock      the clock input port name, or null when the design has no state
 * @param clockNet   the clock net, or -1
 * @param gates      combinational gates (any order; engines levelise)
 * @param flops      flip-flops, in a fixed order that state files and engines share
 * @param memories   memories ($mem_v2) with asynchronous read ports
 * @param signals    public net names (Yosys netnames without hide_name) to their nets
 * @param hash       hex SHA-256 of the canonical structure: state never loads into another design
 */
public record Netlist(String top, int netCount, List<Port> inputs, List<Port> outputs, String clock,
    int clockNet, List<Gate> gates, List<Flop> flops, List<Memory> memories,
    Map<String, int[]> signals, String hash) {

  /** A top-level port. */
  public record Port(String name, int[] nets) {
    public int width() { return nets.length; }
  }

  /** A gate: {@code out = op(in...)}. */
  public record Gate(GateOp op, int[] in, int out, String name, String src) {}

  /**
   * A positive-edge flip-flop with optional enable, synchronous reset and asynchronous reset.
   * A control net of -1 means "absent". Polarity true = active high.
   *
   * @param stateName   the name used in state files (a public wire bit, like {@code pc[3]})
   * @param ceOverSrst  true for $_SDFFCE_ (reset only when enabled)
   */
  public record Flop(String name, String cellType, String stateName, String src, int d, int q,
      int en, boolean enPol, int srst, boolean srstPol, int srstVal, boolean ceOverSrst,
      int arst, boolean arstPol, int arstVal) {}

  /** A memory: {@code size} words of {@code width} bits (at most 64), addresses from {@code offset}. */
  public record Memory(String name, String cellName, String src, int width, int size, int offset,
      long[] init, List<ReadPort> readPorts, List<WritePort> writePorts) {
    /** The mask of a word. */
    public long mask() { return width == 64 ? -1L : (1L << width) - 1; }
  }

  /** An asynchronous read port: {@code data = mem[addr - offset]} (0 when out of range). */
  public record ReadPort(int[] addr, int[] data) {}

  /** A write port, active at the clock edge, with a per-bit enable; later ports win. */
  public record WritePort(int[] addr, int[] data, int[] en) {}

  /** The number of state bits (flip-flops plus memory bits). */
  public long stateBits() {
    long n = flops.size();
    for (Memory m : memories) n += (long) m.width() * m.size();
    return n;
  }

  /**
   * Resolves a signal name: exact, with or without a leading {@code <top>.} or {@code top.} prefix, or a bit select
   * {@code name[i]}. Returns the nets LSB first, or null.
   */
  public int[] signal(String name) {
    String n = name;
    if (!signals.containsKey(n) && n.startsWith(top + ".")) n = n.substring(top.length() + 1);
    else if (!signals.containsKey(n) && n.startsWith("top.")) n = n.substring(4);
    int[] nets = signals.get(n);
    if (nets != null) return nets;
    int lb = n.lastIndexOf('[');
    if (lb > 0 && n.endsWith("]")) {
      int[] base = signals.get(n.substring(0, lb));
      String idx = n.substring(lb + 1, n.length() - 1);
      if (base != null) {
        try {
          int colon = idx.indexOf(':');
          if (colon < 0) {
            int i = Integer.parseInt(idx.trim());
            return i >= 0 && i < base.length ? new int[]{base[i]} : null;
          }
          int hi = Integer.parseInt(idx.substring(0, colon).trim());
          int lo = Integer.parseInt(idx.substring(colon + 1).trim());
          if (lo < 0 || hi < lo || hi >= base.length) return null;
          return java.util.Arrays.copyOfRange(base, lo, hi + 1);
        } catch (NumberFormatException e) {
          return null;
        }
      }
    }
    return null;
  }
}
