package io.cairn.hw;

import io.cairn.hw.engine.FastEngine;
import io.cairn.hw.engine.Stimulus;
import io.cairn.hw.sim.EventSim;
import io.cairn.hw.sim.IverilogSim;
import io.cairn.hw.sim.SimResult;
import io.cairn.hw.state.HwState;
import io.cairn.hw.state.StateFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The benchmark behind {@code cairn hw bench} (not a test): fast-engine cycles per second next to
 * iverilog (and the event-level simulator) on the same netlist and stimuli in the same run, plus the
 * time to move state each way. The fast run's end state is checked against iverilog's.
 */
public final class Bench {
  private Bench() { }

  /** Measured numbers; iverilog fields are NaN when iverilog is not installed. */
  public record Result(String design, int gates, int flops, long stateBits, long fastCycles, double fastCps,
                       long ivCycles, double ivCps, double ivCompileSeconds, long eventCycles, double eventCps,
                       double moveToSimSeconds, double moveToFastSeconds, boolean statesAgree, double rtlCps, double laneCps) {
    public double speedup() { return fastCps / ivCps; }

    public String text() {
      return String.format(Locale.ROOT, """
          design %s: %d gates, %d flops, %d state bits
          fast engine : %,.0f cycles/s (%d cycles)
          64-lane engine: %,.0f lane-cycles/s (64 independent runs at once)
          iverilog    : %,.0f cycles/s (%d cycles, vvp run only; compile %.2f s)
          event sim   : %,.0f cycles/s (%d cycles)
          speedup fast/iverilog: %.1fx   fast/event: %.1fx
          iverilog RTL: %s
          move fast -> sim : %.3f s (readback, state file, testbench, iverilog compile, load, dump)
          move sim -> fast : %.4f s (parse and validate state file, load)
          end states agree (fast vs iverilog): %s""", design, gates, flops, stateBits, fastCps, fastCycles, laneCps, ivCps, ivCycles,
          ivCompileSeconds, eventCps, eventCycles, speedup(), fastCps / eventCps,
          Double.isNaN(rtlCps) ? "not measured (pass the RTL sources)" : String.format(Locale.ROOT, "%,.0f cycles/s on the Verilog source, fast/RTL: %.1fx", rtlCps, fastCps / rtlCps),
          moveToSimSeconds, moveToFastSeconds, statesAgree);
    }
  }

  /** @param rtl the Verilog sources, to also time iverilog on the RTL (empty: skip) */
  public static Result run(Hw.Design d, Stimulus stim, long fastCycles, long ivCycles, long eventCycles, java.util.List<Path> rtl,
                           Path work) throws IOException {
    var nl = d.netlist();
    HwState zero = HwState.initial(nl);
    // warm up the JIT, then measure
    FastEngine w = new FastEngine(nl);
    w.setStimulus(stim);
    w.run(Math.min(fastCycles, 200_000));
    FastEngine e = new FastEngine(nl);
    e.setStimulus(stim);
    long t0 = System.nanoTime();
    e.run(fastCycles);
    double fastS = (System.nanoTime() - t0) / 1e9;

    double ivCps = Double.NaN, compile = Double.NaN, toSim = Double.NaN;
    boolean agree = false;
    double rtlCps = Double.NaN;
    if (IverilogSim.available() && d.hasVerilog()) {
      IverilogSim iv = new IverilogSim(nl, d.verilog(), work);
      if (!rtl.isEmpty()) rtlCps = iv.rtlCyclesPerSecond(rtl, stim, ivCycles);
      long c0 = System.nanoTime();
      SimResult r = iv.run(zero, stim, ivCycles, null, false);
      double total = (System.nanoTime() - c0) / 1e9;
      ivCps = ivCycles / (iv.lastSimNanos() / 1e9);
      compile = total - iv.lastSimNanos() / 1e9;
      FastEngine check = new FastEngine(nl);
      check.setStimulus(stim);
      check.run(ivCycles);
      agree = check.state().sameContent(r.end());
      // move fast -> sim: readback + state file + load into iverilog (0 cycles: compile, load, dump)
      Path f = Files.createTempFile(work, "bench", ".state");
      long m0 = System.nanoTime();
      HwState s = check.state();
      StateFile.write(s, nl, f);
      HwState back = StateFile.read(f, nl);
      iv.run(back, stim, 0, null, false);
      toSim = (System.nanoTime() - m0) / 1e9;
      Files.deleteIfExists(f);
    }
    // move sim -> fast: parse + validate + load
    Path f = Files.createTempFile(work, "bench", ".state");
    StateFile.write(e.state(), nl, f);
    long m1 = System.nanoTime();
    FastEngine g = new FastEngine(nl);
    g.load(StateFile.read(f, nl));
    double toFast = (System.nanoTime() - m1) / 1e9;
    Files.deleteIfExists(f);

    io.cairn.hw.engine.Stimulus[] lanes = new io.cairn.hw.engine.Stimulus[io.cairn.hw.engine.LaneEngine.LANES];
    java.util.Arrays.fill(lanes, stim);
    io.cairn.hw.engine.LaneEngine le = new io.cairn.hw.engine.LaneEngine(nl, lanes);
    long laneCycles = Math.max(1, fastCycles / 16);
    le.run(Math.min(laneCycles, 20_000));
    long l0 = System.nanoTime();
    le.run(laneCycles);
    double laneCps = laneCycles * (double) io.cairn.hw.engine.LaneEngine.LANES / ((System.nanoTime() - l0) / 1e9);

    EventSim ev = new EventSim(nl);
    long e0 = System.nanoTime();
    ev.run(zero, stim, eventCycles, null, false);
    double evS = (System.nanoTime() - e0) / 1e9;
    return new Result(nl.top(), nl.gates().size(), nl.flops().size(), nl.stateBits(), fastCycles, fastCycles / fastS,
        ivCycles, ivCps, compile, eventCycles, eventCycles / evS, toSim, toFast, agree, rtlCps, laneCps);
  }
}
