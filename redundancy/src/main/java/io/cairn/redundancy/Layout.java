package io.cairn.redundancy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where the redundancy of each rank goes, as {@link Placement#plan} chose it: partners (owner rank
 * to holder rank) or sets, and what had to be given up ({@link #degradations()}).
 *
 * @param scheme       the requested scheme
 * @param domainLevels failure-domain levels honoured, largest first (the node is always the smallest)
 * @param ranks        every rank's location, by rank
 * @param partners     PARTNER: owner rank -> rank that holds its copy (absent: unprotected)
 * @param groups       XOR/RS: the sets (ranks in set order); empty for PARTNER
 * @param degradations what differs from the requested scheme and why (empty: as requested)
 */
public record Layout(Scheme scheme, List<String> domainLevels, Map<Integer, RankLocation> ranks,
    Map<Integer, Integer> partners, List<Group> groups, List<Degradation> degradations) {

  public Layout {
    domainLevels = List.copyOf(domainLevels);
    ranks = java.util.Collections.unmodifiableMap(new TreeMap<>(ranks));
    partners = java.util.Collections.unmodifiableMap(new TreeMap<>(partners));
    groups = List.copyOf(groups);
    degradations = List.copyOf(degradations);
  }

  /**
   * A set of ranks on distinct nodes with {@code m} parity shards per stripe.
   * @param id    set number
   * @param ranks members in set order
   * @param m     node losses it survives
   */
  public record Group(int id, List<Integer> ranks, int m) {
    public Group { ranks = List.copyOf(ranks); }
    /** Data shards per stripe. */
    public int k() { return ranks.size() - m; }
  }

  /** Why the layout differs from the request. */
  public enum Reason {
    /** All ranks are on one node: nothing across nodes is possible; only local copies remain. */
    SINGLE_NODE,
    /** A rank's partner, or a set, shares a failure domain (rack, switch, power) with it. */
    SHARED_DOMAIN,
    /** Fewer distinct nodes than the set size: the set is smaller (fewer data shards per stripe). */
    SET_SMALLER,
    /** Too few nodes for the requested parity count: the set survives fewer losses. */
    TOLERANCE_REDUCED,
    /** A rank could not be placed in any set or given a partner on another node. */
    RANK_UNPROTECTED
  }

  /** One deviation from the requested scheme (machine-readable {@code reason}, human {@code message}). */
  public record Degradation(Reason reason, String message, List<Integer> ranks) {
    public Degradation { ranks = List.copyOf(ranks); }
  }

  public boolean degraded() { return !degradations.isEmpty(); }

  public RankLocation location(int rank) {
    RankLocation l = ranks.get(rank);
    if (l == null) throw new IllegalArgumentException("rank " + rank + " is not in the layout");
    return l;
  }

  /** The set a rank belongs to, or null. */
  public Group groupOf(int rank) {
    for (Group g : groups) if (g.ranks().contains(rank)) return g;
    return null;
  }

  /** JSON for tools: scheme, partners, sets and degradations with their reasons. */
  public String toJson() {
    StringBuilder b = new StringBuilder("{\"scheme\":\"").append(scheme).append("\",\"domainLevels\":[");
    for (int i = 0; i < domainLevels.size(); i++) b.append(i > 0 ? "," : "").append(q(domainLevels.get(i)));
    b.append("],\"ranks\":[");
    int c = 0;
    for (RankLocation l : ranks.values())
      b.append(c++ > 0 ? "," : "").append("{\"rank\":").append(l.rank()).append(",\"node\":").append(q(l.node()))
          .append('}');
    b.append("],\"partners\":{");
    c = 0;
    for (var e : partners.entrySet())
      b.append(c++ > 0 ? "," : "").append('"').append(e.getKey()).append("\":").append(e.getValue());
    b.append("},\"sets\":[");
    c = 0;
    for (Group g : groups)
      b.append(c++ > 0 ? "," : "").append("{\"id\":").append(g.id()).append(",\"ranks\":").append(g.ranks())
          .append(",\"k\":").append(g.k()).append(",\"m\":").append(g.m()).append('}');
    b.append("],\"degradations\":[");
    c = 0;
    for (Degradation d : degradations)
      b.append(c++ > 0 ? "," : "").append("{\"reason\":\"").append(d.reason()).append("\",\"message\":")
          .append(q(d.message())).append(",\"ranks\":").append(d.ranks()).append('}');
    return b.append("]}").toString();
  }

  static String q(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char ch : s.toCharArray()) {
      if (ch == '"' || ch == '\\') b.append('\\').append(ch);
      else if (ch < 0x20) b.append(String.format("\\u%04x", (int) ch));
      else
        b.append(ch);
    }
    return b.append('"').toString();
  }

  static List<Integer> list(int... r) {
    List<Integer> l = new ArrayList<>();
    for (int x : r) l.add(x);
    return l;
  }
}
