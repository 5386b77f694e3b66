package io.cairn.hw;

import io.cairn.hw.engine.Breakpoint;
import io.cairn.hw.engine.FastEngine;
import io.cairn.hw.engine.Stimulus;
import io.cairn.hw.netlist.Netlist;
import io.cairn.hw.netlist.NetlistLoader;
import io.cairn.hw.sim.EventSim;
import io.cairn.hw.sim.IverilogSim;
import io.cairn.hw.sim.SimResult;
import io.cairn.hw.sim.Simulator;
import io.cairn.hw.state.HwState;
import io.cairn.hw.state.StateFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The hardware-debugging flow in a few calls (what {@code cairn hw} uses): load a synthesised
 * design, run it in the fast engine to a breakpoint, move its state into an observable simulator
 * (iverilog or Cairn's event-level one) and run on with waveforms, and move the simulator's state
 * back. Building blocks: {@link io.cairn.hw.netlist} (Yosys netlists), {@link io.cairn.hw.engine}
 * (fast engine, breakpoints, stimuli), {@link io.cairn.hw.sim} (simulators, VCD),
 * {@link io.cairn.hw.state} (state files), {@link io.cairn.hw.link} (StateLink).
 */
public final class Hw {
  private Hw() {}

  /** A synthesised design: the JSON netlist and, for iverilog, the Verilog netlist of the same run. */
  public record Design(Netlist netlist, Path json, Path verilog) {
    /** Whether the Verilog netlist exists (iverilog needs it). */
    public boolean hasVerilog() {
      return verilog != null && Files.isRegularFile(verilog);
    }
  }

  /**
   * Loads {@code json}; the Verilog netlist is {@code verilog} or, when null, {@code <name>_netlist.v}
   * next to the JSON (what {@code cairn hw synth} writes).
   */
  public static Design design(Path json, Path verilog) {
    Netlist nl = NetlistLoader.load(json);
    Path v = verilog;
    if (v == null) {
      String n = json.getFileName().toString();
      v = json.resolveSibling((n.endsWith(".json") ? n.substring(0, n.length() - 5) : n) + "_netlist.v");
    }
    return new Design(nl, json, v);
  }

  /** The outcome of a fast run: the state, outputs and requested signals at the stop cycle. */
  public record RunReport(HwState end, boolean hit, long cycles, double seconds, Map<String, Long> outputs,
      Map<String, Long> signals) {
    public double cyclesPerSecond() { return seconds > 0 ? cycles / seconds : 0; }
  }

  /** Runs the fast engine from {@code start} until {@code until} holds or {@code maxCycles} cycles ran. */
  public static RunReport runFast(Design d, HwState start, Stimulus stim, Breakpoint until, long maxCycles) {
    return runFast(d, start, stim, until, maxCycles, java.util.List.of());
  }

  /** Like {@link #runFast(Design, HwState, Stimulus, Breakpoint, long)}, also reporting the named signals. */
  public static RunReport runFast(Design d, HwState start, Stimulus stim, Breakpoint until, long maxCycles,
      java.util.List<String> show) {
    for (String n : show) {
      if (d.netlist().signal(n) == null)
        throw new IllegalArgumentException("no signal named " + n + " in design " + d.netlist().top());
    }
    FastEngine e = new FastEngine(d.netlist());
    e.load(start);
    e.setStimulus(stim);
    long t0 = System.nanoTime();
    boolean hit = e.run(until, maxCycles, null);
    double s = (System.nanoTime() - t0) / 1e9;
    Map<String, Long> outs = new LinkedHashMap<>();
    for (Netlist.Port p : d.netlist().outputs()) outs.put(p.name(), e.value(p.nets()));
    Map<String, Long> sigs = new LinkedHashMap<>();
    for (String n : show) sigs.put(n, e.value(n));
    return new RunReport(e.state(), hit, e.cycle() - start.cycle(), s, outs, sigs);
  }

  /** Which observable simulator to use. */
  public enum SimKind { IVERILOG, EVENT, AUTO }

  /** A simulator for {@code d}: iverilog when asked (or AUTO and installed), else the event-level one. */
  public static Simulator simulator(Design d, SimKind kind, Path workDir) {
    boolean iv = switch (kind) {
      case IVERILOG -> true;
      case EVENT -> false;
      case AUTO -> IverilogSim.available() && d.hasVerilog();
    };
    if (iv) {
      if (!IverilogSim.available())
        throw new IllegalStateException(
            "iverilog/vvp/yosys not installed (Debian packages iverilog, yosys); use --sim event");
      if (!d.hasVerilog())
        throw new IllegalStateException("no Verilog netlist " + d.verilog()
            + " for iverilog; synthesise with 'cairn hw synth' or pass --netlist-v");
      return new IverilogSim(d.netlist(), d.verilog(), workDir);
    }
    return new EventSim(d.netlist());
  }

  /** The outcome of a run in the simulator. */
  public record MoveReport(HwState end, String simulator, long cycles, double seconds) {}

  /** Moves {@code start} into a simulator and runs {@code cycles} cycles there, with a VCD when {@code vcd} is set. */
  public static MoveReport moveToSim(Design d, HwState start, Stimulus stim, long cycles, Path vcd, SimKind kind,
      Path work)
      throws IOException {
    return moveToSim(d, start, stim, cycles, vcd, kind, work, false);
  }

  /**
   * Like {@link #moveToSim(Design, HwState, Stimulus, long, Path, SimKind, Path)}; {@code publicWiresOnly}: the
   * iverilog VCD leaves out Yosys-internal {@code $} nets (the event simulator's VCD never has them).
   */
  public static MoveReport moveToSim(Design d, HwState start, Stimulus stim, long cycles, Path vcd, SimKind kind,
      Path work,
      boolean publicWiresOnly) throws IOException {
    Simulator sim = simulator(d, kind, work);
    if (sim instanceof IverilogSim iv) iv.publicWiresOnly(publicWiresOnly);
    long t0 = System.nanoTime();
    SimResult r = sim.run(start, stim, cycles, vcd, false);
    return new MoveReport(r.end(), sim.name(), cycles, (System.nanoTime() - t0) / 1e9);
  }

  /**
   * Outputs and named signals at the cycle of {@code s}, as a run stopped there reports them: the
   * state loaded into the fast engine, the inputs of that cycle applied, the logic settled.
   */
  public static RunReport valuesAt(Design d, HwState s, Stimulus stim, java.util.List<String> show) {
    return runFast(d, s, stim, null, 0, show);
  }

  /** Reads a state file for {@code d} (validated: version, netlist hash, names, checksum). */
  public static HwState readState(Design d, Path file) throws IOException {
    return StateFile.read(file, d.netlist());
  }

  /** Writes a state file for {@code d}. */
  public static void writeState(Design d, HwState s, Path file) throws IOException {
    StateFile.write(s, d.netlist(), file);
  }
}
