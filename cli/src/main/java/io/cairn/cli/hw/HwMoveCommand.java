package io.cairn.cli.hw;

import io.cairn.cli.core.Json;
import io.cairn.hw.Hw;
import io.cairn.hw.WorkDir;
import io.cairn.hw.engine.Stimulus;
import io.cairn.hw.state.HwState;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn hw move}: move a state into the simulator (and run with waveforms) or back into the fast engine. */
@Command(name = "move", mixinStandardHelpOptions = true, description = "Move a state: --to sim loads it into the observable simulator, runs --cycles with a VCD and saves the state "
    + "at the stop cycle; --to fast loads a (simulator's) state into the fast engine and runs on to --until.")
public final class HwMoveCommand implements Callable<Integer> {
  enum Target { sim, fast }

  @Parameters(index = "0", description = "the JSON netlist (from cairn hw synth)")
  Path design;

  @Option(names = "--to", required = true, description = "sim or fast")
  Target to;

  @Option(names = "--state", description = "the state file to move (default: reset state)")
  Path stateIn;

  @Option(names = "--cycles", description = "--to sim: cycles to simulate (default ${DEFAULT-VALUE})", defaultValue = "200")
  long cycles;

  @Option(names = "--vcd", description = "--to sim: waveform file (time is absolute: cycle c starts at 1 + 10c)")
  Path vcd;

  @Option(names = "--vcd-public-only", description = "--to sim with iverilog: leave Yosys-internal $ nets out of the VCD")
  boolean publicOnly;

  @Option(names = "--sim", description = "--to sim: iverilog, event or auto (default ${DEFAULT-VALUE})", defaultValue = "auto")
  Hw.SimKind sim;

  @Option(names = "--netlist-v", description = "the Verilog netlist for iverilog (default: <name>_netlist.v next to the JSON)")
  Path netlistV;

  @Option(names = "--until", description = "--to fast: stop condition (default: --max-cycles)")
  String until;

  @Option(names = "--max-cycles", description = "--to fast: give up after this many cycles (default ${DEFAULT-VALUE})", defaultValue = "100000000")
  long maxCycles;

  @Option(names = "--save-state", description = "write the state at the stop cycle here")
  Path stateOut;

  @Option(names = "--json", description = "print the result as JSON")
  boolean json;

  @Option(names = "--show", split = ",", description = "signals to print at the stop cycle (--to sim: computed from the simulator's end state)")
  java.util.List<String> show = new java.util.ArrayList<>();

  @Mixin
  StimOptions stim;

  @Mixin
  CheckpointOptions ckpt;

  @Override
  public Integer call() throws Exception {
    return HwErrors.guard("move", this::move);
  }

  private int move() throws Exception {
    Hw.Design d = Hw.design(design, netlistV);
    if (to == Target.fast && (vcd != null || publicOnly))
      throw new IllegalArgumentException("--vcd/--vcd-public-only are for --to sim");
    if (to == Target.sim && until != null)
      throw new IllegalArgumentException("--until is for --to fast; --to sim runs --cycles");
    HwState start = ckpt.load(d);
    if (start == null) start = stateIn == null ? HwState.initial(d.netlist()) : Hw.readState(d, stateIn);
    if (to == Target.fast) return HwRunCommand.run(d, start, until, maxCycles, stateOut, stim, ckpt, show, json);
    for (String n : show)
      if (d.netlist().signal(n) == null)
        throw new IllegalArgumentException("no signal named " + n + " in design " + d.netlist().top());
    Stimulus s = stim.stimulus(d.netlist());
    try (WorkDir work = WorkDir.create("cairn-hw")) {
      Hw.MoveReport r = Hw.moveToSim(d, start, s, cycles, vcd, sim, work.path(), publicOnly);
      if (stateOut != null) Hw.writeState(d, r.end(), stateOut);
      long version = ckpt.save(d, r.end());
      Hw.RunReport at = Hw.valuesAt(d, r.end(), s, show);
      if (json) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("design", d.netlist().top());
        m.put("simulator", r.simulator());
        m.put("startCycle", start.cycle());
        m.put("cycle", r.end().cycle());
        m.put("seconds", r.seconds());
        m.put("outputs", at.outputs());
        m.put("signals", at.signals());
        m.put("vcd", vcd == null ? null : vcd.toString());
        m.put("state", stateOut == null ? null : stateOut.toString());
        m.put("checkpointVersion", version < 0 ? null : version);
        System.out.println(Json.write(m));
      } else {
        System.out.printf("%s: moved state of cycle %d into %s, simulated %d cycles to cycle %d in %.2f s%n",
            d.netlist().top(),
            start.cycle(), r.simulator(), cycles, r.end().cycle(), r.seconds());
        HwRunCommand.printValues(at.outputs(), at.signals());
        if (vcd != null) System.out.println("  waveforms: " + vcd + " (t = 1 + 10 * cycle)");
        if (stateOut != null) System.out.println("  state at cycle " + r.end().cycle() + " saved to " + stateOut);
        if (version >= 0)
          System.out.println("  state stored as Cairn checkpoint version " + version + " in " + ckpt.save);
      }
      return 0;
    }
  }
}
