package io.cairn.cli.hw;

import io.cairn.cli.core.Json;
import io.cairn.hw.Bench;
import io.cairn.hw.Hw;
import io.cairn.internal.util.Svg;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn hw bench}: fast engine vs Verilator, iverilog and the event simulator, and state move times, in one run. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmark, in one run on the same netlist and inputs: fast-engine cycles/s next to Verilator (when installed, with "
    + "its build time), iverilog and Cairn's event simulator, the fast engine's load time, and state move times. Progress goes to stderr.")
public final class HwBenchCommand implements Callable<Integer> {
  @Parameters(index = "0", description = "the JSON netlist (from cairn hw synth)")
  Path design;

  @Option(names = "--cycles", description = "fast-engine cycles (default ${DEFAULT-VALUE})", defaultValue = "2000000")
  long fastCycles;

  @Option(names = "--iverilog-cycles", description = "iverilog cycles on the netlist (default: as many as fit in --iverilog-seconds)")
  long ivCycles;

  @Option(names = "--iverilog-seconds", description = "time budget of the iverilog run when --iverilog-cycles is not given (default ${DEFAULT-VALUE})", defaultValue = "10")
  double ivSeconds;

  @Option(names = "--event-cycles", description = "event-simulator cycles (default ${DEFAULT-VALUE})", defaultValue = "100000")
  long evCycles;

  @Option(names = "--rtl-cycles", description = "iverilog cycles on the RTL sources (default ${DEFAULT-VALUE})", defaultValue = "200000")
  long rtlCycles;

  @Option(names = "--no-verilator", description = "do not build and run Verilator (it is run when installed; its build can take minutes)")
  boolean noVerilator;

  @Option(names = "--verilator-cycles", description = "Verilator cycles (default: --cycles, at most 2,000,000)")
  Long vlCycles;

  @Option(names = "--repeats", description = "timed runs of the fast engine and of Verilator, alternating (fast, Verilator, fast, ...), each "
      + "from the initial state; figures are medians, the ratio is reported per pair (default ${DEFAULT-VALUE})", defaultValue = "5")
  int repeats;

  @Option(names = "--jobs", description = "parallel C++ compile jobs for Verilator (default ${DEFAULT-VALUE})", defaultValue = "2")
  int jobs;

  @Option(names = "--svg", description = "write a bar chart of cycles/s here")
  Path svg;

  @Option(names = "--rtl", split = ",", description = "Verilog sources of the design (or a .f list): also time iverilog on the RTL")
  java.util.List<Path> rtl = new java.util.ArrayList<>();

  @Option(names = "--json", description = "print the result as JSON")
  boolean json;

  @Option(names = "--markdown", description = "print the result as a markdown table (header and one row; the table in docs/hardware-debug.md)")
  boolean markdown;

  @Mixin
  StimOptions stim;

  @Override
  public Integer call() throws Exception {
    return HwErrors.guard("bench", this::bench);
  }

  private int bench() throws Exception {
    Hw.Design d = Hw.design(design, null);
    Bench.Result r;
    java.util.List<Path> srcs = new java.util.ArrayList<>();
    for (Path f : rtl) {
      if (f.toString().endsWith(".f")) {
        for (String l : Files.readAllLines(f))
          if (!l.isBlank() && !l.startsWith("#"))
            srcs.add(f.toAbsolutePath().getParent().resolve(l.trim()).normalize());
      } else {
        srcs.add(f);
      }
    }
    io.cairn.hw.engine.Stimulus s = stim.stimulus(d.netlist());
    Bench.Options o = new Bench.Options(fastCycles, ivCycles, ivSeconds, evCycles, srcs, rtlCycles, !noVerilator,
        vlCycles != null ? vlCycles : Math.min(fastCycles, 2_000_000), jobs, StimOptions.describe(s), repeats);
    try (io.cairn.hw.WorkDir wd = io.cairn.hw.WorkDir.create("cairn-hw-bench")) {
      r = Bench.run(d, s, o, wd.path(), line -> System.err.println("bench: " + line));
    }
    if (svg != null) Files.writeString(svg, chart(r));
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("design", r.design());
      m.put("gates", r.gates());
      m.put("flops", r.flops());
      m.put("stateBits", r.stateBits());
      m.put("stimulus", r.stimulus());
      m.put("loadSeconds", r.loadSeconds());
      java.util.List<Map<String, Object>> figs = new java.util.ArrayList<>();
      for (Bench.Figure f : r.figures()) {
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("engine", f.engine());
        x.put("cycles", f.cycles());
        x.put("cyclesPerSecond", f.measured() ? f.cyclesPerSecond() : null);
        x.put("fastOverThis", f.measured() ? r.fastCps() / f.cyclesPerSecond() : null);
        x.put(f.prepare().isEmpty() ? "prepareSeconds" : f.prepare() + "Seconds",
            Double.isNaN(f.prepareSeconds()) ? null : f.prepareSeconds());
        x.put("agreesWithFast", f.agrees());
        x.put("note", f.note());
        figs.add(x);
      }
      m.put("engines", figs);
      m.put("fastCyclesPerSecond", r.fastCps());
      m.put("fastRuns", java.util.Arrays.stream(r.alternation().fast()).boxed().toList());
      m.put("verilatorRuns", java.util.Arrays.stream(r.alternation().verilator()).boxed().toList());
      double[] q = r.alternation().ratios();
      m.put("fastOverVerilatorMedian", q.length > 0 ? Bench.Alternation.median(q) : null);
      m.put("fastOverVerilatorRuns", java.util.Arrays.stream(q).boxed().toList());
      m.put("loadAverageBefore", Double.isNaN(r.loadAverageBefore()) ? null : r.loadAverageBefore());
      m.put("loadAverageAfter", Double.isNaN(r.loadAverageAfter()) ? null : r.loadAverageAfter());
      m.put("cpus", r.cpus());
      m.put("moveToSimSeconds", Double.isNaN(r.moveToSimSeconds()) ? null : r.moveToSimSeconds());
      m.put("moveToFastSeconds", r.moveToFastSeconds());
      m.put("statesAgree", !r.anyFailure());
      System.out.println(Json.write(m));
    } else if (markdown) {
      System.out.print(Bench.Result.markdownHeader() + r.markdownRow());
    } else {
      System.out.println(r.text());
      if (svg != null) System.out.println("chart: " + svg);
    }
    return r.anyFailure() ? 3 : 0;
  }

  /** A log-scale bar chart of cycles per second. */
  static String chart(Bench.Result r) {
    java.util.List<Svg.Bar> bars = new java.util.ArrayList<>();
    for (Bench.Figure f : r.figures()) {
      double v = f.cyclesPerSecond();
      bars.add(Svg.Bar.of(f.engine(), v, String.format(Locale.ROOT, "%,.0f", v))
          .color(f.engine().contains("engine") ? "#2a7" : "#78a"));
    }
    return Svg.horizontalBars(
        r.design() + ": cycles per second (log scale; lanes: lane-cycles), same netlist and inputs", bars,
        Svg.Scale.LOG,
        1, 1, Double.NaN);
  }
}
