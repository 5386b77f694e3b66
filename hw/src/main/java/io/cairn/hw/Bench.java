package io.cairn.hw;

import io.cairn.hw.engine.FastEngine;
import io.cairn.hw.engine.LaneEngine;
import io.cairn.hw.engine.Stimulus;
import io.cairn.hw.netlist.Netlist;
import io.cairn.hw.netlist.NetlistLoader;
import io.cairn.hw.sim.EventSim;
import io.cairn.hw.sim.IverilogSim;
import io.cairn.hw.sim.SimResult;
import io.cairn.hw.sim.Verilator;
import io.cairn.hw.state.HwState;
import io.cairn.hw.state.StateFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The benchmark behind {@code cairn hw bench} (not a test): in one run, on the same netlist and the
 * same inputs, cycles per second of the fast engine, the 64-lane engine, Verilator (optional, with
 * its build time), iverilog and Cairn's event simulator, iverilog on the RTL sources (start-up
 * subtracted), the fast engine's load time, and the time to move state each way. Every engine
 * starts from the design's initial state with the same stimulus; iverilog's and Verilator's results
 * are checked against the fast engine. A peer that fails is reported with its error and the
 * others are still measured.
 */
public final class Bench {
  private Bench() {}

  /**
   * What to run. {@code ivCycles == 0}: as many as fit in {@code ivSeconds} (measured on a short run first).
   * {@code repeats}: how many times the fast engine and Verilator run, alternating (fast, Verilator, fast, ...),
   * each run from the initial state with the same inputs; their figures are the medians.
   */
  public record Options(long fastCycles, long ivCycles, double ivSeconds, long eventCycles, List<Path> rtl,
      long rtlCycles,
      boolean verilator, long verilatorCycles, int jobs, String stimulus, int repeats) {
    public Options {
      rtl = List.copyOf(rtl);
      if (repeats < 1) throw new IllegalArgumentException("--repeats must be at least 1, not " + repeats);
    }
  }

  /**
   * The alternating runs: cycles/s of each fast-engine run and of each Verilator run (empty when
   * Verilator did not run), in the order they ran; fast run i came just before Verilator run i.
   */
  public record Alternation(double[] fast, double[] verilator) {
    public Alternation {
      fast = fast.clone();
      verilator = verilator.clone();
    }

    /** fast[i] / verilator[i] for each pair. */
    public double[] ratios() {
      double[] r = new double[verilator.length];
      for (int i = 0; i < r.length; i++) r[i] = fast[i] / verilator[i];
      return r;
    }

    /** The median (the mean of the middle two for an even count); NaN when empty. */
    public static double median(double[] x) {
      if (x.length == 0) return Double.NaN;
      double[] s = x.clone();
      java.util.Arrays.sort(s);
      return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static double min(double[] x) { return java.util.Arrays.stream(x).min().orElse(Double.NaN); }

    static double max(double[] x) { return java.util.Arrays.stream(x).max().orElse(Double.NaN); }
  }

  /** One peer's figure: cycles/s over {@code cycles}, or why it is missing. */
  public record Figure(String engine, long cycles, double cyclesPerSecond, double prepareSeconds, String prepare,
      Boolean agrees, String note) {
    public boolean measured() { return !Double.isNaN(cyclesPerSecond); }

    static Figure missing(String engine, String why) {
      return new Figure(engine, 0, Double.NaN, Double.NaN, "", null, why);
    }
  }

