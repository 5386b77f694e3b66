package io.cairn.cli.hw;

import io.cairn.cli.core.Json;
import io.cairn.hw.Hw;
import io.cairn.hw.engine.Breakpoint;
import io.cairn.hw.engine.LaneEngine;
import io.cairn.hw.engine.RandomStimulus;
import io.cairn.hw.engine.Stimulus;
import io.cairn.hw.netlist.Netlist;
import io.cairn.hw.state.HwState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn hw run}: the fast engine to a breakpoint. */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run a design in the fast engine to a breakpoint (--until 'cycle=100000' or "
    + "--until 'top.pc==32''h100') and optionally save the state there (a versioned state file or a Cairn checkpoint). "
    + "--lanes runs 64 seeds at once in the bit-parallel engine.")
public final class HwRunCommand implements Callable<Integer> {
  @Parameters(index = "0", description = "the JSON netlist (from cairn hw synth)")
  Path design;

  @Option(names = "--until", description = "stop condition: cycle=N, or signals: 'pc==32''h100 && cycle>10' (default: --max-cycles)")
  String until;

  @Option(names = "--max-cycles", description = "give up after this many cycles (default ${DEFAULT-VALUE})", defaultValue = "100000000")
  long maxCycles;

  @Option(names = "--state", description = "start from this state file instead of reset state")
  Path stateIn;

  @Option(names = "--save-state", description = "write the state at the stop cycle here")
  Path stateOut;

  @Option(names = "--json", description = "print the result as JSON")
  boolean json;

  @Option(names = "--show", split = ",", description = "signals to print at the stop cycle, e.g. --show pc,regs_we,u.rx.shift")
  java.util.List<String> show = new java.util.ArrayList<>();

  @Option(names = "--lanes", description = "run 64 independent runs at once in the bit-parallel engine, seeds --seed .. --seed+63, "
      + "from reset state for --max-cycles (or --until cycle=N); lane k equals a single run with --seed (seed+k)")
  boolean lanes;

  @Option(names = "--lane-states", description = "with --lanes: write each lane's end state to DIR/lane<k>.state")
  Path laneStates;

  @Mixin
  StimOptions stim;

  @Mixin
  CheckpointOptions ckpt;

  @Override
  public Integer call() throws Exception {
    return HwErrors.guard("run", () -> {
      Hw.Design d = Hw.design(design, null);
      if (lanes) return runLanes(d);
      if (laneStates != null) throw new IllegalArgumentException("--lane-states needs --lanes");
      HwState start = ckpt.load(d);
      if (start == null) start = stateIn == null ? HwState.initial(d.netlist()) : Hw.readState(d, stateIn);
      return run(d, start, until, maxCycles, stateOut, stim, ckpt, show, json);
    });
  }

