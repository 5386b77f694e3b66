package io.cairn.hw.sim;

import io.cairn.hw.engine.Stimulus;
import io.cairn.hw.netlist.Netlist;
import io.cairn.hw.netlist.Tools;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Verilator as a benchmark peer (Debian package {@code verilator}, optional): it compiles the same
 * Yosys Verilog netlist that iverilog runs (cells as {@code simcells.v} instances) into C++ with a
 * generated driver, which reads the same per-cycle inputs from a file into memory before the clock
 * starts, runs the cycles with the same semantics (inputs, settle, rising edge), and times only the
 * cycle loop. The build time (verilator + C++ compile) is reported separately: it is what a debug
 * loop pays each time the design changes.
 */
public final class Verilator {
  private Verilator() {}

  /** Whether {@code verilator} is on the PATH. */
  public static boolean available() {
    return Tools.which("verilator").isPresent();
  }

  /**
   * One measurement. {@code outputs} are the outputs settled in the last cycle (before its edge),
   * in {@link Netlist#outputs()} order; {@code outputHash} folds every cycle's outputs ({@link #hash}).
   */
  public record Result(long cycles, double buildSeconds, double runSeconds, long[] outputs, long outputHash) {
    public double cyclesPerSecond() { return cycles / runSeconds; }
  }

  /** The driver's hash step: for each cycle, for each output in order, {@code h = (h ^ value) * 0x100000001b3}. */
  public static long hash(long h, long value) {
    return (h ^ value) * 0x100000001b3L;
  }

  /** The hash's start value. */
  public static final long HASH_START = 0xcbf29ce484222325L;

  static boolean plainName(String n) { return n.matches("[A-Za-z_][A-Za-z0-9_]*") && !n.startsWith("__"); }

  /** Why Verilator cannot run this design through the generated driver, or null when it can. */
  public static String unsupported(Netlist nl) {
    if (nl.clock() == null) return "design has no clock";
    List<String> bad = new ArrayList<>();
    for (Netlist.Port p : nl.inputs()) if (!plainName(p.name())) bad.add(p.name());
    for (Netlist.Port p : nl.outputs()) if (!plainName(p.name())) bad.add(p.name());
    if (!plainName(nl.top()) || !plainName(nl.clock())) bad.add(nl.top());
    return bad.isEmpty() ? null : "port names the C++ driver cannot address: " + bad;
  }

  /** Builds and runs {@code cycles} cycles from the design's initial state in {@code dir} (created; the caller removes it). */
  public static Result run(Netlist nl, Path netlistVerilog, Stimulus stim, long cycles, Path dir, int jobs)
      throws IOException {
    return build(nl, netlistVerilog, stim, cycles, dir, jobs).run();
  }

  /**
   * A built simulator with its stimulus file: {@link #run} runs it again (same inputs, from the
   * initial state), so a benchmark can alternate it with another engine.
   */
  public record Built(Netlist netlist, Path dir, long cycles, double buildSeconds) {
    /** One run of all {@link #cycles}; only the cycle loop is timed. */
    public Result run() throws IOException {
      String out = Tools.run(List.of(dir.resolve("obj_dir/cairn_vsim").toString(), "stim.txt", String.valueOf(cycles)),
          dir, 3600);
      String line = out.lines().filter(l -> l.startsWith("cairn ")).reduce((a, b) -> b)
          .orElseThrow(() -> new IOException("Verilator driver printed no result:\n" + out));
      String[] t = line.trim().split(" ");
      long[] outs = new long[netlist.outputs().size()];
      if (t.length != 4 + outs.length) throw new IOException("Verilator driver: bad result line '" + line + "'");
      for (int i = 0; i < outs.length; i++) outs[i] = Long.parseUnsignedLong(t[4 + i], 16);
      return new Result(Long.parseLong(t[1]), buildSeconds, Double.parseDouble(t[2]), outs,
          Long.parseUnsignedLong(t[3], 16));
    }
  }

