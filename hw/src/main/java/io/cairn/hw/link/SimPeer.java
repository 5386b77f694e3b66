package io.cairn.hw.link;

import io.cairn.hw.sim.EventSim;
import io.cairn.hw.sim.IverilogSim;
import io.cairn.hw.state.HwState;
import java.io.IOException;

/**
 * The simulator side of a link. Within a cycle it answers {@link #probe}s (apply inputs, settle,
 * answer the outputs; more than one when a combinational path crosses the boundary and the values
 * must reach a fixed point), then {@link #edge} clocks it. {@link #verify} runs a batch of cycles
 * whose inputs the fast side computed ahead, checking the simulator's outputs against the values the
 * fast side assumed, and stops at the first cycle where they differ (transaction-level exchange).
 */
public interface SimPeer extends AutoCloseable {
  /** At most this many probes in one cycle (iverilog settles each in 1 ns of the 5 ns before the edge). */
  int MAX_PROBES = 5;

  /** Applies inputs (the part's input order), settles and returns the outputs (output order); no clock edge. */
  long[] probe(long[] inputs) throws IOException;

  /** The rising clock edge with the inputs of the last probe; ends the cycle. */
  void edge() throws IOException;

  /** One whole cycle: {@link #probe} then {@link #edge}. */
  default long[] cycle(long[] inputs) throws IOException {
    long[] out = probe(inputs);
    edge();
    return out;
  }

  /**
   * The outcome of {@link #verify}: {@code edged} cycles matched and were clocked; if
   * {@code mismatch}, cycle {@code edged} of the batch was applied and settled but not clocked and
   * {@code outputs} are its outputs (the cycle continues with {@link #probe} and {@link #edge});
   * otherwise {@code outputs} are those of the batch's last cycle.
   */
  record Verified(int edged, boolean mismatch, long[] outputs) {}

  /**
   * Runs cycles {@code 0..n-1} of a batch: applies {@code inputs[j]}, settles, and clocks if the
   * outputs selected by {@code mask} (per output, a bit mask) equal {@code expected[j]}; stops at
   * the first cycle where they do not. The default drives {@link #probe} and {@link #edge}; a peer
   * behind a pipe sends the whole batch at once and answers once.
   */
  default Verified verify(long[][] inputs, long[][] expected, long[] mask, int n) throws IOException {
    long[] last = null;
    for (int j = 0; j < n; j++) {
      long[] out = probe(inputs[j]);
      for (int i = 0; i < out.length; i++)
        if (((out[i] ^ expected[j][i]) & mask[i]) != 0) return new Verified(j, true, out);
      edge();
      last = out;
    }
    return new Verified(n, false, last);
  }

  /** Ends the run and returns the state at the current cycle. */
  HwState finish() throws IOException;

  @Override
  void close() throws IOException;

  /** An iverilog process over pipes. */
  static SimPeer of(IverilogSim.Session s) {
    return new SimPeer() {
      @Override
      public long[] probe(long[] in) throws IOException { return s.probe(in); }
      @Override
      public void edge() throws IOException { s.edge(); }
      @Override
      public Verified verify(long[][] in, long[][] exp, long[] mask, int n) throws IOException {
        IverilogSim.Batch b = s.verify(in, exp, mask, n);
        return new Verified(b.edged(), b.mismatch(), b.outputs());
      }
      @Override
      public HwState finish() throws IOException { return s.finish(); }
      @Override
      public void close() throws IOException { s.close(); }
    };
  }

  /** Cairn's event-level simulator in this process. */
  static SimPeer of(EventSim.Session s) {
    return new SimPeer() {
      @Override
      public long[] probe(long[] in) throws IOException { return s.probe(in); }
      @Override
      public void edge() throws IOException { s.edge(); }
      @Override
      public HwState finish() throws IOException { return s.finish(); }
      @Override
      public void close() throws IOException { s.close(); }
    };
  }
}
