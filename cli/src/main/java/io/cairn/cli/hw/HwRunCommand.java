package io.cairn.cli.hw;

import io.cairn.cli.core.Json;
import io.cairn.hw.Hw;
import io.cairn.hw.engine.Breakpoint;
import io.cairn.hw.state.HwState;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn hw run}: the fast engine to a breakpoint. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Run a design in the fast engine to a breakpoint (--until 'cycle=100000' or "
        + "--until 'top.pc==32''h100') and optionally save the state there (a versioned state file or a Cairn checkpoint).")
public final class HwRunCommand implements Callable<Integer> {
  @Parameters(index = "0", description = "the JSON netlist (from cairn hw synth)") Path design;

  @Option(names = "--until", description = "stop condition: cycle=N, or signals: 'pc==32''h100 && cycle>10' (default: --max-cycles)")
  String until;

  @Option(names = "--max-cycles", description = "give up after this many cycles (default ${DEFAULT-VALUE})", defaultValue = "100000000")
  long maxCycles;

  @Option(names = "--state", description = "start from this state file instead of reset state") Path stateIn;

  @Option(names = "--save-state", description = "write the state at the stop cycle here") Path stateOut;

  @Option(names = "--json", description = "print the result as JSON") boolean json;

  @Option(names = "--show", split = ",", description = "signals to print at the stop cycle, e.g. --show pc,regs_we,u.rx.shift")
  java.util.List<String> show = new java.util.ArrayList<>();

  @Mixin StimOptions stim;

  @Mixin CheckpointOptions ckpt;

  @Override public Integer call() throws Exception {
    Hw.Design d = Hw.design(design, null);
    HwState start = ckpt.load(d);
    if (start == null) start = stateIn == null ? HwState.initial(d.netlist()) : Hw.readState(d, stateIn);
    return run(d, start, until, maxCycles, stateOut, stim, ckpt, show, json);
  }

  static int run(Hw.Design d, HwState start, String until, long maxCycles, Path stateOut, StimOptions stim, CheckpointOptions ckpt,
                 java.util.List<String> show, boolean json) throws Exception {
    Breakpoint bp = until == null ? null : Breakpoint.parse(until, d.netlist());
    Hw.RunReport r = Hw.runFast(d, start, stim.stimulus(), bp, maxCycles, show);
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
          bp == null ? "stopped" : r.hit() ? "breakpoint '" + until + "' hit" : "breakpoint not hit", r.end().cycle(), r.cycles(),
          r.seconds(), r.cyclesPerSecond());
      r.outputs().forEach((k, v) -> System.out.printf("  %s = 0x%x%n", k, v));
      r.signals().forEach((k, v) -> System.out.printf("  %s = 0x%x%n", k, v));
      if (stateOut != null) System.out.println("  state saved to " + stateOut);
      if (version >= 0) System.out.println("  state stored as Cairn checkpoint version " + version + " in " + ckpt.save);
    }
    return bp != null && !r.hit() ? 2 : 0;
  }
}
