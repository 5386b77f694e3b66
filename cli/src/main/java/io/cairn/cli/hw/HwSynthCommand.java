package io.cairn.cli.hw;

import io.cairn.cli.core.Json;
import io.cairn.hw.netlist.Netlist;
import io.cairn.hw.netlist.NetlistLoader;
import io.cairn.hw.netlist.Yosys;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn hw synth}: Verilog to the JSON and Verilog netlists with Cairn's Yosys script. */
@Command(name = "synth", mixinStandardHelpOptions = true, description = "Synthesise Verilog with Yosys (Cairn's script, see docs/hardware-debug.md) into <top>.json and <top>_netlist.v.")
public final class HwSynthCommand implements Callable<Integer> {
  @Parameters(arity = "1..*", description = "Verilog files (a file ending in .f lists files, one per line, relative to it)")
  List<Path> files;

  @Option(names = "--top", required = true, description = "top module")
  String top;

  @Option(names = {"-o",
      "--out"}, description = "output directory (default: ${DEFAULT-VALUE})", defaultValue = "hw-out")
  Path out;

  @Option(names = "--print-script", description = "print the Yosys script that would run, and stop (nothing is synthesised)")
  boolean printScript;

  @Option(names = "--json", description = "print the result as JSON")
  boolean json;

  @Override
  public Integer call() throws Exception {
    return HwErrors.guard("synth", this::synth);
  }

  private int synth() throws Exception {
    List<Path> srcs = new java.util.ArrayList<>();
    for (Path f : files) {
      if (f.toString().endsWith(".f")) {
        for (String l : java.nio.file.Files.readAllLines(f))
          if (!l.isBlank() && !l.startsWith("#"))
            srcs.add(f.toAbsolutePath().getParent().resolve(l.trim()).normalize());
      } else {
        srcs.add(f);
      }
    }
    if (printScript) {
      System.out.print(Yosys.script(srcs, top, out.resolve(top + ".json"), out.resolve(top + "_netlist.v")));
      return 0;
    }
    Yosys.Synthesis s = Yosys.synthesize(srcs, top, out);
    Netlist nl = NetlistLoader.load(s.json());
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("json", s.json().toString());
      m.put("verilog", s.verilog().toString());
      m.put("gates", nl.gates().size());
      m.put("flops", nl.flops().size());
      m.put("memories", nl.memories().size());
      m.put("stateBits", nl.stateBits());
      m.put("netlistHash", nl.hash());
      System.out.println(Json.write(m));
    } else {
      System.out.printf("%s: %d gates, %d flops, %d memories (%d state bits), clock %s%n  %s%n  %s%n", top,
          nl.gates().size(),
          nl.flops().size(), nl.memories().size(), nl.stateBits(), nl.clock(), s.json(), s.verilog());
    }
    return 0;
  }
}
