package io.cairn.cli.hw;

import io.cairn.hw.engine.RandomStimulus;
import io.cairn.hw.engine.Stimulus;
import io.cairn.hw.netlist.Netlist;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** Input options shared by the hw commands: seeded random inputs, reset, fixed values. */
public final class StimOptions {
  @Option(names = "--seed", description = "seed of the random input values (default ${DEFAULT-VALUE})", defaultValue = "1")
  long seed;

  @Option(names = "--reset-cycles", description = "cycles with the reset inputs active at the start (default 1); an error when the design has no reset input")
  Integer resetCycles;

  @Option(names = "--reset-every", description = "afterwards, assert reset with probability 1/N per cycle (0: never; default ${DEFAULT-VALUE})", defaultValue = "0")
  int resetEvery;

  @Option(names = "--reset", description = "the reset input(s) NAME[=ACTIVE-LEVEL] (repeatable; level 0 or 1, default from the name: 0 for rst_n, "
      + "resetn, rst_ni...); 'none': the design has no reset. Default: the 1-bit inputs whose names look like resets "
      + "(rst, reset, rst_n, rst_ni, resetn, aresetn, nreset, sys_rst_n, ...)")
  List<String> reset = new ArrayList<>();

  @Option(names = "--set", description = "hold an input at a value, e.g. --set go=1 (repeatable)")
  Map<String, String> set = new LinkedHashMap<>();

  /** A user error in these options (the command prints the message, no stack trace). */
  static final class BadInput extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    BadInput(String m) { super(m); }
  }

  /** The stimulus for a design with these inputs; checks every name; warns on stderr when no reset is known. */
  Stimulus stimulus(String design, List<Netlist.Port> inputs) {
    Map<String, Netlist.Port> byName = new LinkedHashMap<>();
    for (Netlist.Port p : inputs) byName.put(p.name(), p);
    Map<String, Long> fixed = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : set.entrySet()) {
      if (!byName.containsKey(e.getKey())) {
        throw new BadInput(
            "--set " + e.getKey() + "=" + e.getValue() + ": design " + design + " has no input named '" + e.getKey()
                + "' (inputs: " + String.join(", ", byName.keySet()) + "; the clock and outputs cannot be set)");
      }
      long v;
      try {
        v = io.cairn.hw.engine.Breakpoint.parseValue(e.getValue());
      } catch (RuntimeException ex) {
        throw new BadInput("--set " + e.getKey() + "=" + e.getValue()
            + ": not a value (decimal, 0x.., or a Verilog literal like 8'hff)");
      }
      fixed.put(e.getKey(), v);
    }
    Map<String, Integer> resets;
    boolean none = reset.size() == 1 && reset.getFirst().equals("none");
    if (none) {
      resets = Map.of();
    } else if (!reset.isEmpty()) {
      resets = new LinkedHashMap<>();
      for (String r : reset) {
        String name = r.contains("=") ? r.substring(0, r.indexOf('=')) : r;
        Netlist.Port p = byName.get(name);
        if (p == null) {
          throw new BadInput("--reset " + r + ": design " + design + " has no input named '" + name + "' (inputs: "
              + String.join(", ", byName.keySet()) + ")");
        }
        if (p.width() != 1)
          throw new BadInput("--reset " + r + ": input " + name + " is " + p.width() + " bits wide; a reset is 1 bit");
        int level = RandomStimulus.activeLevel(name);
        if (r.contains("=")) {
          String l = r.substring(r.indexOf('=') + 1);
          if (!l.equals("0") && !l.equals("1"))
            throw new BadInput("--reset " + r + ": the active level must be 0 or 1");
          level = Integer.parseInt(l);
        }
        resets.put(name, level);
      }
    } else {
      resets = RandomStimulus.detectResets(inputs);
    }
    if (resets.isEmpty() && !none) {
      String msg = "design " + design
          + " has no input recognised as a reset (names like rst, reset, rst_n, rst_ni, resetn, aresetn, "
          + "nreset, sys_rst_n); inputs: " + String.join(", ", byName.keySet());
      if (resetCycles != null || resetEvery > 0) {
        throw new BadInput(
            "--reset-cycles/--reset-every given but " + msg + ". Name the reset with --reset NAME[=ACTIVE-LEVEL]");
      }
      System.err
          .println("cairn hw: warning: " + msg + "; every input is random from cycle 0. Name the reset with --reset "
              + "NAME[=ACTIVE-LEVEL], or say --reset none");
    } else if (none && (resetCycles != null || resetEvery > 0)) {
      throw new BadInput("--reset none contradicts --reset-cycles/--reset-every");
    }
    return new RandomStimulus(seed, resetCycles == null ? 1 : resetCycles, resetEvery, fixed, resets);
  }

  /** The stimulus for {@code nl}'s inputs. */
  Stimulus stimulus(Netlist nl) { return stimulus(nl.top(), nl.inputs()); }

  /** What the stimulus drives, for reports: the resets and held inputs. */
  static String describe(Stimulus s) {
    if (!(s instanceof RandomStimulus r)) return "custom stimulus";
    List<String> parts = new ArrayList<>();
    parts.add("seed " + r.seed());
    if (r.resets() != null && !r.resets().isEmpty()) {
      List<String> rs = new ArrayList<>();
      r.resets().forEach((k, v) -> rs.add(k + "=" + v));
      parts.add("reset " + String.join(",", rs) + " active for " + r.resetCycles() + " cycle(s)"
          + (r.resetEvery() > 0 ? " then with probability 1/" + r.resetEvery() : " then never"));
    } else {
      parts.add("no reset");
    }
    if (!r.fixed().isEmpty()) parts.add("held " + r.fixed());
    parts.add("other inputs random");
    return String.join("; ", parts);
  }
}
