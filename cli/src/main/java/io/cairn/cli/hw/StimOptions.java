package io.cairn.cli.hw;

import io.cairn.hw.engine.RandomStimulus;
import io.cairn.hw.engine.Stimulus;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Input options shared by the hw commands: seeded random inputs, reset, fixed values. */
public final class StimOptions {
  @Option(names = "--seed", description = "seed of the random input values (default ${DEFAULT-VALUE})", defaultValue = "1")
  long seed;

  @Option(names = "--reset-cycles", description = "cycles with reset inputs (rst, reset, *_n...) active at the start (default ${DEFAULT-VALUE})", defaultValue = "1")
  int resetCycles;

  @Option(names = "--reset-every", description = "afterwards, assert reset with probability 1/N per cycle (0: never; default ${DEFAULT-VALUE})", defaultValue = "0")
  int resetEvery;

  @Option(names = "--set", description = "hold an input at a value, e.g. --set go=1 (repeatable)")
  Map<String, String> set = new LinkedHashMap<>();

  Stimulus stimulus() {
    Map<String, Long> fixed = new LinkedHashMap<>();
    set.forEach((k, v) -> fixed.put(k, io.cairn.hw.engine.Breakpoint.parseValue(v)));
    return new RandomStimulus(seed, resetCycles, resetEvery, fixed);
  }
}
