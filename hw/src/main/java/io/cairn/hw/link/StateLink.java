package io.cairn.hw.link;

import io.cairn.hw.engine.FastEngine;
import io.cairn.hw.engine.Stimulus;
import io.cairn.hw.netlist.Netlist;
import io.cairn.hw.state.HwState;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * StateLink: a design split in two, one part in the fast engine and the part under debug in a
 * simulator. Ports are linked by name (an output of one part feeding the input of the same name of
 * the other); every other input is external and takes its value from a stimulus over the whole
 * design's inputs (by name).
 *
 * <p>{@link Exchange#CYCLE}: every cycle the fast part settles (with the simulator's outputs of the
 * previous cycle as a first guess) and sends its linked outputs; the simulator settles and answers
 * its outputs without clocking; the fast part settles with the answer, and if its linked outputs
 * changed (a combinational path from the simulator's outputs to the fast part's, such as an
 * asynchronous-read RAM in the fast part whose address comes from a CPU in the simulator) the new
 * values are sent again, until they agree; then both clock. The whole design has no combinational
 * loop, so this fixed point is reached and is the value the whole design settles to; a loop across
 * the boundary is refused when the link is built.
 *
 * <p>{@link Exchange#TRANSACTION}: where every output of the simulator that the fast part reads
 * belongs to a declared {@link Channel}, the fast part runs ahead assuming those signals hold their
 * value, and sends a whole batch of cycles at once; the simulator applies them cycle by cycle and
 * checks its outputs against the assumption, clocking only while they agree. At the first cycle
 * where they differ (typically where a transaction crosses: a ready that drops, a valid that rises)
 * it stops and answers; the fast part rolls back to that cycle, resolves it as above and starts the
 * next batch. Every cycle that is clocked has had exactly the inputs of the per-cycle exchange, so the
 * end state is the same; the two sides synchronise once per batch instead of once per cycle.
 */
public final class StateLink {
  private static final int MIN_BATCH = 16;

  /** How the two parts exchange values. */
  public enum Exchange { CYCLE, TRANSACTION }

  /**
   * A declared handshake channel between the parts. {@code VALID_READY}: a transfer in each cycle
   * where valid and ready are both 1. {@code REQ_ACK}: a transfer in the first cycle of each run of
   * cycles with req and ack both 1 (four-phase handshake); {@code valid} holds req, {@code ready}
   * holds ack. {@code data} may be null.
   */
  public record Channel(String name, Kind kind, String valid, String ready, String data) {
    /** The handshake kind. */
    public enum Kind { VALID_READY, REQ_ACK }

    /** A valid/ready channel named after its data signal. */
    public Channel(String valid, String ready, String data) {
      this(data, Kind.VALID_READY, valid, ready, data);
    }

    /**
     * {@code valid,ready,data}, or {@code name:valid=V,ready=R[,data=D]}, or
     * {@code name:req=Q,ack=A[,data=D]}.
     */
    public static Channel parse(String spec) {
      String s = spec.trim();
      int colon = s.indexOf(':');
      if (colon < 0) {
        String[] t = s.split(",");
        if (t.length != 3)
          throw new IllegalArgumentException(
              "channel must be valid,ready,data or name:valid=V,ready=R,data=D: " + spec);
        return new Channel(t[0].trim(), t[1].trim(), t[2].trim());
      }
      String name = s.substring(0, colon).trim();
      if (!name.matches("[A-Za-z_][A-Za-z0-9_.$]*"))
        throw new IllegalArgumentException("channel " + spec + ": bad channel name '" + name + "'");
      Map<String, String> kv = new LinkedHashMap<>();
      for (String part : s.substring(colon + 1).split(",")) {
        String[] p = part.split("=", 2);
        if (p.length != 2 || p[1].isBlank())
          throw new IllegalArgumentException("channel " + name + ": expected key=signal, got '" + part.trim() + "'");
        String key = p[0].trim();
        if (!List.of("valid", "ready", "req", "ack", "data").contains(key)) {
          throw new IllegalArgumentException(
              "channel " + name + ": unknown key '" + key + "' (valid, ready, req, ack, data)");
        }
        if (kv.put(key, p[1].trim()) != null)
          throw new IllegalArgumentException("channel " + name + ": " + key + " given twice");
      }
      if (kv.containsKey("valid") && kv.containsKey("ready") && !kv.containsKey("req") && !kv.containsKey("ack")) {
        return new Channel(name, Kind.VALID_READY, kv.get("valid"), kv.get("ready"), kv.get("data"));
      }
      if (kv.containsKey("req") && kv.containsKey("ack") && !kv.containsKey("valid") && !kv.containsKey("ready")) {
        return new Channel(name, Kind.REQ_ACK, kv.get("req"), kv.get("ack"), kv.get("data"));
      }
      throw new IllegalArgumentException(
          "channel " + name + ": give valid= and ready=, or req= and ack= (and optionally data=): " + spec);
    }

    List<String> signals() { return data == null ? List.of(valid, ready) : List.of(valid, ready, data); }
  }

  /**
   * The outcome of a linked run. {@code outputs} holds, for every cycle, the values of
   * {@code outputNames}: every output of the fast part and those of the simulated part (in
   * transaction-level exchange only the simulator's outputs that the fast part reads, the others
   * are not sent every cycle: {@code lastOutputs} has every output of the last cycle).
   * {@code messages} counts requests and answers between the parts (a batch is one message),
   * {@code syncs} the round trips, {@code mispredictions} the batches cut short.
   */
  public record Result(List<String> outputNames, List<long[]> outputs, List<String> transactions,
      HwState fastEnd, HwState simEnd, long messages, Exchange exchange, long syncs, long mispredictions,
      Map<String, Long> lastOutputs) {}

  private final Netlist fast, sim;
  private final List<Netlist.Port> external;
  private final List<Channel> channels;
  // for each fast input: source (-1 external) = index of sim output; same for sim inputs
  private final int[] fastInFromSim, simInFromFast, fastInExt, simInExt;
  private final List<String> sameCycle = new ArrayList<>();

  /**
   * @param external the whole design's inputs (except the clock), the index space of the stimulus
   */
  public StateLink(Netlist fast, Netlist sim, List<Netlist.Port> external, List<Channel> channels) {
    this.fast = fast;
    this.sim = sim;
    this.external = List.copyOf(external);
    this.channels = List.copyOf(channels);
    fastInFromSim = new int[fast.inputs().size()];
    fastInExt = new int[fast.inputs().size()];
    simInFromFast = new int[sim.inputs().size()];
    simInExt = new int[sim.inputs().size()];
    wire(fast, sim, fastInFromSim, fastInExt);
    wire(sim, fast, simInFromFast, simInExt);
    checkBoundary();
    for (Channel c : channels) {
      for (String n : c.signals()) {
        if (find(fast.outputs(), n) < 0 && find(sim.outputs(), n) < 0) {
          throw new IllegalArgumentException(
              "channel " + c.name() + ": signal " + n + " is not an output of either part");
        }
      }
    }
  }

  private static int find(List<Netlist.Port> ports, String name) {
    for (int i = 0; i < ports.size(); i++) if (ports.get(i).name().equals(name)) return i;
    return -1;
  }

  private void wire(Netlist to, Netlist from, int[] fromOther, int[] ext) {
    for (int i = 0; i < to.inputs().size(); i++) {
      Netlist.Port p = to.inputs().get(i);
      fromOther[i] = find(from.outputs(), p.name());
      ext[i] = find(external, p.name());
      if (fromOther[i] >= 0 && from.outputs().get(fromOther[i]).width() != p.width()) {
        throw new IllegalArgumentException("linked port " + p.name() + " is " + p.width() + " bits in " + to.top()
            + " but " + from.outputs().get(fromOther[i]).width() + " in " + from.top());
      }
      if (fromOther[i] < 0 && ext[i] < 0) {
        throw new IllegalArgumentException("input " + p.name() + " of " + to.top() + " is neither an output of "
            + from.top() + " nor an input of the whole design");
      }
    }
  }

  /** For each output of {@code part}: the linked inputs (names) it depends on combinationally. */
  private static Map<String, List<String>> combinationalDeps(Netlist part, int[] inFromOther) {
    Map<Integer, String> linkedIn = new HashMap<>();
    for (int i = 0; i < part.inputs().size(); i++)
      if (inFromOther[i] >= 0) for (int n : part.inputs().get(i).nets()) linkedIn.put(n, part.inputs().get(i).name());
    Map<Integer, int[]> driverInputs = new HashMap<>();
    for (Netlist.Gate g : part.gates()) driverInputs.put(g.out(), g.in());
    for (Netlist.Memory m : part.memories())
      for (Netlist.ReadPort rp : m.readPorts()) for (int d : rp.data()) driverInputs.put(d, rp.addr());
    Map<String, List<String>> deps = new LinkedHashMap<>();
    for (Netlist.Port out : part.outputs()) {
      BitSet seen = new BitSet();
      ArrayDeque<Integer> work = new ArrayDeque<>();
      for (int n : out.nets()) work.add(n);
      List<String> d = new ArrayList<>();
      while (!work.isEmpty()) {
        int n = work.poll();
        if (seen.get(n)) continue;
        seen.set(n);
        String in = linkedIn.get(n);
        if (in != null && !d.contains(in)) d.add(in);
        int[] ins = driverInputs.get(n);
        if (ins != null) for (int x : ins) work.add(x);
      }
      deps.put(out.name(), d);
    }
    return deps;
  }

  /**
   * Combinational paths across the boundary are allowed in one direction at a time (they are
   * resolved by exchanging values until they agree); a loop through both parts is refused.
   */
  private void checkBoundary() {
    Map<String, List<String>> fd = combinationalDeps(fast, fastInFromSim), sd = combinationalDeps(sim, simInFromFast);
    // graph over linked signals: "f:x" = fast output x read by the simulator, "s:y" = simulator output y read by the fast part
    Map<String, List<String>> next = new LinkedHashMap<>();
    for (int s = 0; s < sim.inputs().size(); s++) {
      if (simInFromFast[s] < 0) continue;
      String x = fast.outputs().get(simInFromFast[s]).name();
      List<String> to = new ArrayList<>();
      sd.forEach((out, ins) -> { if (ins.contains(x) && linkedToFast(out)) to.add("s:" + out); });
      next.put("f:" + x, to);
    }
    for (int f = 0; f < fast.inputs().size(); f++) {
      if (fastInFromSim[f] < 0) continue;
      String y = sim.outputs().get(fastInFromSim[f]).name();
      List<String> to = new ArrayList<>();
      fd.forEach((out, ins) -> { if (ins.contains(y) && linkedToSim(out)) to.add("f:" + out); });
      if (!to.isEmpty()) sameCycle.add(String.join(", ", to.stream().map(t -> t.substring(2)).toList()) + " <- " + y);
      next.put("s:" + y, to);
    }
    Map<String, Integer> mark = new HashMap<>();
    for (String n : next.keySet()) {
      List<String> loop = findLoop(n, next, mark, new ArrayList<>());
      if (loop != null) {
        throw new IllegalArgumentException(
            "combinational loop across the boundary between " + fast.top() + " (fast) and " + sim.top()
                + " (simulated): "
                + String.join(" -> ", loop.stream()
                    .map(t -> t.substring(2) + (t.startsWith("f:") ? " (" + fast.top() + ")" : " (" + sim.top() + ")"))
                    .toList())
                + "; a design with a combinational loop has no cycle semantics: register one of them");
      }
    }
  }

  private static List<String> findLoop(String n, Map<String, List<String>> next, Map<String, Integer> mark,
      List<String> path) {
    Integer m = mark.get(n);
    if (m != null && m == 2) return null;
    if (m != null && m == 1) {
      List<String> loop = new ArrayList<>(path.subList(path.indexOf(n), path.size()));
      loop.add(n);
      return loop;
    }
    mark.put(n, 1);
    path.add(n);
    for (String t : next.getOrDefault(n, List.of())) {
      List<String> l = findLoop(t, next, mark, path);
      if (l != null) return l;
    }
    path.removeLast();
    mark.put(n, 2);
    return null;
  }

  private boolean linkedToFast(String simOutput) {
    for (int f = 0; f < fast.inputs().size(); f++)
      if (fastInFromSim[f] >= 0 && sim.outputs().get(fastInFromSim[f]).name().equals(simOutput)) return true;
    return false;
  }

  private boolean linkedToSim(String fastOutput) {
    for (int s = 0; s < sim.inputs().size(); s++)
      if (simInFromFast[s] >= 0 && fast.outputs().get(simInFromFast[s]).name().equals(fastOutput)) return true;
    return false;
  }

  /**
   * The fast part's linked outputs that depend combinationally on the simulator's outputs in the
   * same cycle ({@code "rdata <- addr"}); empty when one exchange per cycle always suffices.
   */
  public List<String> sameCyclePaths() { return List.copyOf(sameCycle); }

  /**
   * Why transaction-level exchange is not possible with the declared channels (an output of the
   * simulated part that the fast part reads is in no channel; a channel signal that is neither an
   * output of the fast part nor read by it), or null when it is.
   */
  public String transactionLevelRefusal() {
    if (channels.isEmpty()) return "no --channel is declared";
    for (int f = 0; f < fast.inputs().size(); f++) {
      if (fastInFromSim[f] < 0) continue;
      String y = sim.outputs().get(fastInFromSim[f]).name();
      if (channels.stream().noneMatch(c -> c.signals().contains(y))) {
        return "output " + y + " of the simulated part " + sim.top()
            + " is read by the fast part but belongs to no declared channel";
      }
    }
    for (Channel c : channels) {
      for (String n : c.signals()) {
        if (find(fast.outputs(), n) < 0 && !linkedToFast(n)) {
          return "channel " + c.name() + ": " + n
              + " is an output of the simulated part that the fast part does not read (it is not exchanged every cycle)";
        }
      }
    }
    return null;
  }

  /** Runs {@code cycles} cycles with per-cycle exchange. */
  public Result run(HwState fastStart, SimPeer peer, Stimulus stim, long cycles) throws IOException {
    return run(fastStart, peer, stim, cycles, Exchange.CYCLE);
  }

  /** Runs {@code cycles} cycles from the given fast state; the peer already holds its own start state. */
  public Result run(HwState fastStart, SimPeer peer, Stimulus stim, long cycles, Exchange exchange) throws IOException {
    if (exchange == Exchange.TRANSACTION) {
      String why = transactionLevelRefusal();
      if (why != null) throw new IllegalArgumentException("transaction-level exchange is not possible: " + why);
    }
    return new Run(fastStart, peer, stim, exchange).run(cycles);
  }

  /** One linked run. */
  private final class Run {
    final FastEngine e;
    final SimPeer peer;
    final Stimulus stim;
    final Exchange exchange;
    final long base;
    final long[] fastIn;
    final List<String> names = new ArrayList<>();
    final int[] rowFromFast, rowFromSim; // name index -> fast output index / sim output index (-1)
    final int[][] channelCols; // per channel: valid, ready, data (-1) columns
    final boolean[] prevHandshake;
    final long[] mask;
    final List<long[]> outs = new ArrayList<>();
    final List<String> tx = new ArrayList<>();
    long messages, syncs, mispredictions;
    long[] lastFastOut, lastSimOut;

    Run(HwState fastStart, SimPeer peer, Stimulus stim, Exchange exchange) {
      this.e = new FastEngine(fast);
      e.load(fastStart);
      this.peer = peer;
      this.stim = stim;
      this.exchange = exchange;
      this.base = fastStart.cycle();
      fastIn = new long[fast.inputs().size()];
      e.setStimulus((c, i, p) -> fastIn[i]);
      for (Netlist.Port p : fast.outputs()) names.add(p.name());
      for (Netlist.Port p : sim.outputs()) {
        if (names.contains(p.name())) continue;
        if (exchange == Exchange.TRANSACTION && !linkedToFast(p.name())) continue;
        names.add(p.name());
      }
      rowFromFast = new int[names.size()];
      rowFromSim = new int[names.size()];
      for (int i = 0; i < names.size(); i++) {
        rowFromFast[i] = find(fast.outputs(), names.get(i));
        rowFromSim[i] = rowFromFast[i] >= 0 ? -1 : find(sim.outputs(), names.get(i));
      }
      channelCols = new int[channels.size()][];
      for (int c = 0; c < channelCols.length; c++) {
        Channel ch = channels.get(c);
        channelCols[c] = new int[]{names.indexOf(ch.valid()), names.indexOf(ch.ready()),
            ch.data() == null ? -1 : names.indexOf(ch.data())};
      }
      prevHandshake = new boolean[channels.size()];
      mask = new long[sim.outputs().size()];
      for (int i = 0; i < mask.length; i++) {
        if (linkedToFast(sim.outputs().get(i).name()))
          mask[i] = sim.outputs().get(i).width() == 64 ? -1L : (1L << sim.outputs().get(i).width()) - 1;
      }
    }

    /** Sets the fast part's inputs of cycle {@code cyc} (linked ones from {@code simOut}) and settles. */
    void settleFast(long cyc, long[] simOut) {
      for (int i = 0; i < fastIn.length; i++) {
        fastIn[i] = fastInFromSim[i] >= 0
            ? simOut[fastInFromSim[i]]
            : stim.value(cyc, fastInExt[i], external.get(fastInExt[i]));
      }
      e.settle();
    }

    long[] fastOutputs() {
      long[] o = new long[fast.outputs().size()];
      for (int i = 0; i < o.length; i++) o[i] = e.value(fast.outputs().get(i).nets());
      return o;
    }

    long[] simInputs(long cyc, long[] fastOut) {
      long[] in = new long[sim.inputs().size()];
      for (int i = 0; i < in.length; i++)
        in[i] = simInFromFast[i] >= 0
            ? fastOut[simInFromFast[i]]
            : stim.value(cyc, simInExt[i], external.get(simInExt[i]));
      return in;
    }

    long[] row(long[] fastOut, long[] simOut) {
      long[] r = new long[names.size()];
      for (int i = 0; i < r.length; i++) r[i] = rowFromFast[i] >= 0 ? fastOut[rowFromFast[i]] : simOut[rowFromSim[i]];
      return r;
    }

    void record(long cyc, long[] r) {
      outs.add(r);
      for (int c = 0; c < channelCols.length; c++) {
        Channel ch = channels.get(c);
        int[] col = channelCols[c];
        boolean hs = r[col[0]] != 0 && r[col[1]] != 0;
        boolean transfer = ch.kind() == Channel.Kind.VALID_READY ? hs : hs && !prevHandshake[c];
        prevHandshake[c] = hs;
        if (transfer) tx.add(cyc + " " + (col[2] >= 0 ? ch.data() + "=" + Long.toHexString(r[col[2]]) : ch.name()));
      }
    }

    /**
     * Finds the fixed point of cycle {@code cyc}: the fast part settles with {@code guess}; if the
     * simulator has not yet answered to exactly the resulting inputs ({@code sentIn}), they are sent
     * and its answer becomes the next guess. Returns the simulator's outputs; the fast part is left
     * settled with them.
     */
    long[] resolve(long cyc, long[] guess, long[] sentIn, int probes) throws IOException {
      while (true) {
        settleFast(cyc, guess);
        long[] in = simInputs(cyc, fastOutputs());
        if (sentIn != null && Arrays.equals(in, sentIn)) return guess;
        if (probes >= SimPeer.MAX_PROBES) {
          throw new IOException(
              "cycle " + cyc + ": the values across the boundary did not settle within " + SimPeer.MAX_PROBES
                  + " exchanges (a combinational path that crosses the boundary more than " + (SimPeer.MAX_PROBES - 1)
                  + " times)");
        }
        guess = peer.probe(in);
        sentIn = in;
        probes++;
        messages += 2;
        syncs++;
      }
    }

    /** Ends cycle {@code cyc} once resolved: record, clock both sides. */
    void finishCycle(long cyc, long[] simOut) throws IOException {
      lastFastOut = fastOutputs();
      lastSimOut = simOut;
      record(cyc, row(lastFastOut, simOut));
      peer.edge();
      e.edge();
    }

    Result run(long cycles) throws IOException {
      long[] pred = new long[sim.outputs().size()];
      if (exchange == Exchange.CYCLE) {
        for (long k = 0; k < cycles; k++) {
          long[] so = resolve(base + k, pred, null, 0);
          finishCycle(base + k, so);
          pred = so;
        }
      } else {
        // batch length: a batch cut short costs the simulator the skipped lines, a batch that ends early
        // a round trip. The runs between disagreements of a handshake alternate (ready low for a while,
        // high for a cycle), so the next run is predicted to be as long as the one before the last
        // (the disagreeing cycle last in the batch, nothing skipped); a batch that agreed doubles
        long run1 = -1, run2 = -1, acc = 0;
        int batch = MIN_BATCH;
        final int maxBatch = 4096;
        long[][] ins = new long[maxBatch][], exp = new long[maxBatch][];
        long[][] rows = new long[maxBatch][], fouts = new long[maxBatch][];
        for (long k = 0; k < cycles;) {
          int n = (int) Math.min(batch, cycles - k);
          long cyc = base + k;
          HwState snap = e.state();
          for (int j = 0; j < n; j++) {
            settleFast(cyc + j, pred);
            fouts[j] = fastOutputs();
            ins[j] = simInputs(cyc + j, fouts[j]);
            exp[j] = pred;
            rows[j] = row(fouts[j], pred);
            e.edge();
          }
          SimPeer.Verified v = peer.verify(ins, exp, mask, n);
          messages += 2;
          syncs++;
          for (int j = 0; j < v.edged(); j++) record(cyc + j, rows[j]);
          if (!v.mismatch()) {
            lastFastOut = fouts[n - 1];
            lastSimOut = v.outputs();
            k += n;
            acc += n;
            batch = Math.min(batch * 2, maxBatch);
            continue;
          }
          // the simulator's outputs differ from the assumption at cycle cyc + m: roll the fast part
          // back to that cycle (replaying the cycles that were right) and resolve it exactly
          mispredictions++;
          int m = v.edged();
          e.load(snap);
          for (int j = 0; j < m; j++) {
            settleFast(cyc + j, pred);
            e.edge();
          }
          long[] so = resolve(cyc + m, v.outputs(), ins[m], 1);
          finishCycle(cyc + m, so);
          pred = so;
          k += m + 1;
          long run = acc + m + 1;
          acc = 0;
          run2 = run1;
          run1 = run;
          batch = (int) Math.min(maxBatch, run2 > 0 ? run2 : MIN_BATCH);
        }
      }
      Map<String, Long> last = new LinkedHashMap<>();
      if (lastFastOut != null) {
        for (int i = 0; i < fast.outputs().size(); i++) last.put(fast.outputs().get(i).name(), lastFastOut[i]);
        for (int i = 0; i < sim.outputs().size(); i++) last.putIfAbsent(sim.outputs().get(i).name(), lastSimOut[i]);
      }
      return new Result(List.copyOf(names), outs, tx, e.state(), peer.finish(), messages, exchange, syncs,
          mispredictions, last);
    }
  }
}
