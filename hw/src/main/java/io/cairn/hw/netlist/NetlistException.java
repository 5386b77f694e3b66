package io.cairn.hw.netlist;

/** A netlist that Cairn cannot load, with what and where (cell name, Yosys {@code src}). */
public final class NetlistException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public NetlistException(String message) { super(message); }

  public NetlistException(String message, Throwable cause) { super(message, cause); }
}
