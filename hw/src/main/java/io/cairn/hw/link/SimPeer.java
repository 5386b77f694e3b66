package io.cairn.hw.link;

import io.cairn.hw.sim.EventSim;
import io.cairn.hw.sim.IverilogSim;
import io.cairn.hw.state.HwState;
import java.io.IOException;

/** The simulator side of a link, driven one cycle at a time. */
public interface SimPeer extends AutoCloseable {
  /** Applies inputs (the part's input order), settles, returns outputs (output order), then clocks. */
  long[] cycle(long[] inputs) throws IOException;

  /** Ends the run and returns the state at the current cycle. */
  HwState finish() throws IOException;

  @Override void close() throws IOException;

  /** An iverilog process over pipes. */
  static SimPeer of(IverilogSim.Session s) {
    return new SimPeer() {
      @Override public long[] cycle(long[] in) throws IOException { return s.cycle(in); }
      @Override public HwState finish() throws IOException { return s.finish(); }
      @Override public void close() throws IOException { s.close(); }
    };
  }

  /** Cairn's event-level simulator in this process. */
  static SimPeer of(EventSim.Session s) {
    return new SimPeer() {
      @Override public long[] cycle(long[] in) throws IOException { return s.cycle(in); }
      @Override public HwState finish() throws IOException { return s.finish(); }
      @Override public void close() throws IOException { s.close(); }
    };
  }
}
