package io.cairn.hw;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cairn.hw.netlist.Netlist;
import io.cairn.hw.netlist.NetlistLoader;
import io.cairn.hw.netlist.Tools;
import io.cairn.hw.netlist.Yosys;
import io.cairn.hw.sim.IverilogSim;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The example designs, synthesised once per test JVM with Yosys into target/hw-work. */
public final class Examples {
  private Examples() {}

  /** A synthesised example. */
  public record Design(String name, Netlist netlist, Yosys.Synthesis synthesis) {}

  private static final Map<String, Design> CACHE = new ConcurrentHashMap<>();

  public static Path examples() {
    return Path.of(System.getProperty("cairn.hw.examples", "examples")).toAbsolutePath();
  }

  public static Path work() {
    Path p = Path.of(System.getProperty("cairn.hw.work", "target/hw-work")).toAbsolutePath();
    try {
      Files.createDirectories(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p;
  }

  public static void assumeYosys() {
    assumeTrue(Tools.which("yosys").isPresent(),
        "yosys not installed (Debian package yosys; run scripts/install-deps.sh): skipping");
  }

  public static void assumeIverilog() {
    assumeYosys();
    assumeTrue(IverilogSim.available(),
        "iverilog/vvp not installed (Debian package iverilog; run scripts/install-deps.sh): skipping");
  }

  /** Sources and top of an example: counter, fifo, uart, cpu, link/source, link/sink, link/system. */
  public static Design get(String name) {
    assumeYosys();
    return CACHE.computeIfAbsent(name, n -> {
      try {
        String dirName = n.contains("/") ? n.substring(0, n.indexOf('/')) : n;
        String top = n.contains("/") ? n.substring(n.indexOf('/') + 1) : n;
        Path dir = examples().resolve(dirName);
        List<Path> files = new ArrayList<>();
        if (Files.exists(dir.resolve(top + ".f"))) {
          for (String l : Files.readAllLines(dir.resolve(top + ".f")))
            if (!l.isBlank()) files.add(dir.resolve(l.trim()).normalize());
        } else {
          files.add(dir.resolve(top + ".v"));
          try (var s = Files.list(dir)) {
            s.filter(p -> p.toString().endsWith(".v") && !p.getFileName().toString().equals(top + ".v")).sorted()
                .forEach(files::add);
          }
        }
        Yosys.Synthesis syn = Yosys.synthesize(files, top, work().resolve("netlists").resolve(n.replace('/', '_')));
        return new Design(n, NetlistLoader.load(syn.json()), syn);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }
}
