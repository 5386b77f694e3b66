package io.cairn.redundancy;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Failure domains of the nodes, from a properties file:
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

  /** Parses the properties text; {@code where} names the source in error messages. */
  public static FailureDomains parse(String text, String where) {
    Properties p = new Properties();
    try {
      p.load(new StringReader(text));
    } catch (IOException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
    List<String> levels = new ArrayList<>();
    for (String l : p.getProperty("levels", "").split(",")) if (!l.isBlank()) levels.add(l.trim());
    if (levels.isEmpty() && p.size() > 0) throw new IllegalArgumentException(where + ": 'levels' (e.g. 'levels = power, rack, switch') is missing");
    Map<String, Map<String, String>> nodes = new LinkedHashMap<>();
    for (String node : p.stringPropertyNames()) {
      if (node.equals("levels")) continue;
      Map<String, String> d = new LinkedHashMap<>();
      for (String kv : p.getProperty(node).split(",")) {
        if (kv.isBlank()) continue;
        String[] x = kv.split("=", 2);
        if (x.length != 2 || x[0].isBlank() || x[1].isBlank())
          throw new IllegalArgumentException(where + ": node '" + node + "': expected 'level=name' pairs, got '" + kv.trim() + "'");
        String level = x[0].trim();
        if (!levels.contains(level)) throw new IllegalArgumentException(where + ": node '" + node + "': unknown level '" + level + "' (levels are " + levels + ")");
        d.put(level, x[1].trim());
      }
      nodes.put(node, d);
    }
    return new FailureDomains(levels, nodes);
  }

  /** The location of a rank on {@code node}, with that node's domains. */
  public RankLocation locate(int rank, String node) { return new RankLocation(rank, node, nodes.getOrDefault(node, Map.of())); }
}
