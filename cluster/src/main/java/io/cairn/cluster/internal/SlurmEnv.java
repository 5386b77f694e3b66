package io.cairn.cluster.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the cluster module reads from Slurm, in one place: a rank started by {@code srun} (no Cairn
 * launcher) is {@code SLURM_PROCID} of {@code SLURM_NTASKS}, on node {@code SLURMD_NODENAME} (else
 * {@code node-<SLURM_NODEID>}), in job {@code SLURM_JOB_ID} (default job directory {@code cairn-job-<id>}),
 * and its failure domains come from {@code SLURM_TOPOLOGY_ADDR} / {@code SLURM_TOPOLOGY_ADDR_PATTERN}
 * (set by Slurm's {@code topology/tree} plugin) unless the job gives its own ({@code CAIRN_DOMAINS},
 * {@code CAIRN_CLUSTER_DOMAINS}). Under srun, rank 0 hosts the coordinator and publishes its address in the
 * job directory ({@link io.cairn.cluster.Rank}); the other ranks read it there.
 */
public final class SlurmEnv {
  private SlurmEnv() {}

  /** True when {@code env} is that of an srun task (or a batch step's shell, which has the same two variables). */
  static boolean applies(Map<String, String> env) {
    return env.containsKey("SLURM_PROCID") && env.containsKey("SLURM_NTASKS");
  }

  /** The node name of an srun task: {@code SLURMD_NODENAME}, else {@code node-<SLURM_NODEID>}, else null. */
  static String node(Map<String, String> env) {
    String n = env.get("SLURMD_NODENAME");
    if (n != null && !n.isBlank()) return n.trim();
    return env.containsKey("SLURM_NODEID") ? "node-" + env.get("SLURM_NODEID").trim() : null;
  }

  /**
   * {@code env} plus {@code CAIRN_DOMAINS} and {@code CAIRN_DOMAIN_LEVELS} derived from Slurm's topology
   * address, when Slurm sets one and the job gives no failure domains of its own; otherwise {@code env}.
   */
  static Map<String, String> withTopologyDomains(Map<String, String> env) {
    if (env.containsKey("CAIRN_DOMAINS") || env.containsKey(JobEnv.DOMAINS_FILE)
        || env.containsKey("CAIRN_DOMAIN_LEVELS"))
      return env;
    Map<String, String> d = topologyDomains(env.get("SLURM_TOPOLOGY_ADDR"), env.get("SLURM_TOPOLOGY_ADDR_PATTERN"));
    if (d.isEmpty()) return env;
    Map<String, String> m = new HashMap<>(env);
    m.put("CAIRN_DOMAINS", Domains.spec(d));
    m.put("CAIRN_DOMAIN_LEVELS", String.join(",", d.keySet()));
    return m;
  }

  /**
   * The failure domains of a Slurm topology address, largest first (insertion order): with address
   * {@code s0.s3.n7} and pattern {@code switch.switch.node}, {@code switch1=s0, switch2=s3} (the node itself is
   * always a domain of its own). A level that the pattern names once keeps its name ({@code block.node} gives
   * {@code block=b2}). Empty when Slurm gives no topology (no address, or just the node name).
   */
  public static Map<String, String> topologyDomains(String addr, String pattern) {
    Map<String, String> d = new java.util.LinkedHashMap<>();
    if (addr == null || addr.isBlank() || !addr.contains(".")) return d;
    String[] a = addr.trim().split("\\.");
    String[] p = pattern == null || pattern.isBlank() ? new String[0] : pattern.trim().split("\\.");
    List<String> names = new ArrayList<>();
    for (int i = 0; i < a.length - 1; i++) names.add(i < p.length && p[i].matches("[A-Za-z0-9_-]+") ? p[i] : "switch");
    for (int i = 0; i < a.length - 1; i++) {
      String n = names.get(i);
      String level = java.util.Collections.frequency(names, n) > 1
          ? n + (names.subList(0, i + 1).stream().filter(n::equals).count())
          : n;
      d.put(level, a[i]);
    }
    return d;
  }
}
