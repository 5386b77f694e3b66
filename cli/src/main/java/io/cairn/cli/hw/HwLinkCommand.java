package io.cairn.cli.hw;

import io.cairn.cli.core.Json;
import io.cairn.hw.Hw;
import io.cairn.hw.WorkDir;
import io.cairn.hw.link.SimPeer;
import io.cairn.hw.link.StateLink;
import io.cairn.hw.link.StateProjection;
import io.cairn.hw.netlist.Netlist;
import io.cairn.hw.netlist.Split;
import io.cairn.hw.sim.EventSim;
import io.cairn.hw.sim.IverilogSim;
import io.cairn.hw.state.HwState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cairn hw link}: StateLink, one part fast, one part in the simulator, in lock-step. */
@Command(name = "link", mixinStandardHelpOptions = true, description = "StateLink: run a design split in two, the --fast part in the fast engine and the --sim part (under debug) "
    + "in the simulator with waveforms, linked by ports of the same name over pipes, cycle-exact; with declared --channel "
    + "handshakes the parts exchange whole batches and synchronise only where a transaction changes what the simulator "
    + "sends (--exchange), and transfers are logged as transactions.")
public final class HwLinkCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--fast", description = "JSON netlist of the part that runs fast (or use --split)")
  Path fastJson;

  @Option(names = "--sim", description = "JSON netlist of the part under debug (or use --split)")
  Path simJson;

  @Option(names = "--split", description = "split the design (Verilog SOURCES, --top) at this instance of the top module: the instance runs in "
      + "the simulator, the rest fast; the boundary comes from the netlist, the three netlists are synthesised into --out")
  String split;

  @Option(names = "--top", description = "with --split: the top module of SOURCES")
  String top;

  @Option(names = {"-o",
      "--out"}, description = "with --split: where the netlists go (default: hw-out/split-<instance>)")
  Path out;

  @picocli.CommandLine.Parameters(arity = "0..*", paramLabel = "SOURCES", description = "with --split: Verilog files (or .f lists)")
  List<Path> sources = new ArrayList<>();

  @Option(names = "--whole", description = "JSON netlist of the whole design: its inputs define the external inputs (so values match a whole-design run)")
  Path wholeJson;

  @Option(names = "--simulator", description = "iverilog, event or auto (default ${DEFAULT-VALUE})", defaultValue = "auto")
  Hw.SimKind kind;

  @Option(names = "--cycles", description = "cycles to run (default ${DEFAULT-VALUE})", defaultValue = "1000")
  long cycles;

  @Option(names = "--vcd", description = "waveforms of the simulated part")
  Path vcd;

  @Option(names = "--channel", description = "a handshake channel between the parts: name:valid=V,ready=R[,data=D], name:req=Q,ack=A[,data=D] "
      + "or V,R,D (repeatable); its transfers are logged and it allows transaction-level exchange")
  List<String> channels = new ArrayList<>();

  @Option(names = "--channels", description = "a file of channels, one --channel spec per line (# comments)")
  Path channelFile;

  @Option(names = "--exchange", description = "cycle (pin values every cycle), transaction (batches, synchronised where a transaction crosses; "
      + "needs every output of the simulated part that the fast part reads in a channel) or auto: transaction when the channels allow it "
      + "(default ${DEFAULT-VALUE})", defaultValue = "auto")
  String exchange;

  @Option(names = "--bench", description = "run the link twice from the same state, per-cycle and transaction-level exchange, check that the end "
      + "states are byte-identical and print both speeds and their ratio (no waveforms)")
  boolean bench;

  @Option(names = "--transactions", description = "write the transaction log here")
  Path txOut;

  @Option(names = "--whole-state", description = "start from this state of the whole design (needs --whole and the prefixes): it is split into the two parts")
  Path wholeState;

  @Option(names = "--fast-prefix", description = "instance name of the fast part in the whole design (e.g. src)")
  String fastPrefix;

  @Option(names = "--sim-prefix", description = "instance name of the simulated part in the whole design (e.g. snk)")
  String simPrefix;

  @Option(names = "--save-whole-state", description = "merge the two parts' end states into a state of the whole design, written here")
  Path saveWholeState;

  @Option(names = "--json", description = "print the result as JSON")
  boolean json;

  @Mixin
  StimOptions stim;

  @Override
  public Integer call() throws Exception {
    return HwErrors.guard("link", this::link);
  }

  private int link() throws Exception {
    if (split != null) {
      if (fastJson != null || simJson != null || wholeJson != null || fastPrefix != null || simPrefix != null) {
        throw new IllegalArgumentException(
            "--split derives --fast, --sim, --whole and the prefixes itself: give only SOURCES and --top");
      }
      if (top == null || sources.isEmpty())
        throw new IllegalArgumentException("--split needs the Verilog SOURCES and --top");
      List<Path> srcs = new ArrayList<>();
      for (Path f : sources) {
        if (f.toString().endsWith(".f")) {
          for (String l : Files.readAllLines(f))
            if (!l.isBlank() && !l.startsWith("#"))
              srcs.add(f.toAbsolutePath().getParent().resolve(l.trim()).normalize());
        } else {
          srcs.add(f);
        }
      }
      Path dir = out != null ? out : Path.of("hw-out", "split-" + split);
      Split.Parts parts = Split.split(srcs, top, split, dir);
      if (!json) {
        System.out.printf("split %s at instance %s (module %s): whole %s, fast part %s, simulated part %s%n", top,
            split, parts.module(),
            parts.whole().json(), parts.fast().json(), parts.sim().json());
      }
      fastJson = parts.fast().json();
      simJson = parts.sim().json();
      wholeJson = parts.whole().json();
      fastPrefix = "";
      simPrefix = "";
    } else if (fastJson == null || simJson == null) {
      throw new IllegalArgumentException("give --fast and --sim netlists, or --split INSTANCE with SOURCES and --top");
    } else if (!sources.isEmpty()) {
      throw new IllegalArgumentException("SOURCES are for --split");
    }
    Hw.Design fast = Hw.design(fastJson, null), sim = Hw.design(simJson, null);
    List<Netlist.Port> external = new ArrayList<>();
    Hw.Design whole = wholeJson == null ? null : Hw.design(wholeJson, null);
    if ((wholeState != null || saveWholeState != null) && (whole == null || fastPrefix == null || simPrefix == null)) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "--whole-state/--save-whole-state need --whole, --fast-prefix and --sim-prefix");
    }
    if (whole != null) {
      external.addAll(whole.netlist().inputs());
    } else {
      for (Netlist nl : List.of(fast.netlist(), sim.netlist())) {
        for (Netlist.Port p : nl.inputs())
          if (external.stream().noneMatch(q -> q.name().equals(p.name()))) external.add(p);
      }
    }
    List<StateLink.Channel> chans = new ArrayList<>();
    for (String c : channels) chans.add(StateLink.Channel.parse(c));
    if (channelFile != null) {
      int no = 0;
      for (String l : Files.readAllLines(channelFile)) {
        no++;
        if (l.isBlank() || l.trim().startsWith("#")) continue;
        try {
          chans.add(StateLink.Channel.parse(l));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(channelFile + " line " + no + ": " + e.getMessage());
        }
      }
    }
    StateLink link = new StateLink(fast.netlist(), sim.netlist(), external, chans);
    String refusal = link.transactionLevelRefusal();
    StateLink.Exchange mode = switch (exchange) {
      case "cycle" -> StateLink.Exchange.CYCLE;
      case "transaction" -> {
        if (refusal != null)
          throw new IllegalArgumentException(
              "--exchange transaction: " + refusal + " (declare it with --channel, or use --exchange cycle)");
        yield StateLink.Exchange.TRANSACTION;
      }
      case "auto" -> refusal == null ? StateLink.Exchange.TRANSACTION : StateLink.Exchange.CYCLE;
      default -> throw new IllegalArgumentException("--exchange " + exchange + ": expected cycle, transaction or auto");
    };
    if (exchange.equals("auto") && !chans.isEmpty() && refusal != null) {
      System.err.println("cairn hw link: note: exchanging pin values every cycle: " + refusal);
    }
    if (bench && refusal != null)
      throw new IllegalArgumentException(
          "--bench compares with transaction-level exchange, which is not possible: " + refusal);
    if (bench && vcd != null)
      throw new IllegalArgumentException("--bench times the link without waveforms: leave out --vcd");
    if (!json && !link.sameCyclePaths().isEmpty()) {
      System.out.println("same-cycle exchange: outputs of the fast part depend combinationally on the simulated part ("
          + String.join("; ", link.sameCyclePaths())
          + "): values are exchanged until they agree before each clock edge");
    }
    io.cairn.hw.engine.Stimulus stimulus = stim
        .stimulus(whole != null ? whole.netlist().top() : fast.netlist().top() + "+" + sim.netlist().top(), external);
    HwState simStart = HwState.initial(sim.netlist()), fastStart = HwState.initial(fast.netlist());
    StateProjection pf = null, ps = null;
    HwState wholeStart = null;
    if (whole != null && fastPrefix != null && simPrefix != null) {
      pf = new StateProjection(whole.netlist(), fast.netlist(), fastPrefix);
      ps = new StateProjection(whole.netlist(), sim.netlist(), simPrefix);
      wholeStart = wholeState == null ? HwState.initial(whole.netlist()) : Hw.readState(whole, wholeState);
      fastStart = pf.toPart(wholeStart);
      simStart = ps.toPart(wholeStart);
      for (var proj : List.of(pf, ps)) {
        if (!proj.unmatchedFlops().isEmpty()) {
          System.err.println("cairn hw link: note: " + proj.unmatchedFlops().size()
              + " flop(s) of a part are not in the whole design (Yosys removed "
              + "them there as unobservable): they start at 0 and are left out of the whole-design state, e.g. "
              + proj.unmatchedFlops().getFirst());
        }
      }
    }
    StateLink.Result r;
    String simName;
    double secs;
    double[] benchSecs = null, benchCpu = null;
    if (bench) {
      // the same start, per-cycle then transaction-level, each timed with its simulator start-up; first
      // both untimed in the in-process event simulator, so that neither pays for warming up the JIT
      for (StateLink.Exchange x : StateLink.Exchange.values()) {
        try (SimPeer peer = SimPeer.of(new EventSim(sim.netlist()).open(simStart, null))) {
          link.run(fastStart, peer, stimulus, Math.min(cycles, 2000), x);
        }
      }
      benchSecs = new double[2];
      double[] cpu = new double[2];
      benchCpu = cpu;
      StateLink.Result[] rs = new StateLink.Result[2];
      String name = null;
      java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
      for (int i = 0; i < 2; i++) {
        long t = System.nanoTime(), c0 = mx.getCurrentThreadCpuTime();
        long vvp = 0;
        try (WorkDir workDir = WorkDir.create("cairn-hw-link")) {
          var simulator = Hw.simulator(sim, kind, workDir.path());
          name = simulator.name();
          if (simulator instanceof IverilogSim iv) {
            IverilogSim.Session s = iv.open(simStart, null);
            try (SimPeer peer = SimPeer.of(s)) {
              rs[i] = link.run(fastStart, peer, stimulus, cycles,
                  i == 0 ? StateLink.Exchange.CYCLE : StateLink.Exchange.TRANSACTION);
            }
            vvp = Math.max(0, s.finishCpuNanos());
          } else {
            try (SimPeer peer = open(simulator, simStart, null)) {
              rs[i] = link.run(fastStart, peer, stimulus, cycles,
                  i == 0 ? StateLink.Exchange.CYCLE : StateLink.Exchange.TRANSACTION);
            }
          }
        }
        benchSecs[i] = (System.nanoTime() - t) / 1e9;
        cpu[i] = (mx.getCurrentThreadCpuTime() - c0 + vvp) / 1e9;
      }
      if (!rs[0].simEnd().equals(rs[1].simEnd()) || !rs[0].fastEnd().equals(rs[1].fastEnd())
          || !rs[0].transactions().equals(rs[1].transactions())) {
        throw new IllegalStateException("per-cycle and transaction-level exchange ended in different states: "
            + rs[0].simEnd().diff(rs[1].simEnd(), sim.netlist(), 5) + " "
            + rs[0].fastEnd().diff(rs[1].fastEnd(), fast.netlist(), 5));
      }
      r = rs[1];
      simName = name;
      secs = benchSecs[1];
      StateLink.Result c = rs[0];
      if (!json) {
        System.out.printf("link bench, %s, %d cycles from cycle %d, the same inputs; end states byte-identical:%n",
            name, cycles, fastStart.cycle());
        System.out.printf("  per-cycle exchange   : %8.2f s  %10.0f cycles/s  CPU %6.2f s  %d round trips%n",
            benchSecs[0], cycles / benchSecs[0], cpu[0],
            c.syncs());
        System.out.printf(
            "  transaction exchange : %8.2f s  %10.0f cycles/s  CPU %6.2f s  %d round trips (%d batches cut short), %d transactions%n",
            benchSecs[1], cycles / benchSecs[1], cpu[1], r.syncs(), r.mispredictions(), r.transactions().size());
        System.out.printf(
            "  speed-up             : %.2fx wall time, %.2fx CPU time (this thread + the simulator process; on a busy machine "
                + "the CPU ratio is the steadier one)%n",
            benchSecs[0] / benchSecs[1], cpu[0] / cpu[1]);
      }
    } else {
      long t0 = System.nanoTime();
      try (WorkDir workDir = WorkDir.create("cairn-hw-link")) {
        var simulator = Hw.simulator(sim, kind, workDir.path());
        simName = simulator.name();
        try (SimPeer peer = open(simulator, simStart, vcd)) {
          r = link.run(fastStart, peer, stimulus, cycles, mode);
        }
      }
      secs = (System.nanoTime() - t0) / 1e9;
    }
    if (txOut != null) Files.write(txOut, r.transactions());
    if (saveWholeState != null)
      Hw.writeState(whole, ps.intoWhole(r.simEnd(), pf.intoWhole(r.fastEnd(), wholeStart)), saveWholeState);
    Map<String, Long> last = new LinkedHashMap<>(r.lastOutputs());
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("fast", fast.netlist().top());
      m.put("sim", sim.netlist().top());
      m.put("simulator", simName);
      m.put("startCycle", fastStart.cycle());
      m.put("cycles", cycles);
      m.put("seconds", secs);
      m.put("exchange", r.exchange().name().toLowerCase(java.util.Locale.ROOT));
      m.put("messages", r.messages());
      m.put("roundTrips", r.syncs());
      if (benchSecs != null) {
        m.put("cycleExchangeSeconds", benchSecs[0]);
        m.put("transactionExchangeSeconds", benchSecs[1]);
        m.put("speedup", benchSecs[0] / benchSecs[1]);
        m.put("cpuSpeedup", benchCpu[0] / benchCpu[1]);
      }
      m.put("transactions", r.transactions().size());
      m.put("lastOutputs", last);
      System.out.println(Json.write(m));
    } else {
      System.out.printf(
          "linked %s (fast) <-> %s (%s) for %d cycles in %.2f s, %s exchange: %d messages, %d round trips, %d transactions%n",
          fast.netlist().top(), sim.netlist().top(), simName, cycles, secs,
          r.exchange() == StateLink.Exchange.CYCLE ? "per-cycle" : "transaction-level",
          r.messages(), r.syncs(), r.transactions().size());
      last.forEach((k, v) -> System.out.printf("  %s = 0x%x%n", k, v));
      if (vcd != null) System.out.println("  waveforms of " + sim.netlist().top() + ": " + vcd);
      if (txOut != null) System.out.println("  transactions: " + txOut);
      if (saveWholeState != null)
        System.out.println("  whole-design state at cycle " + (fastStart.cycle() + cycles) + ": " + saveWholeState);
    }
    return 0;
  }

  private static SimPeer open(io.cairn.hw.sim.Simulator simulator, HwState start, Path vcd) throws java.io.IOException {
    return simulator instanceof IverilogSim iv
        ? SimPeer.of(iv.open(start, vcd))
        : SimPeer.of(((EventSim) simulator).open(start, vcd));
  }
}
