package io.cairn.cli.hw;

import io.cairn.cli.core.Json;
import io.cairn.hw.Bench;
import io.cairn.hw.Hw;
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

/** {@code cairn hw bench}: fast engine vs iverilog (and the event simulator), and state move times. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmark: fast-engine cycles/s next to iverilog on the same netlist and inputs, and state move times.")
public final class HwBenchCommand implements Callable<Integer> {
  @Parameters(index = "0", description = "the JSON netlist (from cairn hw synth)") Path design;

  @Option(names = "--cycles", description = "fast-engine cycles (default ${DEFAULT-VALUE})", defaultValue = "2000000") long fastCycles;

  @Option(names = "--iverilog-cycles", description = "iverilog cycles (default ${DEFAULT-VALUE})", defaultValue = "100000") long ivCycles;

  @Option(names = "--event-cycles", description = "event-simulator cycles (default ${DEFAULT-VALUE})", defaultValue = "100000") long evCycles;

  @Option(names = "--svg", description = "write a bar chart of cycles/s here") Path svg;

  @Option(names = "--rtl", split = ",", description = "Verilog sources of the design (or a .f list): also time iverilog on the RTL")
  java.util.List<Path> rtl = new java.util.ArrayList<>();

  @Option(names = "--json", description = "print the result as JSON") boolean json;

  @Mixin StimOptions stim;

  @Override public Integer call() throws Exception {
    return HwErrors.guard("bench", this::bench);
  }

  private int bench() throws Exception {
    Hw.Design d = Hw.design(design, null);
    Bench.Result r;
    try (io.cairn.hw.WorkDir wd = io.cairn.hw.WorkDir.create("cairn-hw-bench")) {
      Path work = wd.path();
      java.util.List<Path> srcs = new java.util.ArrayList<>();
      for (Path f : rtl) {
        if (f.toString().endsWith(".f")) {
          for (String l : Files.readAllLines(f)) if (!l.isBlank() && !l.startsWith("#")) srcs.add(f.toAbsolutePath().getParent().resolve(l.trim()).normalize());
        } else {
          srcs.add(f);
        }
      }
      r = Bench.run(d, stim.stimulus(d.netlist()), fastCycles, ivCycles, evCycles, srcs, work);
    }
    if (svg != null) Files.writeString(svg, chart(r));
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("design", r.design());
      m.put("gates", r.gates());
      m.put("flops", r.flops());
      m.put("stateBits", r.stateBits());
      m.put("fastCyclesPerSecond", r.fastCps());
      m.put("laneCyclesPerSecond", r.laneCps());
      m.put("iverilogCyclesPerSecond", r.ivCps());
      m.put("eventCyclesPerSecond", r.eventCps());
      m.put("iverilogRtlCyclesPerSecond", r.rtlCps());
      m.put("speedupOverIverilog", r.speedup());
      m.put("moveToSimSeconds", r.moveToSimSeconds());
      m.put("moveToFastSeconds", r.moveToFastSeconds());
      m.put("statesAgree", r.statesAgree());
      System.out.println(Json.write(m));
    } else {
      System.out.println(r.text());
      if (svg != null) System.out.println("chart: " + svg);
    }
    return 0;
  }

  /** A log-scale bar chart of cycles per second, hand-written SVG. */
  static String chart(Bench.Result r) {
    String[] names = {"64 lanes", "fast engine", "iverilog", "event sim", "iverilog RTL"};
    double[] v = {r.laneCps(), r.fastCps(), r.ivCps(), r.eventCps(), r.rtlCps()};
    double max = 0;
    for (double x : v) if (!Double.isNaN(x)) max = Math.max(max, x);
    double top = Math.pow(10, Math.ceil(Math.log10(Math.max(max, 10))));
    StringBuilder b = new StringBuilder();
    int w = 620, h = 60 + 50 * names.length;
    b.append(String.format(Locale.ROOT, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' font-family='sans-serif' font-size='12'>%n", w, h));
    b.append(String.format(Locale.ROOT, "<text x='10' y='20' font-size='14'>%s: cycles per second (log scale; lanes: lane-cycles), fast/iverilog = %.0fx</text>%n", r.design(), r.speedup()));
    for (int i = 0; i < names.length; i++) {
      double x = Double.isNaN(v[i]) ? 1 : Math.max(v[i], 1);
      double len = 380 * Math.log10(x) / Math.log10(top);
      int y = 40 + 50 * i;
      b.append(String.format(Locale.ROOT, "<text x='10' y='%d'>%s</text>%n", y + 20, names[i]));
      b.append(String.format(Locale.ROOT, "<rect x='100' y='%d' width='%.1f' height='28' fill='%s'/>%n", y, len, i <= 1 ? "#2a7" : "#78a"));
      b.append(String.format(Locale.ROOT, "<text x='%.1f' y='%d'>%s</text>%n", 105 + len, y + 20, Double.isNaN(v[i]) ? "n/a" : String.format(Locale.ROOT, "%,.0f", v[i])));
    }
    return b.append("</svg>\n").toString();
  }
}
