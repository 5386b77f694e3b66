package io.cairn.redundancy;

import io.cairn.redundancy.Layout.Degradation;
import io.cairn.redundancy.Layout.Group;
import io.cairn.redundancy.Layout.Reason;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses partners and sets so that the copies of a rank's data are on other nodes and, where the
 * configuration names failure domains (power, rack, switch), in other domains. With too few nodes or
 * domains it degrades (smaller sets, fewer parities, shared domains, no protection on a single node),
 * logs a warning and records a machine-readable {@link Layout.Degradation}; it never fails.
 *
 * <p>Ranks are first put in an interleaved order (round robin over the largest domains, then over the
 * nodes inside them), so neighbours in that order are as far apart as the machine allows. A rank's
 * partner is the next rank in that order at the greatest separation; sets take ranks in that order,
 * first requiring distinct domains at every level, then only distinct nodes.
 */
public final class Placement {
  private static final Logger LOG = LoggerFactory.getLogger(Placement.class);

  private Placement() {}

  /**
   * Plans the scheme for these ranks.
   *
   * @param domainLevels failure-domain keys of {@link RankLocation#domains()}, largest first (e.g.
   *                     {@code ["power", "rack", "switch"]}); empty for nodes only
   */
  public static Layout plan(List<RankLocation> ranks, Scheme scheme, List<String> domainLevels) {
    Map<Integer, RankLocation> byRank = new TreeMap<>();
    for (RankLocation r : ranks)
      if (byRank.put(r.rank(), r) != null) throw new IllegalArgumentException("rank " + r.rank() + " is listed twice");
    List<RankLocation> order = interleave(new ArrayList<>(byRank.values()), domainLevels);
    List<Degradation> deg = new ArrayList<>();
    Map<Integer, Integer> partners = new TreeMap<>();
    List<Group> groups = new ArrayList<>();
    long nodes = byRank.values().stream().map(RankLocation::node).distinct().count();
    if (nodes < 2) {
      deg.add(new Degradation(Reason.SINGLE_NODE, "all " + byRank.size() + " ranks are on one node ("
          + (byRank.isEmpty() ? "-" : byRank.values().iterator().next().node()) + "): " + scheme
          + " needs at least 2 nodes; only node-local and persistent copies protect this job",
          new ArrayList<>(byRank.keySet())));
    } else if (scheme.kind() == Scheme.Kind.PARTNER) {
      partners(order, domainLevels, partners, deg);
    } else {
      groups(order, scheme, domainLevels, groups, deg);
    }
    for (Degradation d : deg) LOG.warn("redundancy {} degraded [{}]: {}", scheme, d.reason(), d.message());
    return new Layout(scheme, domainLevels, byRank, partners, groups, deg);
  }

  /** 0: same node; 1: other node, same domains; L+1: differs already at the largest domain level. */
  static int separation(RankLocation a, RankLocation b, List<String> levels) {
    if (a.node().equals(b.node())) return 0;
    for (int i = 0; i < levels.size(); i++) {
      String x = a.domains().getOrDefault(levels.get(i), ""), y = b.domains().getOrDefault(levels.get(i), "");
      if (!x.isEmpty() && !y.isEmpty() && !x.equals(y)) return levels.size() + 1 - i;
    }
    return 1;
  }

  /** The domain level two ranks share at the largest scale (for messages), or "node". */
  private static String shared(RankLocation a, RankLocation b, List<String> levels) {
    for (String l : levels) {
      String x = a.domains().getOrDefault(l, "");
      if (!x.isEmpty() && x.equals(b.domains().get(l))) return l + " " + x;
    }
    return "node " + a.node();
  }

  static List<RankLocation> interleave(List<RankLocation> ranks, List<String> levels) {
    Map<String, List<RankLocation>> byNode = new TreeMap<>();
    Map<String, RankLocation> nodeRep = new TreeMap<>();
    for (RankLocation r : ranks) {
      byNode.computeIfAbsent(r.node(), n -> new ArrayList<>()).add(r);
      nodeRep.putIfAbsent(r.node(), r);
    }
    List<String> nodeOrder = orderNodes(new ArrayList<>(nodeRep.values()), levels, 0);
    List<RankLocation> out = new ArrayList<>();
    for (int t = 0; out.size() < ranks.size(); t++)
      for (String n : nodeOrder) {
        List<RankLocation> l = byNode.get(n);
        if (t < l.size()) out.add(l.get(t));
      }
    return out;
  }

  private static List<String> orderNodes(List<RankLocation> reps, List<String> levels, int level) {
    if (level == levels.size()) return reps.stream().map(RankLocation::node).sorted().toList();
    Map<String, List<RankLocation>> groups = new TreeMap<>();
    for (RankLocation r : reps)
      groups.computeIfAbsent(r.domains().getOrDefault(levels.get(level), ""), d -> new ArrayList<>()).add(r);
    List<List<String>> parts = new ArrayList<>();
    for (List<RankLocation> g : groups.values()) parts.add(orderNodes(g, levels, level + 1));
    List<String> out = new ArrayList<>();
    for (int t = 0; out.size() < reps.size(); t++) for (List<String> p : parts) if (t < p.size()) out.add(p.get(t));
    return out;
  }

