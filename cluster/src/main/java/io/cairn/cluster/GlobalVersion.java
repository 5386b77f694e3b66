package io.cairn.cluster;

import io.cairn.cluster.internal.GlobalManifest;
import io.cairn.cluster.internal.JobEnv;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A committed global checkpoint: every rank's part was committed before it was listed.
 *
 * @param number   the global version number
 * @param ranks    how many ranks took it
 * @param protocol the protocol that took it
 * @param step     the step passed to {@link ParallelCheckpointer#checkpoint}
 * @param created  when it was committed
 * @param versions rank r's part is version {@code versions.get(r)} of its own run
 * @param nodes    the node rank r was on
 * @param domains  the failure domains of rank r when it was committed ({@link Comm#domains()}: always {@code node})
 * @param domainLevels the failure-domain levels in force then, largest first ({@link Comm#domainLevels()}); empty without domains
 */
public record GlobalVersion(long number, int ranks, String protocol, long step, Instant created, List<Long> versions,
    List<String> nodes,
    List<Map<String, String>> domains, List<String> domainLevels) {
  public GlobalVersion {
    versions = List.copyOf(versions);
    nodes = List.copyOf(nodes);
    domains = domains.stream().map(Map::copyOf).toList();
    domainLevels = List.copyOf(domainLevels);
    if (domains.size() != nodes.size())
      throw new IllegalArgumentException(
          "global " + number + ": domains of " + domains.size() + " ranks for " + nodes.size() + " nodes");
  }

  /** A version of a job without failure domains beyond its nodes. */
  public GlobalVersion(long number, int ranks, String protocol, long step, Instant created, List<Long> versions,
      List<String> nodes) {
    this(number, ranks, protocol, step, created, versions, nodes, nodes.stream().map(n -> Map.of("node", n)).toList(),
        List.of());
  }

  /** The committed global versions of the job in {@code jobDir}, oldest first (empty when it has none; an unreadable manifest is an error naming it). */
  public static List<GlobalVersion> list(java.nio.file.Path jobDir) {
    if (!java.nio.file.Files.exists(GlobalManifest.file(jobDir))) return List.of();
    return GlobalManifest.read(jobDir).stream().map(GlobalVersion::of).toList();
  }

  static GlobalVersion of(GlobalManifest.Entry e) {
    List<Map<String, String>> d = new java.util.ArrayList<>();
    for (int r = 0; r < e.size(); r++)
      d.add(JobEnv.parseDomains(e.nodes()[r], e.domains() == null ? "" : e.domains()[r]));
    return new GlobalVersion(e.global(), e.size(), e.protocol(), e.step(), Instant.ofEpochMilli(e.timeMillis()),
        java.util.Arrays.stream(e.versions()).boxed().toList(), List.of(e.nodes()), d,
        e.levels() == null ? List.of() : List.of(e.levels()));
  }
}
