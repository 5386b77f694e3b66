package io.cairn.cluster.internal;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The failure domains of a job's nodes, whatever their source: {@code cairn launch --domain NODE:spec},
 * {@code --domain-levels}, {@code --domains-file} (and the {@code Launcher.Builder} calls of the same
 * names), or, for ranks started by srun/mpirun, {@code CAIRN_DOMAINS}, {@code CAIRN_DOMAIN_LEVELS} and
 * the file named by {@code CAIRN_CLUSTER_DOMAINS}. The file is a properties file:
 *
 * <pre>
 * levels = power, rack, switch          # largest first
 * node-0 = power=pdu1, rack=r1, switch=s1
 * node-1 = power=pdu1, rack=r2, switch=s3
 * </pre>
 *
 * <p>Sources are combined by {@link #resolve}: a node's domains are the union of what the file and the
 * per-node specs give; a level given twice for one node must have the same name, declared levels must
 * agree, and with levels declared every level used must be one of them. Anything else is an error
 * naming the node, the level and both sources: there is no precedence that could hide a disagreement.
 *
 * @param levels declared levels, largest first; empty when not declared ({@link #order} then infers them)
 * @param nodes  node name to (level to domain name), without the implicit {@code node} level
 */
public record Domains(List<String> levels, Map<String, Map<String, String>> nodes) {
  /** No domain known: every node is only its own failure domain. */
  public static final Domains NONE = new Domains(List.of(), Map.of());
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");

  public Domains {
    levels = List.copyOf(levels);
    Map<String, Map<String, String>> c = new TreeMap<>();
    nodes.forEach((k, v) -> c.put(k, Collections.unmodifiableMap(new TreeMap<>(v))));
    nodes = Collections.unmodifiableMap(c);
  }

  /** The domains of {@code node} (empty when it has none), without {@code node} itself. */
  public Map<String, String> of(String node) {
    return nodes.getOrDefault(node, Map.of());
  }

  /** Reads a domains file (see the class comment); errors name the file. */
  public static Domains load(Path file) {
    try {
      return parseFile(Files.readString(file), file.toString());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read failure domains from " + file + ": " + e.getMessage(), e);
    }
  }

  /** Parses the text of a domains file; {@code where} names it in error messages. */
  public static Domains parseFile(String text, String where) {
    Properties p = new Properties();
    try {
      p.load(new StringReader(text));
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
    List<String> levels = parseLevels(p.getProperty("levels", ""), where + ": 'levels'");
    if (levels.isEmpty() && p.size() > 0)
      throw new IllegalArgumentException(where + ": 'levels' (e.g. 'levels = power, rack, switch') is missing");
    Map<String, Map<String, String>> nodes = new TreeMap<>();
    for (String node : p.stringPropertyNames()) {
      if (node.equals("levels")) continue;
      if (!NAME.matcher(node).matches())
        throw new IllegalArgumentException(
            where + ": node '" + node + "': a node name has letters, digits, '.', '_', '-' only");
      Map<String, String> d = parseSpec(p.getProperty(node), where + ": node '" + node + "'");
      for (String level : d.keySet())
        if (!levels.contains(level))
          throw new IllegalArgumentException(
              where + ": node '" + node + "': unknown level '" + level + "' (levels are " + levels + ")");
      nodes.put(node, d);
    }
    return new Domains(levels, nodes);
  }

  /**
   * Parses {@code rack=r1,power=p1} (spaces around items allowed); {@code where} names the source in
   * errors. Names and values: letters, digits, '.', '_', '-'; {@code node} is implicit and refused.
   */
  public static Map<String, String> parseSpec(String spec, String where) {
    Map<String, String> m = new TreeMap<>();
    for (String kv : spec.split(",")) {
      if (kv.isBlank()) continue;
      String[] x = kv.trim().split("=", 2);
      if (x.length != 2 || !NAME.matcher(x[0].trim()).matches() || !NAME.matcher(x[1].trim()).matches())
        throw new IllegalArgumentException(where + ": '" + kv.trim()
            + "': expected level=name pairs such as rack=r1 (letters, digits, '.', '_', '-')");
      String level = x[0].trim();
      if (level.equals("node"))
        throw new IllegalArgumentException(
            where + ": 'node' is implicit (every rank's node is its smallest failure domain)");
      String old = m.put(level, x[1].trim());
      if (old != null && !old.equals(x[1].trim()))
        throw new IllegalArgumentException(
            where + ": level '" + level + "' is given twice ('" + old + "' and '" + x[1].trim() + "')");
    }
    return m;
  }

  /** Parses {@code power, rack, switch} (largest first); {@code where} names the source in errors. */
  public static List<String> parseLevels(String s, String where) {
    Set<String> l = new LinkedHashSet<>();
    for (String x : s.split(",")) {
      if (x.isBlank()) continue;
      String t = x.trim();
      if (!NAME.matcher(t).matches())
        throw new IllegalArgumentException(where + ": level '" + t + "': letters, digits, '.', '_', '-' only");
      if (t.equals("node"))
        throw new IllegalArgumentException(
            where + ": 'node' is implicit (always the smallest level); list only the larger ones");
      if (!l.add(t)) throw new IllegalArgumentException(where + ": level '" + t + "' is listed twice");
    }
    return List.copyOf(l);
  }

  /** A node's domains as sent on the wire and in {@code CAIRN_DOMAINS}: {@code power=p1,rack=r1} (sorted, without the node). */
  public static String spec(Map<String, String> domains) {
    StringBuilder b = new StringBuilder();
    new TreeMap<>(domains).forEach((k, v) -> {
      if (!k.equals("node")) b.append(b.isEmpty() ? "" : ",").append(k).append('=').append(v);
    });
    return b.toString();
  }

  /**
   * Combines the sources of a job's domains into one table.
   *
   * @param file         the domains file's table ({@link #NONE} without a file)
   * @param fileName     how to name the file in errors
   * @param given        per-node specs ({@code --domain}, {@code CAIRN_DOMAINS})
   * @param givenName    how to name them in errors
   * @param declared     levels declared apart from the file ({@code --domain-levels}, {@code CAIRN_DOMAIN_LEVELS}); empty if none
   * @param declaredName how to name them in errors
   * @return the table: the declared levels (file or {@code declared}; empty when neither) and every node's union
   * @throws IllegalArgumentException when the sources disagree, naming the node, level and sources
   */
  public static Domains resolve(Domains file, String fileName, Map<String, Map<String, String>> given, String givenName,
      List<String> declared, String declaredName) {
    List<String> levels;
    String levelsFrom;
    if (!file.levels().isEmpty() && !declared.isEmpty() && !file.levels().equals(declared))
      throw new IllegalArgumentException(
          "failure-domain levels disagree: " + fileName + " declares " + file.levels() + " but "
              + declaredName + " " + declared + "; declare them once, or the same (largest first)");
    if (!declared.isEmpty()) {
      levels = declared;
      levelsFrom = declaredName;
    } else {
      levels = file.levels();
      levelsFrom = fileName;
    }
    Map<String, Map<String, String>> all = new TreeMap<>();
    file.nodes().forEach((n, d) -> all.put(n, new TreeMap<>(d)));
    for (var e : new TreeMap<>(given).entrySet()) {
      String node = e.getKey();
      Map<String, String> have = all.computeIfAbsent(node, x -> new TreeMap<>());
      for (var kv : e.getValue().entrySet()) {
        String level = kv.getKey();
        if (!levels.isEmpty() && !levels.contains(level))
          throw new IllegalArgumentException("failure domains of node '" + node + "': level '" + level + "' (from "
              + givenName
              + ") is not one of the levels " + levels + " declared by " + levelsFrom + "; add it there or drop it");
        String old = have.get(level);
        if (old != null && !old.equals(kv.getValue()))
          throw new IllegalArgumentException("failure domains of node '" + node + "': " + level + " is '" + old
              + "' in " + fileName
              + " but '" + kv.getValue() + "' in " + givenName + "; give each level of a node once, or the same name");
        have.put(level, kv.getValue());
      }
    }
    all.values().removeIf(Map::isEmpty);
    return new Domains(levels, all);
  }

  /**
   * The levels in force, largest first: {@code declared} when not empty; otherwise inferred from the
   * domains of the job's ranks: a level with fewer distinct names is larger (ties: by level name). Empty
   * when no rank has a domain beyond its node. Every rank applies the same rule to the same table, so
   * all agree.
   */
  public static List<String> order(List<String> declared, Collection<Map<String, String>> table) {
    Map<String, Set<String>> distinct = new TreeMap<>();
    for (Map<String, String> m : table)
      m.forEach((k, v) -> {
        if (!k.equals("node")) distinct.computeIfAbsent(k, x -> new TreeSet<>()).add(v);
      });
    if (!declared.isEmpty()) {
      List<String> l = new ArrayList<>(declared);
      for (String k : distinct.keySet()) if (!l.contains(k)) l.add(k); // cannot happen after resolve(); never dropped silently
      return List.copyOf(l);
    }
    return distinct.entrySet().stream()
        .sorted(Comparator.comparingInt((Map.Entry<String, Set<String>> e) -> e.getValue().size())
            .thenComparing(Map.Entry::getKey))
        .map(Map.Entry::getKey).toList();
  }
}
