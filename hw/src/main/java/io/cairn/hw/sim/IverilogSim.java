package io.cairn.hw.sim;

import io.cairn.hw.engine.Stimulus;
import io.cairn.hw.netlist.Netlist;
import io.cairn.hw.netlist.Tools;
import io.cairn.hw.state.HwState;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Icarus Verilog running the Yosys {@code write_verilog -noexpr -norename} netlist (cells are
 * instances of Yosys' own {@code simcells.v} models). A generated testbench loads the start state
 * (hierarchical assignments to every flop's {@code Q}, {@code $readmemh} into every memory) at
 * time 1, drives the inputs from a file, optionally writes a VCD of every wire of the design, and
 * at the stop cycle dumps every flop and memory word back to a file that becomes an {@link HwState}.
 *
 * <p>Timing: the state loads at t=1; cycle k applies its inputs at t=1+10k, samples outputs at
 * t=6+10k, has its rising edge at t=6+10k and samples flops at t=11+10k.
 */
public final class IverilogSim implements Simulator {
  private static final AtomicInteger RUNS = new AtomicInteger();
  private final Netlist nl;
  private final Path netlistVerilog;
  private final Path workDir;
  private long lastSimNanos;
  private boolean publicOnly;

  /** @param netlistVerilog the {@code write_verilog} output of the same synthesis as {@code nl}. */
  public IverilogSim(Netlist nl, Path netlistVerilog, Path workDir) {
    this.nl = nl;
    this.netlistVerilog = netlistVerilog.toAbsolutePath();
    this.workDir = workDir.toAbsolutePath();
  }

  /** Whether iverilog, vvp and yosys' simcells.v are available. */
  public static boolean available() {
    if (Tools.which("iverilog").isEmpty() || Tools.which("vvp").isEmpty() || Tools.which("yosys").isEmpty())
      return false;
    try {
      Tools.yosysShare();
      return true;
    } catch (IllegalStateException e) {
      return false;
    }
  }

  @Override
  public String name() { return "iverilog"; }

  /**
   * VCDs hold only the design's public wires (Yosys netnames without {@code $}), not the
   * Yosys-internal {@code $} nets of the netlist; default false (every wire of the netlist).
   */
  public IverilogSim publicWiresOnly(boolean on) {
    this.publicOnly = on;
    return this;
  }

  /** Wall time of the last {@code vvp} run alone (not compilation), in nanoseconds. */
  public long lastSimNanos() {
    return lastSimNanos;
  }

  static String esc(String name) { return "\\" + name + " "; }

  private static String fmtName(String n) {
    return n.replace("\\", "\\\\").replace("\"", "\\\"").replace("%", "%%");
  }

  @Override
  public SimResult run(HwState start, Stimulus stim, long cycles, Path vcd, boolean trace) throws IOException {
    start.checkFits(nl);
    Path dir = workDir.resolve("iverilog-run-" + ProcessHandle.current().pid() + "-" + RUNS.incrementAndGet());
    Files.createDirectories(dir);
    try {
      return runIn(dir, start, stim, cycles, vcd, trace);
    } finally {
      io.cairn.hw.WorkDir.deleteTree(dir);
    }
  }

  private SimResult runIn(Path dir, HwState start, Stimulus stim, long cycles, Path vcd, boolean trace)
      throws IOException {
    // stimuli
    try (BufferedWriter w = Files.newBufferedWriter(dir.resolve("stim.txt"), StandardCharsets.US_ASCII)) {
      for (long k = 0; k < cycles; k++) {
        for (int i = 0; i < nl.inputs().size(); i++) {
          Netlist.Port p = nl.inputs().get(i);
          long val = stim.value(start.cycle() + k, i, p);
          if (i > 0) w.write(' ');
          w.write(bin(val, p.width()));
        }
        w.write('\n');
      }
    }
    // memories
    for (int m = 0; m < nl.memories().size(); m++) {
      try (BufferedWriter w = Files.newBufferedWriter(dir.resolve("mem" + m + ".hex"), StandardCharsets.US_ASCII)) {
        for (long word : start.memories()[m]) { w.write(Long.toHexString(word)); w.write('\n'); }
      }
    }
    Files.writeString(dir.resolve("tb.v"), testbench(start, cycles, vcd, trace));
    Path share = Tools.yosysShare();
    Tools.run(List.of(Tools.require("iverilog").toString(), "-g2005", "-o", "sim.vvp", "-s", "cairn_tb", "tb.v",
        netlistVerilog.toString(), share.resolve("simcells.v").toString()), dir, 600);
    long t0 = System.nanoTime();
    String out = Tools.run(List.of(Tools.require("vvp").toString(), "-n", "sim.vvp"), dir, 3600);
    lastSimNanos = System.nanoTime() - t0;
    if (!Files.exists(dir.resolve("end.txt")))
      throw new IOException("iverilog run in " + dir + " wrote no end state:\n" + out);
    HwState end = parseEnd(dir.resolve("end.txt"), start.cycle() + cycles);
    List<String> outs = new ArrayList<>(), fl = new ArrayList<>();
    if (trace) {
      for (String l : Files.readAllLines(dir.resolve("trace.txt"), StandardCharsets.US_ASCII)) {
        if (l.startsWith("o ")) outs.add(l.substring(2));
        else if (l.startsWith("s ")) fl.add(l.substring(2));
      }
    }
    return new SimResult(end, outs, fl);
  }

  /**
   * Starts iverilog as a lock-step peer over its standard input and output: {@link Session#probe}
   * applies inputs and reads the settled outputs (several times in a cycle if needed),
   * {@link Session#edge} clocks, {@link Session#verify} sends a batch of cycles with the outputs
   * expected in each and gets one answer (the protocol is in the generated testbench, see
   * {@code interactiveLoop}).
   */
  public Session open(HwState start, Path vcd) throws IOException {
    start.checkFits(nl);
    Path dir = workDir.resolve("iverilog-link-" + ProcessHandle.current().pid() + "-" + RUNS.incrementAndGet());
    Files.createDirectories(dir);
    for (int m = 0; m < nl.memories().size(); m++) {
      try (BufferedWriter w = Files.newBufferedWriter(dir.resolve("mem" + m + ".hex"), StandardCharsets.US_ASCII)) {
        for (long word : start.memories()[m]) { w.write(Long.toHexString(word)); w.write('\n'); }
      }
    }
    try {
      Files.writeString(dir.resolve("tb.v"), testbench(start, 0, vcd, false, true));
      Tools.run(List.of(Tools.require("iverilog").toString(), "-g2005", "-o", "sim.vvp", "-s", "cairn_tb", "tb.v",
          netlistVerilog.toString(), Tools.yosysShare().resolve("simcells.v").toString()), dir, 600);
      Process p = new ProcessBuilder(Tools.require("vvp").toString(), "-n", "sim.vvp").directory(dir.toFile())
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      return new Session(p, dir, start.cycle());
    } catch (IOException | RuntimeException e) {
      io.cairn.hw.WorkDir.deleteTree(dir);
      throw e;
    }
  }

  /** The answer to a batch: see {@link io.cairn.hw.link.SimPeer.Verified}. */
  public record Batch(int edged, boolean mismatch, long[] outputs) {}

  /** A running iverilog peer driven over pipes. */
  public final class Session implements AutoCloseable {
    private final Process p;
    private final Path dir;
    private final java.io.BufferedWriter in;
    private final java.io.BufferedReader out;
    private long cycle;
    private int probes;
    private long[] mask;
    private boolean finished;
    private long simCpuNanos = -1;

    /** The vvp process's CPU time measured when {@link #finish} began (-1 before, or where unknown). */
    public long finishCpuNanos() {
      return simCpuNanos;
    }

    Session(Process p, Path dir, long cycle) {
      this.p = p;
      this.dir = dir;
      this.cycle = cycle;
      this.in = new java.io.BufferedWriter(
          new java.io.OutputStreamWriter(p.getOutputStream(), StandardCharsets.US_ASCII));
      this.out = new java.io.BufferedReader(
          new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII));
    }

    /** One cycle: inputs in {@link Netlist#inputs()} order; returns outputs in {@link Netlist#outputs()} order. */
    public long[] cycle(long[] inputs) throws IOException {
      long[] out = probe(inputs);
      edge();
      return out;
    }

    /** Applies inputs, settles (1 ns) and answers the outputs, without a clock edge; at most 5 per cycle. */
    public long[] probe(long[] inputs) throws IOException {
      if (probes >= 5)
        throw new IOException(
            "iverilog peer: more than 5 exchanges in cycle " + cycle + " (the settle window before the edge is 5 ns)");
      StringBuilder b = new StringBuilder("1");
      appendInputs(b, inputs);
      in.write(b.append('\n').toString());
      in.flush();
      probes++;
      return outputs(answer("@"), 1, "@");
    }

    /** The clock edge with the inputs of the last probe (sent with the next command, no answer). */
    public void edge() throws IOException {
      in.write("2\n");
      probes = 0;
      cycle++;
    }

    /** A batch of cycles sent at once, answered once: see {@link io.cairn.hw.link.SimPeer#verify}. */
    public Batch verify(long[][] inputs, long[][] expected, long[] mask, int n) throws IOException {
      if (probes != 0) throw new IllegalStateException("verify in the middle of a cycle");
      StringBuilder b = new StringBuilder();
      if (!java.util.Arrays.equals(mask, this.mask)) {
        this.mask = mask.clone();
        b.append('5');
        for (int i = 0; i < nl.outputs().size(); i++) b.append(' ').append(bin(mask[i], nl.outputs().get(i).width()));
        b.append('\n');
      }
      for (int j = 0; j < n; j++) {
        b.append('3');
        appendInputs(b, inputs[j]);
        for (int i = 0; i < nl.outputs().size(); i++)
          b.append(' ').append(bin(expected[j][i], nl.outputs().get(i).width()));
        b.append('\n');
        if (b.length() > 1 << 16) { in.write(b.toString()); b.setLength(0); }
      }
      in.write(b.append("4\n").toString());
      in.flush();
      String line = answer("=", "!");
      String[] t = line.trim().split(" ");
      int edged = Integer.parseInt(t[1]);
      boolean mismatch = line.startsWith("!");
      cycle += edged;
      if (mismatch) probes = 1;
      return new Batch(edged, mismatch, outputs(line, 2, line.substring(0, 1)));
    }

    private void appendInputs(StringBuilder b, long[] inputs) {
      for (int i = 0; i < nl.inputs().size(); i++) b.append(' ').append(bin(inputs[i], nl.inputs().get(i).width()));
    }

    private String answer(String... prefixes) throws IOException {
      String line;
      while ((line = out.readLine()) != null) {
        for (String p : prefixes) if (line.startsWith(p)) return line;
        // vvp's own messages (VCD info) are skipped
      }
      throw new IOException("iverilog peer in " + dir + " ended at cycle " + cycle + " (exit " + waitExit() + ")");
    }

    private long[] outputs(String line, int skip, String what) throws IOException {
      String[] t = line.trim().split(" ");
      if (t.length != nl.outputs().size() + skip)
        throw new IOException("iverilog peer: bad " + what + " line '" + line + "'");
      long[] r = new long[nl.outputs().size()];
      for (int i = 0; i < r.length; i++) {
        if (!t[i + skip].matches("[01]+"))
          throw new IOException(
              "iverilog peer: output " + nl.outputs().get(i).name() + " is " + t[i + skip] + " at cycle " + cycle);
        r[i] = Long.parseUnsignedLong(t[i + skip], 2);
      }
      return r;
    }

    private int waitExit() {
      try {
        return p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) ? p.exitValue() : -1;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return -1;
      }
    }

    /** CPU time the vvp process has used so far (user + system), or -1 where the platform does not say. */
    public long cpuNanos() {
      return p.toHandle().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(-1L);
    }

    /** Ends the run and reads the simulator's state at the current cycle. */
    public HwState finish() throws IOException {
      in.flush();
      simCpuNanos = cpuNanos();
      finished = true;
      in.write("0\n");
      in.flush();
      in.close();
      while (out.readLine() != null) { /* drain */ }
      try {
        int rc = waitExit();
        if (rc != 0) throw new IOException("iverilog peer exited with " + rc + " in " + dir);
        return parseEnd(dir.resolve("end.txt"), cycle);
      } finally {
        io.cairn.hw.WorkDir.deleteTree(dir);
      }
    }

    @Override
    public void close() throws IOException {
      if (!finished) {
        p.destroyForcibly();
        waitExit();
        io.cairn.hw.WorkDir.deleteTree(dir);
      }
    }
  }

  static String bin(long v, int width) {
    StringBuilder b = new StringBuilder(width);
    for (int i = width - 1; i >= 0; i--) b.append((char) ('0' + ((v >>> i) & 1)));
    return b.toString();
  }

  private String flopRef(int i) { return "dut." + esc(nl.flops().get(i).name()) + ".Q"; }

  private String memRef(int m) { return "dut." + esc(nl.memories().get(m).name()); }

  private String testbench(HwState start, long cycles, Path vcd, boolean trace) {
    return testbench(start, cycles, vcd, trace, false, false);
  }

  private String testbench(HwState start, long cycles, Path vcd, boolean trace, boolean interactive) {
    return testbench(start, cycles, vcd, trace, interactive, false);
  }

  /**
   * For the benchmark: iverilog on the RTL sources instead of the netlist (same ports, same inputs,
   * from the design's own initial state, no state load or dump). Returns cycles per second of the
   * {@code vvp} run alone, less the start-up of a 0-cycle run of the same build; vvp runs in the
   * directory of the first source ({@code $readmemh} paths).
   */
  public double rtlCyclesPerSecond(List<Path> rtl, Stimulus stim, long cycles) throws IOException {
    Path dir = workDir.resolve("iverilog-rtl-" + ProcessHandle.current().pid() + "-" + RUNS.incrementAndGet());
    Files.createDirectories(dir);
    try {
      return rtlIn(dir, rtl, stim, cycles);
    } finally {
      io.cairn.hw.WorkDir.deleteTree(dir);
    }
  }

  private double rtlIn(Path dir, List<Path> rtl, Stimulus stim, long cycles) throws IOException {
    Path stimFile = dir.resolve("stim.txt").toAbsolutePath();
    try (BufferedWriter w = Files.newBufferedWriter(stimFile, StandardCharsets.US_ASCII)) {
      for (long k = 0; k < cycles; k++) {
        for (int i = 0; i < nl.inputs().size(); i++) {
          if (i > 0) w.write(' ');
          w.write(bin(stim.value(k, i, nl.inputs().get(i)), nl.inputs().get(i).width()));
        }
        w.write('\n');
      }
    }
    String tb = testbench(HwState.initial(nl), cycles, null, false, false, true).replace("\"stim.txt\"",
        "\"" + fmtName(stimFile.toString()) + "\"");
    Files.writeString(dir.resolve("tb.v"), tb);
    List<String> cmd = new ArrayList<>(List.of(Tools.require("iverilog").toString(), "-g2005", "-o",
        dir.resolve("rtl.vvp").toString(), "-s", "cairn_tb",
        dir.resolve("tb.v").toString()));
    for (Path p : rtl) cmd.add(p.toAbsolutePath().toString());
    Path runDir = rtl.getFirst().toAbsolutePath().getParent();
    Tools.run(cmd, runDir, 600);
    // start-up (loading the program, $readmemh, opening files) measured by a 0-cycle run and subtracted
    long t0 = System.nanoTime();
    Tools.run(List.of(Tools.require("vvp").toString(), "-n", dir.resolve("rtl.vvp").toString(), "+cycles=0"), runDir,
        3600);
    long t1 = System.nanoTime();
    Tools.run(List.of(Tools.require("vvp").toString(), "-n", dir.resolve("rtl.vvp").toString(), "+cycles=" + cycles),
        runDir, 3600);
    long t2 = System.nanoTime();
    double secs = Math.max((t2 - t1) - (t1 - t0), 1) / 1e9;
    return cycles / secs;
  }

  private String testbench(HwState start, long cycles, Path vcd, boolean trace, boolean interactive, boolean rtl) {
    StringBuilder b = new StringBuilder();
    b.append("`timescale 1ns/1ns\n// generated by Cairn (io.cairn.hw.sim.IverilogSim)\nmodule cairn_tb;\n");
    if (nl.clock() != null) b.append("  reg cairn_clk;\n");
    for (int i = 0; i < nl.inputs().size(); i++)
      b.append("  reg [").append(nl.inputs().get(i).width() - 1).append(":0] cairn_i").append(i).append(";\n");
    for (int i = 0; i < nl.outputs().size(); i++)
      b.append("  wire [").append(nl.outputs().get(i).width() - 1).append(":0] cairn_o").append(i).append(";\n");
    b.append("  integer cairn_fin, cairn_ft, cairn_fs, cairn_r, cairn_k, cairn_cmd, cairn_n;\n  reg cairn_go;\n");
    b.append("  ").append(esc(nl.top())).append(" dut (");
    List<String> conns = new ArrayList<>();
    if (nl.clock() != null) conns.add("." + esc(nl.clock()) + "(cairn_clk)");
    for (int i = 0; i < nl.inputs().size(); i++) conns.add("." + esc(nl.inputs().get(i).name()) + "(cairn_i" + i + ")");
    for (int i = 0; i < nl.outputs().size(); i++)
      conns.add("." + esc(nl.outputs().get(i).name()) + "(cairn_o" + i + ")");
    b.append(String.join(", ", conns)).append(");\n");
    b.append("  initial begin\n");
    if (nl.clock() != null) b.append("    cairn_clk = 1'b0;\n");
    // absolute time: cycle c starts at t = 1 + 10c, whatever cycle the state comes from
    b.append("    #").append(rtl ? 1 : 1 + 10 * start.cycle()).append(";\n");
    for (int i = 0; i < nl.flops().size() && !rtl; i++) {
      b.append("    ").append(flopRef(i)).append(" = 1'b").append(start.flops()[i]).append(";\n");
    }
    for (int m = 0; m < nl.memories().size() && !rtl; m++)
      b.append("    $readmemh(\"mem").append(m).append(".hex\", ").append(memRef(m)).append(");\n");
    if (vcd != null) {
      b.append("    $dumpfile(\"").append(fmtName(vcd.toAbsolutePath().toString())).append("\");\n");
      if (publicOnly) {
        // only the design's own wires, not Yosys-internal $ nets: one $dumpvars per public wire
        for (String w : nl.signals().keySet()) b.append("    $dumpvars(0, dut.").append(esc(w)).append(");\n");
      } else {
        b.append("    $dumpvars(1, dut);\n");
      }
    }
    if (trace) b.append("    cairn_ft = $fopen(\"trace.txt\", \"w\");\n");
    if (interactive) {
      interactiveLoop(b);
    } else {
      nonInteractiveLoop(b, cycles, trace, rtl);
    }
    if (rtl) return b.append("    end\n    $finish;\n  end\nendmodule\n").toString();
    b.append("    end\n    #1;\n    cairn_fs = $fopen(\"end.txt\", \"w\");\n");
    for (int i = 0; i < nl.flops().size(); i++)
      b.append("    $fdisplay(cairn_fs, \"f %b\", ").append(flopRef(i)).append(");\n");
    for (int m = 0; m < nl.memories().size(); m++) {
      Netlist.Memory mm = nl.memories().get(m);
      b.append("    for (cairn_k = 0; cairn_k < ").append(mm.size())
          .append("; cairn_k = cairn_k + 1) $fdisplay(cairn_fs, \"w ")
          .append(m).append(" %0d %h\", cairn_k, ").append(memRef(m)).append("[cairn_k + ").append(mm.offset())
          .append("]);\n");
    }
    b.append("    $fclose(cairn_fs);\n");
    if (trace) b.append("    $fclose(cairn_ft);\n");
    if (vcd != null) b.append("    $dumpflush;\n");
    b.append("    $finish;\n  end\nendmodule\n");
    return b.toString();
  }

  /** The file-driven loop: {@code cycles} cycles from stim.txt (or +cycles=N for the RTL build). */
  private void nonInteractiveLoop(StringBuilder b, long cycles, boolean trace, boolean rtl) {
    b.append("    cairn_fin = $fopen(\"stim.txt\", \"r\");\n");
    if (rtl) {
      // the cycle count is a plusarg, so one build can be timed with 0 and with N cycles (start-up subtracted)
      b.append("    if (!$value$plusargs(\"cycles=%d\", cairn_n)) cairn_n = ").append(cycles).append(";\n");
      b.append("    for (cairn_k = 0; cairn_k < cairn_n; cairn_k = cairn_k + 1) begin\n");
    } else {
      b.append("    for (cairn_k = 0; cairn_k < ").append(cycles).append("; cairn_k = cairn_k + 1) begin\n");
    }
    if (!nl.inputs().isEmpty()) {
      b.append("      cairn_r = $fscanf(cairn_fin, \"");
      for (int i = 0; i < nl.inputs().size(); i++) b.append(i > 0 ? " %b" : "%b");
      b.append("\\n\"");
      for (int i = 0; i < nl.inputs().size(); i++) b.append(", cairn_i").append(i);
      b.append(");\n");
    }
    b.append("      #5;\n");
    if (trace) {
      b.append("      $fdisplay(cairn_ft, \"o ");
      for (int i = 0; i < nl.outputs().size(); i++)
        b.append(i > 0 ? " " : "").append(fmtName(nl.outputs().get(i).name())).append("=%b");
      b.append("\"");
      for (int i = 0; i < nl.outputs().size(); i++) b.append(", cairn_o").append(i);
      b.append(");\n");
    }
    if (nl.clock() != null) b.append("      cairn_clk = 1'b1;\n");
    b.append("      #5;\n");
    if (trace) {
      b.append("      $fwrite(cairn_ft, \"s \");\n");
      for (int i = 0; i < nl.flops().size(); i += 128) {
        b.append("      $fwrite(cairn_ft, \"%b\", {");
        for (int j = i; j < Math.min(i + 128, nl.flops().size()); j++) b.append(j > i ? ", " : "").append(flopRef(j));
        b.append("});\n");
      }
      b.append("      $fwrite(cairn_ft, \"\\n\");\n");
    }
    if (nl.clock() != null) b.append("      cairn_clk = 1'b0;\n");
  }

  /**
   * The loop of a lock-step session, reading commands from standard input (no trailing newline
   * directive in the formats: on a pipe it would wait for the next line). Cycle c starts at
   * t=1+10c; each probe applies its inputs 1 ns after the previous one (at most 5 per cycle), the
   * edge comes at t=6+10c.
   * <pre>
   * 1 IN...           probe: apply the inputs, settle 1 ns, answer "@ OUT..." (no edge)
   * 2                 edge: wait for t=6+10c, clock, next cycle
   * 3 IN... EXP...    batch cycle: apply, settle; if the outputs under the mask equal EXP, clock;
   *                   otherwise stop clocking and skip batch cycles until the next 4
   * 4                 sync: answer "= N OUT..." (N batch cycles clocked, the last one's outputs) or
   *                   "! N OUT..." (cycle N of the batch differed: its outputs; it is not clocked)
   * 5 MASK...         the output bits a batch compares
   * 0                 finish: dump the state
   * </pre>
   */
  private void interactiveLoop(StringBuilder b) {
    int ni = nl.inputs().size(), no = nl.outputs().size();
    for (int i = 0; i < ni; i++)
      b.insert(b.indexOf("  integer cairn_fin"),
          "  reg [" + (nl.inputs().get(i).width() - 1) + ":0] cairn_t" + i + ";\n");
    for (int i = 0; i < no; i++) {
      int w = nl.outputs().get(i).width() - 1;
      b.insert(b.indexOf("  integer cairn_fin"),
          "  reg [" + w + ":0] cairn_e" + i + ", cairn_m" + i + ", cairn_l" + i + ";\n");
    }
    int lineBits = 0;
    for (Netlist.Port p : nl.inputs()) lineBits += p.width() + 1;
    for (Netlist.Port p : nl.outputs()) lineBits += p.width() + 1;
    b.insert(b.indexOf("  integer cairn_fin"),
        "  integer cairn_rd, cairn_bad, cairn_ok;\n  reg [" + (8 * (lineBits + 16) - 1) + ":0] cairn_skip;\n");
    String ins = String.join(" ", java.util.Collections.nCopies(ni, "%b"));
    String outs = String.join(" ", java.util.Collections.nCopies(no, "%b"));
    StringBuilder oArgs = new StringBuilder(), lArgs = new StringBuilder(), iArgs = new StringBuilder(),
        tArgs = new StringBuilder(),
        eArgs = new StringBuilder(), mArgs = new StringBuilder();
    for (int i = 0; i < no; i++) {
      oArgs.append(", cairn_o").append(i);
      lArgs.append(", cairn_l").append(i);
      eArgs.append(", cairn_e").append(i);
      mArgs.append(", cairn_m").append(i);
    }
    for (int i = 0; i < ni; i++) {
      iArgs.append(", cairn_i").append(i);
      tArgs.append(", cairn_t").append(i);
    }
    String edge = "        #(5 - cairn_rd);\n" + (nl.clock() != null ? "        cairn_clk = 1'b1;\n" : "")
        + "        #5;\n"
        + (nl.clock() != null ? "        cairn_clk = 1'b0;\n" : "") + "        cairn_rd = 0;\n";
    b.append(
        "    cairn_fin = 32'h8000_0000;\n    cairn_go = 1'b1;\n    cairn_rd = 0;\n    cairn_bad = 0;\n    cairn_n = 0;\n");
    for (int i = 0; i < no; i++)
      b.append("    cairn_m").append(i).append(" = 0;\n    cairn_l").append(i).append(" = 0;\n");
    b.append("    while (cairn_go) begin\n");
    b.append("      cairn_r = $fscanf(cairn_fin, \"%d\", cairn_cmd);\n");
    b.append("      if (cairn_r != 1 || cairn_cmd == 0) cairn_go = 1'b0;\n");
    b.append("      else if (cairn_cmd == 1) begin\n");
    if (ni > 0)
      b.append("        cairn_r = $fscanf(cairn_fin, \"").append(ins).append("\"").append(iArgs).append(");\n");
    b.append("        #1;\n        cairn_rd = cairn_rd + 1;\n");
    b.append("        $display(\"@").append(no > 0 ? " " + outs : "").append("\"").append(oArgs)
        .append(");\n        $fflush;\n");
    b.append("      end else if (cairn_cmd == 2) begin\n").append(edge);
    b.append("      end else if (cairn_cmd == 3) begin\n");
    b.append(
        "        if (cairn_bad != 0) cairn_r = $fgets(cairn_skip, cairn_fin);   // skipped: the rest of the line, unparsed\n");
    b.append("        else begin\n");
    if (ni + no > 0) {
      b.append("          cairn_r = $fscanf(cairn_fin, \"")
          .append(String.join(" ", java.util.Collections.nCopies(ni + no, "%b"))).append("\"")
          .append(tArgs).append(eArgs).append(");\n");
    }
    for (int i = 0; i < ni; i++) b.append("          cairn_i").append(i).append(" = cairn_t").append(i).append(";\n");
    b.append("          #1;\n          cairn_rd = 1;\n          cairn_ok = 1;\n");
    for (int i = 0; i < no; i++) {
      b.append("          if (((cairn_o").append(i).append(" ^ cairn_e").append(i).append(") & cairn_m").append(i)
          .append(") != 0) cairn_ok = 0;\n");
    }
    b.append("          if (cairn_ok == 0) cairn_bad = 1;\n          else begin\n");
    for (int i = 0; i < no; i++) b.append("            cairn_l").append(i).append(" = cairn_o").append(i).append(";\n");
    b.append(edge.replace("        ", "            "))
        .append("            cairn_n = cairn_n + 1;\n          end\n        end\n");
    b.append("      end else if (cairn_cmd == 4) begin\n");
    b.append("        if (cairn_bad != 0) $display(\"! %0d").append(no > 0 ? " " + outs : "").append("\", cairn_n")
        .append(oArgs).append(");\n");
    b.append("        else $display(\"= %0d").append(no > 0 ? " " + outs : "").append("\", cairn_n").append(lArgs)
        .append(");\n");
    b.append("        $fflush;\n        cairn_bad = 0;\n        cairn_n = 0;\n");
    b.append("      end else if (cairn_cmd == 5) begin\n");
    if (no > 0)
      b.append("        cairn_r = $fscanf(cairn_fin, \"").append(outs).append("\"").append(mArgs).append(");\n");
    b.append("      end\n");
  }

  private HwState parseEnd(Path file, long cycle) throws IOException {
    byte[] flops = new byte[nl.flops().size()];
    long[][] mems = new long[nl.memories().size()][];
    for (int m = 0; m < mems.length; m++) mems[m] = new long[nl.memories().get(m).size()];
    int fi = 0;
    List<String> unknown = new ArrayList<>();
    for (String l : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
      if (l.startsWith("f ")) {
        char c = l.charAt(2);
        if (c != '0' && c != '1' && unknown.size() < 5)
          unknown.add("flop " + nl.flops().get(fi).stateName() + " is " + c);
        flops[fi++] = (byte) (c == '1' ? 1 : 0);
      } else if (l.startsWith("w ")) {
        String[] t = l.split(" ");
        int m = Integer.parseInt(t[1]), a = Integer.parseInt(t[2]);
        if (!t[3].matches("[0-9a-fA-F]+")) {
          if (unknown.size() < 5) unknown.add("word " + nl.memories().get(m).name() + "[" + a + "] is " + t[3]);
          continue;
        }
        mems[m][a] = Long.parseUnsignedLong(t[3], 16);
      }
    }
    if (fi != flops.length)
      throw new IOException("iverilog end state: " + fi + " flops read, expected " + flops.length);
    if (!unknown.isEmpty()) throw new IOException("iverilog end state has unknown (x/z) values, e.g. " + unknown);
    return new HwState(nl.hash(), nl.top(), cycle, flops, mems);
  }
}
