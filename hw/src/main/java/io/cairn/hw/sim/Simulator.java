package io.cairn.hw.sim;

import io.cairn.hw.engine.Stimulus;
import io.cairn.hw.state.HwState;
import java.io.IOException;
import java.nio.file.Path;

/** An observable simulator: starts from any state, runs with waveforms, returns the state at the end. */
public interface Simulator {
  /**
   * Runs {@code cycles} cycles from {@code start} (cycle numbers continue from {@code start.cycle()})
   * with the given inputs. {@code vcd}: waveform file or null. {@code trace}: record per-cycle lines.
   */
  SimResult run(HwState start, Stimulus stimulus, long cycles, Path vcd, boolean trace) throws IOException;

  /** A short name for messages ("iverilog", "event"). */
  String name();
}