  private int runLanes(Hw.Design d) throws Exception {
    if (stateIn != null || ckpt.from != null)
      throw new IllegalArgumentException(
          "--lanes starts every lane from reset state: --state/--from-checkpoint cannot be used");
    if (stateOut != null || ckpt.save != null)
      throw new IllegalArgumentException("--lanes: use --lane-states DIR to save the 64 end states");
    long cycles = maxCycles;
    if (until != null) {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\s*cycle\\s*==?\\s*(\\d+)\\s*").matcher(until);
      if (!m.matches())
        throw new IllegalArgumentException(
            "--lanes runs a fixed number of cycles: --until must be cycle=N (got '" + until + "')");
      cycles = Long.parseLong(m.group(1));
    }
    Netlist nl = d.netlist();
    for (String n : show)
      if (nl.signal(n) == null) throw new IllegalArgumentException("no signal named " + n + " in design " + nl.top());
    RandomStimulus base = (RandomStimulus) stim.stimulus(nl);
    Stimulus[] st = new Stimulus[LaneEngine.LANES];
    for (int l = 0; l < st.length; l++)
      st[l] = new RandomStimulus(base.seed() + l, base.resetCycles(), base.resetEvery(), base.fixed(), base.resets());
    LaneEngine e = new LaneEngine(nl, st);
    long t0 = System.nanoTime();
    e.run(cycles);
    e.settle();
    double s = (System.nanoTime() - t0) / 1e9;
    if (laneStates != null) {
      Files.createDirectories(laneStates);
      for (int l = 0; l < st.length; l++) Hw.writeState(d, e.state(l), laneStates.resolve("lane" + l + ".state"));
    }
    java.util.List<Map<String, Object>> rows = new java.util.ArrayList<>();
    for (int l = 0; l < st.length; l++) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("lane", l);
      row.put("seed", base.seed() + l);
      for (Netlist.Port p : nl.outputs()) row.put(p.name(), e.value(l, p.nets()));
      for (String n : show) if (!row.containsKey(n)) row.put(n, e.value(l, nl.signal(n)));
      rows.add(row);
    }
    double lcps = s > 0 ? cycles * (double) LaneEngine.LANES / s : 0;
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("design", nl.top());
      m.put("lanes", LaneEngine.LANES);
      m.put("cycle", cycles);
      m.put("seconds", s);
      m.put("laneCyclesPerSecond", lcps);
      m.put("results", rows);
      m.put("laneStates", laneStates == null ? null : laneStates.toString());
      System.out.println(Json.write(m));
    } else {
      System.out.printf("%s: %d lanes (seeds %d..%d) ran %d cycles each in %.3f s (%,.0f lane-cycles/s)%n", nl.top(),
          LaneEngine.LANES,
          base.seed(), base.seed() + LaneEngine.LANES - 1, cycles, s, lcps);
      for (Map<String, Object> row : rows) {
        StringBuilder b = new StringBuilder("  lane " + row.get("lane") + " (seed " + row.get("seed") + "):");
        row.forEach((k, v) -> {
          if (!k.equals("lane") && !k.equals("seed"))
            b.append(' ').append(k).append("=0x").append(Long.toHexString((Long) v));
        });
        System.out.println(b);
      }
      if (laneStates != null) System.out.println("  end states: " + laneStates + "/lane<k>.state");
    }
    return 0;
  }

  static int run(Hw.Design d, HwState start, String until, long maxCycles, Path stateOut, StimOptions stim,
      CheckpointOptions ckpt,
      java.util.List<String> show, boolean json) throws Exception {
    Breakpoint bp = until == null ? null : Breakpoint.parse(until, d.netlist());
    Stimulus s = stim.stimulus(d.netlist());
    Hw.RunReport r = Hw.runFast(d, start, s, bp, maxCycles, show);
    if (stateOut != null) Hw.writeState(d, r.end(), stateOut);
    long version = ckpt.save(d, r.end());
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("design", d.netlist().top());
      m.put("startCycle", start.cycle());
      m.put("cycle", r.end().cycle());
      m.put("breakpoint", until);
      m.put("hit", r.hit());
      m.put("seconds", r.seconds());
      m.put("cyclesPerSecond", r.cyclesPerSecond());
      m.put("outputs", r.outputs());
      m.put("signals", r.signals());
      m.put("state", stateOut == null ? null : stateOut.toString());
      m.put("checkpointVersion", version < 0 ? null : version);
      System.out.println(Json.write(m));
    } else {
      System.out.printf("%s: %s at cycle %d (%d cycles in %.3f s, %,.0f cycles/s)%n", d.netlist().top(),
          bp == null ? "stopped" : r.hit() ? "breakpoint '" + until + "' hit" : "breakpoint not hit", r.end().cycle(),
          r.cycles(),
          r.seconds(), r.cyclesPerSecond());
      printValues(r.outputs(), r.signals());
      if (stateOut != null) System.out.println("  state saved to " + stateOut);
      if (version >= 0)
        System.out.println("  state stored as Cairn checkpoint version " + version + " in " + ckpt.save);
    }
    return bp != null && !r.hit() ? 2 : 0;
  }

  /** Outputs, then the --show signals that are not outputs (each name once). */
  static void printValues(Map<String, Long> outputs, Map<String, Long> signals) {
    outputs.forEach((k, v) -> System.out.printf("  %s = 0x%x%n", k, v));
    signals.forEach((k, v) -> { if (!outputs.containsKey(k)) System.out.printf("  %s = 0x%x%n", k, v); });
  }
}
