package io.cairn.cli.hw;

import io.cairn.cli.core.Json;
import io.cairn.hw.Hw;
import io.cairn.hw.link.SimPeer;
import io.cairn.hw.link.StateLink;
import io.cairn.hw.netlist.Netlist;
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
@Command(name = "link", mixinStandardHelpOptions = true,
    description = {"Run a design split in two: --fast part in the fast engine, --sim part (under debug) in the simulator",
        "with waveforms, linked by ports of the same name in lock-step over pipes; valid/ready --channel",
        "transfers are logged as transactions."})
public final class HwLinkCommand implements Callable<Integer> {
  @Option(names = "--fast", required = true, description = "JSON netlist of the part that runs fast") Path fastJson;

  @Option(names = "--sim", required = true, description = "JSON netlist of the part under debug") Path simJson;

  @Option(names = "--whole", description = "JSON netlist of the whole design: its inputs define the external inputs (so values match a whole-design run)")
  Path wholeJson;

  @Option(names = "--simulator", description = "iverilog, event or auto (default ${DEFAULT-VALUE})", defaultValue = "auto") Hw.SimKind kind;

  @Option(names = "--cycles", description = "cycles to run (default ${DEFAULT-VALUE})", defaultValue = "1000") long cycles;

  @Option(names = "--vcd", description = "waveforms of the simulated part") Path vcd;

  @Option(names = "--channel", description = "valid,ready,data port names of a stream to log (repeatable)") List<String> channels = new ArrayList<>();

  @Option(names = "--transactions", description = "write the transaction log here") Path txOut;

  @Option(names = "--json", description = "print the result as JSON") boolean json;

  @Mixin StimOptions stim;

  @Override public Integer call() throws Exception {
    Hw.Design fast = Hw.design(fastJson, null), sim = Hw.design(simJson, null);
    List<Netlist.Port> external = new ArrayList<>();
    if (wholeJson != null) {
      external.addAll(Hw.design(wholeJson, null).netlist().inputs());
    } else {
      for (Netlist nl : List.of(fast.netlist(), sim.netlist())) {
        for (Netlist.Port p : nl.inputs()) if (external.stream().noneMatch(q -> q.name().equals(p.name()))) external.add(p);
      }
    }
    StateLink link = new StateLink(fast.netlist(), sim.netlist(), external, channels.stream().map(StateLink.Channel::parse).toList());
    Path work = Files.createTempDirectory("cairn-hw-link");
    HwState simStart = HwState.initial(sim.netlist());
    var simulator = Hw.simulator(sim, kind, work);
    long t0 = System.nanoTime();
    StateLink.Result r;
    try (SimPeer peer = simulator instanceof IverilogSim iv ? SimPeer.of(iv.open(simStart, vcd)) : SimPeer.of(((EventSim) simulator).open(simStart, vcd))) {
      r = link.run(HwState.initial(fast.netlist()), peer, stim.stimulus(), cycles);
    } finally {
      try (var s = Files.list(work)) {
        for (Path p : s.toList()) if (Files.isRegularFile(p)) Files.deleteIfExists(p);
      }
      Files.deleteIfExists(work);
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    if (txOut != null) Files.write(txOut, r.transactions());
    Map<String, Long> last = new LinkedHashMap<>();
    if (!r.outputs().isEmpty()) for (int i = 0; i < r.outputNames().size(); i++) last.put(r.outputNames().get(i), r.outputs().getLast()[i]);
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("fast", fast.netlist().top());
      m.put("sim", sim.netlist().top());
      m.put("simulator", simulator.name());
      m.put("cycles", cycles);
      m.put("seconds", secs);
      m.put("messages", r.messages());
      m.put("transactions", r.transactions().size());
      m.put("lastOutputs", last);
      System.out.println(Json.write(m));
    } else {
      System.out.printf("linked %s (fast) <-> %s (%s) for %d cycles in %.2f s: %d messages, %d transactions%n", fast.netlist().top(),
          sim.netlist().top(), simulator.name(), cycles, secs, r.messages(), r.transactions().size());
      last.forEach((k, v) -> System.out.printf("  %s = 0x%x%n", k, v));
      if (vcd != null) System.out.println("  waveforms of " + sim.netlist().top() + ": " + vcd);
      if (txOut != null) System.out.println("  transactions: " + txOut);
    }
    return 0;
  }
}
