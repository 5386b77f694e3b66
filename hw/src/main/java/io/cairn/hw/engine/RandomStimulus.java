package io.cairn.hw.engine;

import io.cairn.hw.netlist.Netlist;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Seeded pseudo-random inputs, computed from (seed, cycle, input) by a mixing function, so any cycle
 * can be produced without replaying earlier ones. Reset inputs are held at their active level for
 * the first {@code resetCycles} cycles and afterwards asserted with probability {@code 1/resetEvery}
 * ({@code resetEvery <= 0}: never). Inputs in {@code fixed} always get that value.
 *
 * <p>Which inputs are resets: {@code resets} (input name to active level, 0 or 1) when it is not
 * null; otherwise every 1-bit input whose name {@link #isReset looks like a reset}, with the level
 * {@link #activeLevel} derives from the name.
 */
public record RandomStimulus(long seed, int resetCycles, int resetEvery, Map<String, Long> fixed,
    Map<String, Integer> resets)
    implements
      Stimulus {

  public RandomStimulus {
    fixed = Map.copyOf(fixed);
    resets = resets == null ? null : Map.copyOf(resets);
  }

  /** Resets found by name. */
  public RandomStimulus(long seed, int resetCycles, int resetEvery, Map<String, Long> fixed) {
    this(seed, resetCycles, resetEvery, fixed, null);
  }

  /** Random data, reset held for the first cycle only. */
  public static RandomStimulus of(long seed) {
    return new RandomStimulus(seed, 1, 0, Map.of());
  }

  private static final java.util.regex.Pattern RESET_WORD = java.util.regex.Pattern.compile("n?[as]?(rst|reset)n?");
  private static final java.util.Set<String> LOW_SUFFIX = java.util.Set.of("n", "ni", "b", "l", "bar", "neg");
  private static final java.util.Set<String> OTHER_SUFFIX = java.util.Set.of("i", "in", "pad", "async", "sync");

  private static String[] words(String name) {
    // flattened names may carry a hierarchy (u.rst_n); only the last part counts
    String n = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
    return n.split("[^a-z0-9]+");
  }

  private static int resetWord(String[] w) {
    for (int i = w.length - 1; i >= 0; i--) {
      if (RESET_WORD.matcher(w[i]).matches()) {
        for (int j = i + 1; j < w.length; j++)
          if (!LOW_SUFFIX.contains(w[j]) && !OTHER_SUFFIX.contains(w[j])) return -1;
        return i;
      }
    }
    return -1;
  }

  /**
   * Whether an input name looks like a reset: one word (words are separated by {@code _} or other
   * non-alphanumerics) is {@code rst} or {@code reset}, optionally with {@code a}/{@code s} before it
   * (aresetn, srst) and {@code n} before or after it (nreset, rstn, aresetn), and only polarity or
   * direction words follow it ({@code n ni b l bar neg i in pad async sync}). So {@code rst},
   * {@code reset}, {@code rst_n}, {@code rst_ni}, {@code resetn}, {@code aresetn}, {@code nreset},
   * {@code sys_rst_n}, {@code core_reset_i} are resets; {@code reset_done}, {@code cs_n} are not.
   */
  public static boolean isReset(String name) {
    return resetWord(words(name)) >= 0;
  }

  /**
   * The active level of a reset by its name: 0 when the reset word starts or ends with {@code n}
   * (nreset, resetn) or a following word is {@code n ni b l bar neg} (rst_n, rst_ni, por_b); else 1.
   */
  public static int activeLevel(String name) {
    String[] w = words(name);
    int i = resetWord(w);
    if (i < 0) {
      return w.length > 0 && LOW_SUFFIX.contains(w[w.length - 1]) ? 0 : 1;
    }
    if (w[i].startsWith("n") || w[i].endsWith("n")) return 0;
    for (int j = i + 1; j < w.length; j++) if (LOW_SUFFIX.contains(w[j])) return 0;
    return 1;
  }

  /** The resets among {@code inputs} found by name (1-bit inputs only), with their active levels. */
  public static Map<String, Integer> detectResets(List<Netlist.Port> inputs) {
    Map<String, Integer> r = new LinkedHashMap<>();
    for (Netlist.Port p : inputs) if (p.width() == 1 && isReset(p.name())) r.put(p.name(), activeLevel(p.name()));
    return r;
  }

  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  private Integer level(Netlist.Port port) {
    if (resets != null) return resets.get(port.name());
    return port.width() == 1 && isReset(port.name()) ? activeLevel(port.name()) : null;
  }

  @Override
  public long value(long cycle, int index, Netlist.Port port) {
    Long f = fixed.get(port.name());
    long mask = port.width() >= 64 ? -1L : (1L << port.width()) - 1;
    if (f != null) return f & mask;
    long r = mix(seed * 0x9e3779b97f4a7c15L + mix(cycle * 0x632be59bd9b4e019L + index + 1));
    Integer level = level(port);
    if (level != null) {
      boolean active = cycle < resetCycles || (resetEvery > 0 && Long.remainderUnsigned(r, resetEvery) == 0);
      return active ? level : 1 - level;
    }
    return r & mask;
  }

  /** The same values as {@link #value} for fixed ports, with the per-port lookups done once (the engine's hot path). */
  Bound bind(Netlist.Port[] ports) {
    int n = ports.length;
    long[] fixedValue = new long[n], mask = new long[n];
    boolean[] isFixed = new boolean[n];
    int[] lvl = new int[n];
    for (int i = 0; i < n; i++) {
      Long f = fixed.get(ports[i].name());
      mask[i] = ports[i].width() >= 64 ? -1L : (1L << ports[i].width()) - 1;
      isFixed[i] = f != null;
      fixedValue[i] = f != null ? f & mask[i] : 0;
      Integer l = f != null ? null : level(ports[i]);
      lvl[i] = l == null ? -1 : l;
    }
    return new Bound(seed, resetCycles, resetEvery, isFixed, fixedValue, mask, lvl);
  }

  /** {@link #value} with the port lookups precomputed; {@code level[i] < 0}: not a reset. */
  record Bound(long seed, int resetCycles, int resetEvery, boolean[] isFixed, long[] fixedValue, long[] mask,
      int[] level) {
    long value(long cycle, int index) {
      if (isFixed[index]) return fixedValue[index];
      long r = mix(seed * 0x9e3779b97f4a7c15L + mix(cycle * 0x632be59bd9b4e019L + index + 1));
      int l = level[index];
      if (l >= 0) {
        boolean active = cycle < resetCycles || (resetEvery > 0 && Long.remainderUnsigned(r, resetEvery) == 0);
        return active ? l : 1 - l;
      }
      return r & mask[index];
    }
  }
}