  /** Measured numbers. */
  public record Result(String design, int gates, int flops, long stateBits, String stimulus, double loadSeconds,
      List<Figure> figures,
      double moveToSimSeconds, double moveToFastSeconds, Alternation alternation, double loadAverageBefore,
      double loadAverageAfter, int cpus) {
    public Figure figure(String engine) {
      return figures.stream().filter(f -> f.engine().equals(engine)).findFirst()
          .orElse(Figure.missing(engine, "not run"));
    }

    public double fastCps() { return figure("fast engine").cyclesPerSecond(); }

    /** Whether some peer failed or disagreed with the fast engine. */
    public boolean anyFailure() {
      return figures.stream()
          .anyMatch(f -> Boolean.FALSE.equals(f.agrees()) || (!f.measured() && f.note().startsWith("FAILED")));
    }

    /** The header of {@link #markdownRow}'s table (two lines). */
    public static String markdownHeader() {
      return "| design | fast engine (median) | fast load | Verilator (median) | Verilator build | fast / Verilator: median (min-max, pairs) "
          + "| load average (CPUs) | 64 lanes (lane-cycles/s) | iverilog, same netlist | iverilog RTL | event sim |\n"
          + "|---|---|---|---|---|---|---|---|---|---|---|\n";
    }

    /** This run as one row of a markdown table (cycles/s; "-" where a peer did not run). */
    public String markdownRow() {
      double[] q = alternation.ratios();
      Figure vl = figure("verilator");
      String ratio = q.length == 0
          ? "-"
          : String.format(Locale.ROOT, "**%.2fx** (%.2f-%.2fx, %d)", Alternation.median(q), Alternation.min(q),
              Alternation.max(q), q.length);
      return String.format(Locale.ROOT,
          "| %s (%d gates, %d flops, %d state bits) | %s | %.2f s | %s | %s | %s | %.1f-%.1f (%d) | %s | %s | %s | %s |%n",
          design, gates, flops, stateBits, si(fastCps()), loadSeconds, si(vl.cyclesPerSecond()),
          vl.measured() ? String.format(Locale.ROOT, "%.0f s", vl.prepareSeconds()) : "-", ratio, loadAverageBefore,
          loadAverageAfter, cpus,
          si(figure("64-lane engine").cyclesPerSecond()), si(figure("iverilog").cyclesPerSecond()),
          si(figure("iverilog RTL").cyclesPerSecond()),
          si(figure("event sim").cyclesPerSecond()));
    }

    private static String si(double x) {
      if (Double.isNaN(x)) return "-";
      if (x >= 1e6) return String.format(Locale.ROOT, "%.2f M", x / 1e6);
      if (x >= 1e3) return String.format(Locale.ROOT, "%.0f k", x / 1e3);
      return String.format(Locale.ROOT, "%.0f", x);
    }

    public String text() {
      StringBuilder b = new StringBuilder();
      b.append(String.format(Locale.ROOT, "design %s: %d gates, %d flops, %d state bits%n", design, gates, flops,
          stateBits));
      b.append("simulated: every engine from the design's initial state (cycle 0), the same inputs: ").append(stimulus)
          .append('\n');
      b.append(String.format(Locale.ROOT, "machine: %d CPUs, load average %.1f at the start, %.1f at the end%n", cpus,
          loadAverageBefore,
          loadAverageAfter));
      b.append(String.format(Locale.ROOT,
          "fast engine load: %.3f s (JSON netlist parsed, levelised, compiled to bytecode)%n", loadSeconds));
      double fast = fastCps();
      for (Figure f : figures) {
        if (!f.measured()) {
          b.append(String.format(Locale.ROOT, "%-15s: %s%n", f.engine(), f.note()));
          continue;
        }
        b.append(String.format(Locale.ROOT, "%-15s: %,14.0f cycles/s over %,d cycles", f.engine(), f.cyclesPerSecond(),
            f.cycles()));
        if (!f.engine().equals("fast engine") && !f.engine().equals("64-lane engine")) {
          b.append(String.format(Locale.ROOT, "   fast/this: %.2fx", fast / f.cyclesPerSecond()));
        }
        if (!Double.isNaN(f.prepareSeconds()))
          b.append(String.format(Locale.ROOT, "   %s %.2f s", f.prepare(), f.prepareSeconds()));
        if (f.agrees() != null) b.append(f.agrees() ? "   agrees with fast" : "   DISAGREES with fast");
        if (!f.note().isEmpty()) b.append("   (").append(f.note()).append(')');
        b.append('\n');
      }
      double[] fr = alternation.fast(), vr = alternation.verilator();
      if (vr.length > 0) {
        double[] q = alternation.ratios();
        b.append(String.format(Locale.ROOT,
            "fast / verilator: median %.2fx, min %.2fx, max %.2fx over %d alternating pairs of runs (fast, verilator, fast, ...)%n",
            Alternation.median(q), Alternation.min(q), Alternation.max(q), q.length));
      }
      b.append("  fast engine runs (cycles/s):");
      for (double x : fr) b.append(String.format(Locale.ROOT, " %,.0f", x));
      b.append('\n');
      if (vr.length > 0) {
        b.append("  verilator runs (cycles/s):  ");
        for (double x : vr) b.append(String.format(Locale.ROOT, " %,.0f", x));
        b.append('\n');
      }
      b.append(String.format(Locale.ROOT, "move fast -> sim: %s%n",
          Double.isNaN(moveToSimSeconds)
              ? "not measured (iverilog missing or failed)"
              : String.format(Locale.ROOT, "%.3f s (readback, state file, testbench, iverilog compile, load, dump)",
                  moveToSimSeconds)));
      b.append(String.format(Locale.ROOT, "move sim -> fast: %.4f s (parse and validate state file, load)",
          moveToFastSeconds));
      return b.toString();
    }
  }

