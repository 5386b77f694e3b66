package io.cairn.hw.engine;

import io.cairn.hw.netlist.Netlist;
import java.util.Map;

/**
 * Seeded pseudo-random inputs, computed from (seed, cycle, input) by a mixing function, so any cycle
 * can be produced without replaying earlier ones. Reset inputs (named {@code rst}, {@code reset},
 * or ending in {@code _rst}/{@code _reset}; active high unless the name ends in {@code _n} or {@code n})
 * are held active for the first {@code resetCycles} cycles and afterwards asserted with probability
 * {@code 1/resetEvery} ({@code resetEvery <= 0}: never). Inputs in {@code fixed} always get that value.
 */
public record RandomStimulus(long seed, int resetCycles, int resetEvery, Map<String, Long> fixed) implements Stimulus {

  public RandomStimulus {
    fixed = Map.copyOf(fixed);
  }

  /** Random data, reset held for the first cycle only. */
  public static RandomStimulus of(long seed) { return new RandomStimulus(seed, 1, 0, Map.of()); }

  /** Whether an input name looks like a reset. */
  public static boolean isReset(String name) {
    String n = name.toLowerCase(java.util.Locale.ROOT);
    return n.equals("rst") || n.equals("reset") || n.equals("rst_n") || n.equals("rstn") || n.equals("reset_n")
        || n.endsWith("_rst") || n.endsWith("_reset");
  }

  private static boolean activeLow(String name) {
    String n = name.toLowerCase(java.util.Locale.ROOT);
    return n.endsWith("_n") || n.equals("rstn");
  }

  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  @Override public long value(long cycle, int index, Netlist.Port port) {
    Long f = fixed.get(port.name());
    long mask = port.width() >= 64 ? -1L : (1L << port.width()) - 1;
    if (f != null) return f & mask;
    long r = mix(seed * 0x9e3779b97f4a7c15L + mix(cycle * 0x632be59bd9b4e019L + index + 1));
    if (isReset(port.name()) && port.width() == 1) {
      boolean active = cycle < resetCycles || (resetEvery > 0 && Long.remainderUnsigned(r, resetEvery) == 0);
      return active ^ activeLow(port.name()) ? 1 : 0;
    }
    return r & mask;
  }
}
