package io.cairn.redundancy;

import java.util.Map;
import java.util.Objects;

/**
 * Where a rank runs: its node and, optionally, the larger failure domains the node belongs to
 * ({@code "switch" -> "sw3", "rack" -> "r1", "power" -> "pdu2"}), as the launcher or the
 * configuration says.
 */
public record RankLocation(int rank, String node, Map<String, String> domains) {
  public RankLocation {
    if (rank < 0) throw new IllegalArgumentException("rank must be >= 0, got " + rank);
    Objects.requireNonNull(node, "node");
    if (node.isBlank()) throw new IllegalArgumentException("rank " + rank + ": node name is blank");
    domains = Map.copyOf(domains);
  }

  public RankLocation(int rank, String node) { this(rank, node, Map.of()); }
}