  private static void partners(List<RankLocation> order, List<String> levels, Map<Integer, Integer> partners,
      List<Degradation> deg) {
    int n = order.size(), full = levels.size() + 1;
    Map<Integer, Integer> load = new HashMap<>();
    Map<String, List<Integer>> sharedBy = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      RankLocation a = order.get(i);
      int best = -1, bestSep = 0, bestLoad = Integer.MAX_VALUE;
      for (int d = 1; d < n; d++) {
        RankLocation b = order.get((i + d) % n);
        int sep = separation(a, b, levels), ld = load.getOrDefault(b.rank(), 0);
        if (sep > bestSep || (sep == bestSep && sep > 0 && ld < bestLoad)) {
          best = b.rank();
          bestSep = sep;
          bestLoad = ld;
        }
      }
      if (best < 0) continue; // cannot happen with >= 2 nodes
      partners.put(a.rank(), best);
      load.merge(best, 1, Integer::sum);
      if (bestSep < full) {
        RankLocation b = order.stream().filter(r -> r.rank() == partners.get(a.rank())).findFirst().orElseThrow();
        sharedBy.computeIfAbsent(shared(a, b, levels).replaceAll(" .*", ""), x -> new ArrayList<>()).add(a.rank());
      }
    }
    for (var e : sharedBy.entrySet())
      deg.add(new Degradation(Reason.SHARED_DOMAIN,
          "no partner outside the same " + e.getKey() + " for ranks " + e.getValue()
              + ": losing that " + e.getKey() + " loses both copies",
          e.getValue()));
  }

  private static void groups(List<RankLocation> order, Scheme scheme, List<String> levels, List<Group> groups,
      List<Degradation> deg) {
    int size = scheme.setSize(), full = levels.size() + 1;
    List<RankLocation> left = new ArrayList<>(order);
    List<List<RankLocation>> sets = new ArrayList<>();
    while (!left.isEmpty()) {
      List<RankLocation> set = new ArrayList<>();
      for (int strict = 1; strict >= 0 && set.size() < size; strict--) {
        for (RankLocation r : List.copyOf(left)) {
          if (set.size() == size) break;
          if (set.contains(r)) continue;
          boolean ok = true;
          for (RankLocation s : set) {
            int sep = separation(r, s, levels);
            if (sep == 0 || (strict == 1 && sep < full)) { ok = false; break; }
          }
          if (ok) set.add(r);
        }
      }
      left.removeAll(set);
      sets.add(set);
    }
    // a leftover set too small to carry any parity: fold its ranks into earlier sets lacking their node
    List<RankLocation> homeless = new ArrayList<>();
    for (int s = sets.size() - 1; s > 0; s--) {
      if (sets.get(s).size() >= 2) continue;
      for (RankLocation r : sets.remove(s)) {
        boolean placed = false;
        for (List<RankLocation> t : sets)
          if (t.size() >= 2 && t.stream().noneMatch(x -> x.node().equals(r.node()))) {
            t.add(r);
            placed = true;
            break;
          }
        if (!placed) homeless.add(r);
      }
    }
    int id = 0;
    for (List<RankLocation> set : sets) {
      List<Integer> ranks = set.stream().map(RankLocation::rank).toList();
      if (set.size() < 2) { homeless.addAll(set); continue; }
      int m = Math.min(scheme.m(), set.size() - 1);
      if (m < scheme.m())
        deg.add(new Degradation(Reason.TOLERANCE_REDUCED,
            "set " + id + " " + ranks + " spans only " + set.size() + " nodes: it survives "
                + m + " lost node(s) instead of " + scheme.m(),
            ranks));
      else if (set.size() < size)
        deg.add(new Degradation(Reason.SET_SMALLER,
            "set " + id + " " + ranks + " has " + set.size() + " ranks on distinct nodes instead of "
                + size + " (" + (set.size() - m) + "+" + m + " per stripe; more parity per byte)",
            ranks));
      Set<String> seen = new HashSet<>();
      for (int a = 0; a < set.size(); a++)
        for (int b = a + 1; b < set.size(); b++)
          if (separation(set.get(a), set.get(b), levels) < full) seen.add(shared(set.get(a), set.get(b), levels));
      if (!seen.isEmpty())
        deg.add(new Degradation(Reason.SHARED_DOMAIN,
            "set " + id + " " + ranks + " has members sharing " + String.join(", ", new java.util.TreeSet<>(seen))
                + ": losing one of those takes out several members",
            ranks));
      groups.add(new Group(id++, ranks, m));
    }
    if (!homeless.isEmpty()) {
      List<Integer> r = homeless.stream().map(RankLocation::rank).sorted().toList();
      deg.add(new Degradation(Reason.RANK_UNPROTECTED,
          "ranks " + r + " could not join a set on distinct nodes: only their local and persistent copies protect them",
          r));
    }
  }
}