  /** Writes the stimulus of {@code cycles} cycles and builds the simulator in {@code dir} (created; the caller removes it). */
  public static Built build(Netlist nl, Path netlistVerilog, Stimulus stim, long cycles, Path dir, int jobs)
      throws IOException {
    String why = unsupported(nl);
    if (why != null) throw new IllegalArgumentException("Verilator: " + why);
    if (cycles < 1) throw new IllegalArgumentException("Verilator: at least one cycle");
    Files.createDirectories(dir);
    try (BufferedWriter w = Files.newBufferedWriter(dir.resolve("stim.txt"), StandardCharsets.US_ASCII)) {
      for (long k = 0; k < cycles; k++) {
        for (int i = 0; i < nl.inputs().size(); i++) {
          if (i > 0) w.write(' ');
          w.write(Long.toHexString(stim.value(k, i, nl.inputs().get(i))));
        }
        w.write('\n');
      }
    }
    Files.writeString(dir.resolve("cairn_main.cpp"), driver(nl));
    List<String> cmd = new ArrayList<>(
        List.of(Tools.require("verilator").toString(), "--cc", "--exe", "--build", "-Wno-fatal", "-Wno-lint",
            "-Wno-style", "--top-module", nl.top(), "-o", "cairn_vsim", "-j", String.valueOf(Math.max(1, jobs)),
            netlistVerilog.toAbsolutePath().toString(), Tools.yosysShare().resolve("simcells.v").toString(),
            "cairn_main.cpp"));
    long b0 = System.nanoTime();
    Tools.run(cmd, dir, 3600);
    return new Built(nl, dir, cycles, (System.nanoTime() - b0) / 1e9);
  }

  private static String driver(Netlist nl) {
    StringBuilder b = new StringBuilder();
    String cls = "V" + nl.top();
    b.append("// generated by Cairn (io.cairn.hw.sim.Verilator): the benchmark driver\n");
    b.append("#include \"").append(cls).append(
        ".h\"\n#include \"verilated.h\"\n#include <chrono>\n#include <cstdio>\n#include <cstdlib>\n#include <vector>\n#include <cinttypes>\n");
    b.append(
        "int main(int argc, char** argv) {\n  VerilatedContext* ctx = new VerilatedContext;\n  ctx->randReset(0);\n");
    b.append("  long n = atol(argv[2]);\n  int ni = ").append(nl.inputs().size()).append(";\n");
    b.append(
        "  std::vector<uint64_t> in((size_t) n * (ni > 0 ? ni : 1));\n  FILE* f = fopen(argv[1], \"r\");\n  if (!f) { perror(argv[1]); return 2; }\n");
    b.append(
        "  for (long i = 0; i < n * ni; i++) if (fscanf(f, \"%\" SCNx64, &in[i]) != 1) { fprintf(stderr, \"short stimulus file\\n\"); return 2; }\n");
    b.append("  fclose(f);\n  ").append(cls).append("* t = new ").append(cls).append("(ctx);\n");
    b.append("  t->").append(nl.clock()).append(" = 0;\n");
    String[] outs = new String[nl.outputs().size()];
    b.append("  uint64_t h = 0xcbf29ce484222325ULL;\n");
    b.append("  uint64_t last[").append(Math.max(1, outs.length)).append("] = {0};\n");
    b.append(
        "  auto t0 = std::chrono::steady_clock::now();\n  for (long k = 0; k < n; k++) {\n    const uint64_t* v = &in[(size_t) k * ni];\n");
    for (int i = 0; i < nl.inputs().size(); i++)
      b.append("    t->").append(nl.inputs().get(i).name()).append(" = v[").append(i).append("];\n");
    b.append("    t->eval();\n");
    // every cycle's settled outputs folded into a hash (a few instructions per cycle), compared by the caller
    for (int i = 0; i < outs.length; i++)
      b.append("    h = (h ^ (uint64_t) t->").append(nl.outputs().get(i).name()).append(") * 0x100000001b3ULL;\n");
    b.append("    if (k == n - 1 || argc > 3) {\n");
    for (int i = 0; i < outs.length; i++)
      b.append("      last[").append(i).append("] = (uint64_t) t->").append(nl.outputs().get(i).name()).append(";\n");
    b.append("      if (argc > 3) { printf(\"o %ld\", k); for (int i = 0; i < ").append(outs.length)
        .append("; i++) printf(\" %\" PRIx64, last[i]); printf(\"\\n\"); }\n");
    b.append("    }\n    t->").append(nl.clock()).append(" = 1;\n    t->eval();\n    t->").append(nl.clock())
        .append(" = 0;\n  }\n");
    b.append(
        "  t->eval();\n  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();\n");
    b.append("  printf(\"cairn %ld %.9f %\" PRIx64 \"");
    for (int i = 0; i < outs.length; i++) b.append(" %\" PRIx64 \"");
    b.append("\\n\", n, s, h");
    for (int i = 0; i < outs.length; i++) b.append(", last[").append(i).append("]");
    b.append(");\n  t->final();\n  delete t;\n  delete ctx;\n  return 0;\n}\n");
    return b.toString();
  }

}
