package io.cairn.redundancy;

import io.cairn.cluster.internal.Domains;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Failure domains of the nodes, from a properties file (the format of {@code cairn launch --domains-file};
 * in a cluster job the domains come from the cluster module's table, see {@link ClusterRedundancy}):
 *
 * <pre>
 * levels = power, rack, switch          # largest first
 * node-0 = power=pdu1, rack=r1, switch=s1
 * node-1 = power=pdu1, rack=r2, switch=s3
 * </pre>
 *
 * A node that is not listed has no known domain (it is only assumed to be its own node).
 *
 * @param levels domain levels, largest first
 * @param nodes  node name -> level -> domain name
 */
public record FailureDomains(List<String> levels, Map<String, Map<String, String>> nodes) {
  public FailureDomains {
    levels = List.copyOf(levels);
    Map<String, Map<String, String>> c = new TreeMap<>();
    nodes.forEach((k, v) -> c.put(k, Map.copyOf(v)));
    nodes = java.util.Collections.unmodifiableMap(c);
  }

  /** No domains: nodes only. */
  public static FailureDomains none() { return new FailureDomains(List.of(), Map.of()); }

  public static FailureDomains load(Path file) {
    try {
      return parse(Files.readString(file), file.toString());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read failure domains from " + file + ": " + e.getMessage(), e);
    }
  }

  /** Parses the properties text; {@code where} names the source in error messages. Same format and rules as {@code cairn launch --domains-file}. */
  public static FailureDomains parse(String text, String where) {
    Domains d = Domains.parseFile(text, where);
    return new FailureDomains(d.levels(), d.nodes());
  }

  /** The location of a rank on {@code node}, with that node's domains. */
  public RankLocation locate(int rank, String node) {
    return new RankLocation(rank, node, nodes.getOrDefault(node, Map.of()));
  }
}
