package io.cairn.hw.engine;

import io.cairn.hw.netlist.Netlist;
import io.cairn.hw.netlist.NetlistException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Orders the combinational nodes (gates, then memory read ports numbered after them) so that each
 * node comes after the nodes driving its inputs; rejects combinational loops with the cells in them.
 */
public final class Levelizer {
  private Levelizer() {}

  /** A read port of memory {@code mem}, port {@code port}. */
  public record ReadRef(int mem, int port) {}

  /** The read ports in node order (node index = gates.size() + position). */
  public static List<ReadRef> readPorts(Netlist nl) {
    List<ReadRef> r = new ArrayList<>();
    for (int m = 0; m < nl.memories().size(); m++) {
      for (int p = 0; p < nl.memories().get(m).readPorts().size(); p++) r.add(new ReadRef(m, p));
    }
    return r;
  }

  /** Node indices in evaluation order. */
  public static int[] order(Netlist nl) {
    List<ReadRef> rps = readPorts(nl);
    int g = nl.gates().size(), n = g + rps.size();
    int[] driver = new int[nl.netCount()];
    Arrays.fill(driver, -1);
    int[][] ins = new int[n][];
    for (int i = 0; i < g; i++) {
      driver[nl.gates().get(i).out()] = i;
      ins[i] = nl.gates().get(i).in();
    }
    for (int k = 0; k < rps.size(); k++) {
      var rp = nl.memories().get(rps.get(k).mem()).readPorts().get(rps.get(k).port());
      for (int d : rp.data()) driver[d] = g + k;
      ins[g + k] = rp.addr();
    }
    // Kahn
    int[] indeg = new int[n];
    int[][] fan = new int[n][];
    int[] fanCount = new int[n];
    for (int i = 0; i < n; i++) for (int in : ins[i]) if (driver[in] >= 0) { indeg[i]++; fanCount[driver[in]]++; }
    for (int i = 0; i < n; i++) fan[i] = new int[fanCount[i]];
    int[] fill = new int[n];
    for (int i = 0; i < n; i++) for (int in : ins[i]) if (driver[in] >= 0) {
      int d = driver[in];
      fan[d][fill[d]++] = i;
    }
    int[] order = new int[n];
    int head = 0, tail = 0;
    for (int i = 0; i < n; i++) if (indeg[i] == 0) order[tail++] = i;
    while (head < tail) {
      int x = order[head++];
      for (int y : fan[x]) if (--indeg[y] == 0) order[tail++] = y;
    }
    if (tail < n) {
      List<String> stuck = new ArrayList<>();
      for (int i = 0; i < n && stuck.size() < 10; i++) {
        if (indeg[i] > 0) {
          if (i < g)
            stuck.add(nl.gates().get(i).name() + " (" + nl.gates().get(i).op().cellType + ", src "
                + nl.gates().get(i).src() + ")");
          else
            stuck.add(
                "memory " + nl.memories().get(rps.get(i - g).mem()).name() + " read port " + rps.get(i - g).port());
        }
      }
      throw new NetlistException(
          "combinational loop: " + (n - tail) + " cells cannot be ordered, e.g. " + String.join(", ", stuck));
    }
    return order;
  }
}
