package io.cairn.hw.engine;

import io.cairn.hw.netlist.Netlist;

/**
 * The values of the data inputs (every input but the clock) for each cycle. A stimulus is a pure
 * function of the cycle number, so a run moved to another engine at cycle N continues with exactly
 * the inputs it would have seen.
 */
@FunctionalInterface
public interface Stimulus {
  /** The value of input {@code port} (index {@code index} in {@link Netlist#inputs()}) in {@code cycle}. */
  long value(long cycle, int index, Netlist.Port port);

  /** All inputs 0. */
  static Stimulus zero() { return (c, i, p) -> 0; }
}