  private static String failure(Throwable e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    m = m.strip();
    return "FAILED: " + (m.length() > 600 ? m.substring(0, 600) + "..." : m);
  }

  /** The fast engine's outputs of the last cycle, and every cycle's outputs hashed as the Verilator driver does. */
  private static long[] outputsBeforeEdge(Netlist nl, Stimulus stim, long cycles, long[] hash) {
    FastEngine e = new FastEngine(nl);
    e.setStimulus(stim);
    long h = Verilator.HASH_START;
    long[] r = new long[nl.outputs().size()];
    for (long k = 0; k < cycles; k++) {
      e.settle();
      for (int i = 0; i < r.length; i++) {
        r[i] = e.value(nl.outputs().get(i).nets());
        h = Verilator.hash(h, r[i]);
      }
      if (k < cycles - 1) e.edge();
    }
    hash[0] = h;
    return r;
  }

  /** Runs the benchmark; {@code progress} gets one line before each phase (what runs, how many cycles). */
  public static Result run(Hw.Design d, Stimulus stim, Options o, Path work, Consumer<String> progress)
      throws IOException {
    // load: what a debug loop pays before the first cycle (parse, levelise, compile)
    long l0 = System.nanoTime();
    Netlist nl = NetlistLoader.load(d.json());
    new FastEngine(nl);
    double load = (System.nanoTime() - l0) / 1e9;
    nl = d.netlist();
    HwState zero = HwState.initial(nl);
    List<Figure> figs = new ArrayList<>();

    double loadBefore = loadAverage();
    // the fast engine, warmed up once; every timed run starts from the initial state (load), same inputs
    progress.accept(
        String.format(Locale.ROOT, "fast engine: JIT warm-up of %,d cycles", Math.min(o.fastCycles(), 200_000)));
    FastEngine e = new FastEngine(nl);
    e.setStimulus(stim);
    e.run(Math.min(o.fastCycles(), 200_000));
    // Verilator built before the timed runs, so its runs can alternate with the fast engine's
    Verilator.Built built = null;
    Figure verilatorMissing = null;
    Path vd = work.resolve("verilator");
    if (!o.verilator()) {
      verilatorMissing = Figure.missing("verilator", "not run (--no-verilator)");
    } else if (!Verilator.available()) {
      verilatorMissing = Figure.missing("verilator", "not installed (Debian package verilator): skipped");
    } else if (!d.hasVerilog()) {
      verilatorMissing = Figure.missing("verilator", "no Verilog netlist " + d.verilog());
    } else if (Verilator.unsupported(nl) != null) {
      verilatorMissing = Figure.missing("verilator", "skipped: " + Verilator.unsupported(nl));
    } else {
      progress.accept(String.format(Locale.ROOT,
          "verilator: building the netlist (can take minutes), %,d cycles of inputs", o.verilatorCycles()));
      try {
        built = Verilator.build(nl, d.verilog(), stim, o.verilatorCycles(), vd, o.jobs());
      } catch (IOException | RuntimeException ex) {
        verilatorMissing = Figure.missing("verilator", failure(ex));
        WorkDir.deleteTree(vd);
      }
    }
    double[] fastRuns = new double[o.repeats()];
    List<Verilator.Result> vruns = new ArrayList<>();
    try {
      for (int r = 0; r < o.repeats(); r++) {
        progress.accept(
            String.format(Locale.ROOT, "run %d of %d: fast engine %,d cycles%s", r + 1, o.repeats(), o.fastCycles(),
                built != null ? String.format(Locale.ROOT, ", then verilator %,d cycles", o.verilatorCycles()) : ""));
        e.load(zero);
        long t0 = System.nanoTime();
        e.run(o.fastCycles());
        fastRuns[r] = o.fastCycles() / ((System.nanoTime() - t0) / 1e9);
        if (built != null) vruns.add(built.run());
      }
    } catch (IOException | RuntimeException ex) {
      verilatorMissing = Figure.missing("verilator", failure(ex));
      vruns.clear();
    } finally {
      if (built != null) WorkDir.deleteTree(vd);
    }
    double[] vlRuns = vruns.stream().mapToDouble(Verilator.Result::cyclesPerSecond).toArray();
    Alternation alt = new Alternation(fastRuns, vlRuns);
    figs.add(new Figure("fast engine", o.fastCycles(), Alternation.median(fastRuns), Double.NaN, "", null,
        o.repeats() > 1
            ? String.format(Locale.ROOT, "median of %d runs, %,.0f to %,.0f", o.repeats(), Alternation.min(fastRuns),
                Alternation.max(fastRuns))
            : ""));

    long laneCycles = Math.max(1, o.fastCycles() / 16);
    progress.accept(String.format(Locale.ROOT, "64-lane engine: %,d cycles x 64 lanes", laneCycles));
    Stimulus[] lanes = new Stimulus[LaneEngine.LANES];
    java.util.Arrays.fill(lanes, stim);
    LaneEngine le = new LaneEngine(nl, lanes);
    le.run(Math.min(laneCycles, 20_000));
    long lt = System.nanoTime();
    le.run(laneCycles);
    figs.add(new Figure("64-lane engine", laneCycles,
        laneCycles * (double) LaneEngine.LANES / ((System.nanoTime() - lt) / 1e9), Double.NaN, "",
        null, "lane-cycles/s: 64 runs at once"));

    if (verilatorMissing != null) {
      figs.add(verilatorMissing);
    } else {
      Verilator.Result v = vruns.get(0);
      long[] hash = new long[1];
      long[] mine = outputsBeforeEdge(nl, stim, o.verilatorCycles(), hash);
      boolean agree = vruns.stream()
          .allMatch(x -> java.util.Arrays.equals(x.outputs(), mine) && x.outputHash() == hash[0]);
      StringBuilder diff = new StringBuilder();
      for (int i = 0; i < mine.length; i++) {
        if (mine[i] != v.outputs()[i]) {
          diff.append(String.format(Locale.ROOT, "; %s: verilator 0x%x, fast 0x%x", nl.outputs().get(i).name(),
              v.outputs()[i], mine[i]));
        }
      }
      figs.add(new Figure("verilator", v.cycles(), Alternation.median(vlRuns), v.buildSeconds(), "build", agree,
          "every cycle's outputs compared (hashed)"
              + (vlRuns.length > 1
                  ? String.format(Locale.ROOT, "; median of %d runs, %,.0f to %,.0f", vlRuns.length,
                      Alternation.min(vlRuns),
                      Alternation.max(vlRuns))
                  : "")
              + (!agree ? "; the outputs differ in some cycle" : "") + diff));
    }

    double toSim = Double.NaN;
    if (!IverilogSim.available()) {
      figs.add(Figure.missing("iverilog", "not installed (Debian package iverilog): skipped"));
    } else if (!d.hasVerilog()) {
      figs.add(Figure.missing("iverilog", "no Verilog netlist " + d.verilog()));
    } else {
      IverilogSim iv = new IverilogSim(nl, d.verilog(), work);
      try {
        long ivCycles = o.ivCycles();
        String note = "";
        if (ivCycles <= 0) {
          progress.accept("iverilog: 100 cycles to size the run");
          iv.run(zero, stim, 100, null, false);
          double cps = 100 / Math.max(iv.lastSimNanos() / 1e9, 1e-6);
          ivCycles = Math.max(100, Math.min(1_000_000, (long) (cps * o.ivSeconds())));
          note = String.format(Locale.ROOT, "%,d cycles fit in about %.0f s", ivCycles, o.ivSeconds());
        }
        progress.accept(String.format(Locale.ROOT, "iverilog (netlist): %,d cycles", ivCycles));
        long c0 = System.nanoTime();
        SimResult r = iv.run(zero, stim, ivCycles, null, false);
        double total = (System.nanoTime() - c0) / 1e9;
        double simS = iv.lastSimNanos() / 1e9;
        FastEngine check = new FastEngine(nl);
        check.setStimulus(stim);
        check.run(ivCycles);
        boolean agree = check.state().sameContent(r.end());
        figs.add(new Figure("iverilog", ivCycles, ivCycles / simS, total - simS, "compile", agree,
            note.isEmpty() ? "end state compared" : "end state compared; " + note));
        // move fast -> sim: readback + state file + load into iverilog (0 cycles: compile, load, dump)
        progress.accept("move fast -> iverilog");
        Path f = Files.createTempFile(work, "bench", ".state");
        long m0 = System.nanoTime();
        StateFile.write(check.state(), nl, f);
        iv.run(StateFile.read(f, nl), stim, 0, null, false);
        toSim = (System.nanoTime() - m0) / 1e9;
        Files.deleteIfExists(f);
      } catch (IOException | RuntimeException ex) {
        figs.add(Figure.missing("iverilog", failure(ex)));
      }
      if (!o.rtl().isEmpty()) {
        progress.accept(String.format(Locale.ROOT, "iverilog (RTL source): 0 and %,d cycles", o.rtlCycles()));
        try {
          double cps = iv.rtlCyclesPerSecond(o.rtl(), stim, o.rtlCycles());
          figs.add(new Figure("iverilog RTL", o.rtlCycles(), cps, Double.NaN, "", null,
              "the Verilog source, not the netlist; start-up subtracted"));
        } catch (IOException | RuntimeException ex) {
          figs.add(Figure.missing("iverilog RTL", failure(ex)));
        }
      } else {
        figs.add(Figure.missing("iverilog RTL", "not measured (pass --rtl with the sources)"));
      }
    }

    progress.accept(String.format(Locale.ROOT, "event simulator: %,d cycles", o.eventCycles()));
    EventSim ev = new EventSim(nl);
    long e0 = System.nanoTime();
    ev.run(zero, stim, o.eventCycles(), null, false);
    figs.add(new Figure("event sim", o.eventCycles(), o.eventCycles() / ((System.nanoTime() - e0) / 1e9), Double.NaN,
        "", null, ""));

    // move sim -> fast: parse + validate + load
    Path f = Files.createTempFile(work, "bench", ".state");
    StateFile.write(e.state(), nl, f);
    long m1 = System.nanoTime();
    FastEngine g = new FastEngine(nl);
    g.load(StateFile.read(f, nl));
    double toFast = (System.nanoTime() - m1) / 1e9;
    Files.deleteIfExists(f);
    return new Result(nl.top(), nl.gates().size(), nl.flops().size(), nl.stateBits(), o.stimulus(), load, figs, toSim,
        toFast, alt,
        loadBefore, loadAverage(), Runtime.getRuntime().availableProcessors());
  }

  /** The system's one-minute load average, NaN where the platform has none. */
  static double loadAverage() {
    double l = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    return l < 0 ? Double.NaN : l;
  }
}
