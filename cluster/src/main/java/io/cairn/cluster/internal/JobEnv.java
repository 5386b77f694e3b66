package io.cairn.cluster.internal;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Who this process is in a parallel job, read from the environment: Cairn's own launcher
 * ({@code CAIRN_RANK}, {@code CAIRN_SIZE}, {@code CAIRN_NODE}, ...), Slurm's {@code srun}
 * ({@code SLURM_PROCID}, {@code SLURM_NTASKS}, {@code SLURM_NODEID}), Open MPI's {@code mpirun}
 * ({@code OMPI_COMM_WORLD_RANK}, {@code OMPI_COMM_WORLD_SIZE}) or a PMI launcher ({@code PMI_RANK}, {@code PMI_SIZE}).
 *
 * @param rank        0..size-1
 * @param size        number of ranks
 * @param node        name of the node (failure domain) the rank runs on
 * @param jobDir      the job directory (shared by all ranks: global manifest, persistent level, channel logs)
 * @param coordinator host:port of the coordinator, or null to read {@code jobDir/coordinator.addr}
 * @param incarnation 0 for the first process of this rank, 1.. for respawned ones
 * @param supervised  true when a Cairn launcher respawns failed ranks (else a failure aborts the job for a relaunch)
 * @param launcher    which environment the identity came from ("cairn", "slurm", "openmpi", "pmi")
 * @param bindHost    the address this rank's communicator listens on
 * @param env         the whole environment (for the remaining CAIRN_* settings)
 * @param domains     this rank's failure domains: always {@code node}, plus what {@code CAIRN_DOMAINS} and the
 *                    node's line of the {@code CAIRN_CLUSTER_DOMAINS} file give (see {@link Domains#resolve})
 * @param domainLevels the levels declared by {@code CAIRN_DOMAIN_LEVELS} or the file, largest first; empty if none
 */
public record JobEnv(int rank, int size, String node, Path jobDir, String coordinator, int incarnation,
    boolean supervised,
    String launcher, String bindHost, Map<String, String> env, Map<String, String> domains, List<String> domainLevels) {

  /** Variable naming a domains file (levels and per-node domains; {@link Domains#load}) that every rank reads. */
  public static final String DOMAINS_FILE = "CAIRN_CLUSTER_DOMAINS";

  public JobEnv {
    if (size < 1) throw new IllegalArgumentException("job size must be >= 1, got " + size);
    if (rank < 0 || rank >= size) throw new IllegalArgumentException("rank " + rank + " is outside 0.." + (size - 1));
    env = Map.copyOf(env);
    Map<String, String> d = new java.util.TreeMap<>(domains);
    d.put("node", node);
    domains = java.util.Collections.unmodifiableMap(d);
    domainLevels = List.copyOf(domainLevels);
  }

  /** The identity with the failure domains that {@code env} gives for {@code node}. */
  public JobEnv(int rank, int size, String node, Path jobDir, String coordinator, int incarnation, boolean supervised,
      String launcher, String bindHost, Map<String, String> env) {
    this(rank, size, node, jobDir, coordinator, incarnation, supervised, launcher, bindHost, env,
        ownDomains(rank, node, env));
  }

  private JobEnv(int rank, int size, String node, Path jobDir, String coordinator, int incarnation, boolean supervised,
      String launcher, String bindHost, Map<String, String> env, Domains own) {
    this(rank, size, node, jobDir, coordinator, incarnation, supervised, launcher, bindHost, env, own.of(node),
        own.levels());
  }

  /**
   * This rank's failure domains from its environment: the line of its node in the {@code CAIRN_CLUSTER_DOMAINS}
   * file and {@code CAIRN_DOMAINS} (their union; a level given by both with different names is an error), and
   * the levels of {@code CAIRN_DOMAIN_LEVELS} and the file (equal when both are given).
   */
  static Domains ownDomains(int rank, String node, Map<String, String> env) {
    try {
      String f = env.get(DOMAINS_FILE);
      Domains file = f == null || f.isBlank() ? Domains.NONE : Domains.load(Path.of(f.trim()));
      String fileName = "the domains file " + f + " (" + DOMAINS_FILE + ")";
      String spec = env.getOrDefault("CAIRN_DOMAINS", "");
      Map<String, Map<String, String>> given = spec.isBlank()
          ? Map.of()
          : Map.of(node, Domains.parseSpec(spec, "CAIRN_DOMAINS"));
      List<String> declared = Domains.parseLevels(env.getOrDefault("CAIRN_DOMAIN_LEVELS", ""), "CAIRN_DOMAIN_LEVELS");
      Domains all = Domains.resolve(file, fileName, given, "CAIRN_DOMAINS", declared, "CAIRN_DOMAIN_LEVELS");
      return new Domains(all.levels(), all.of(node).isEmpty() ? Map.of() : Map.of(node, all.of(node)));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("rank " + rank + " on node " + node + ": " + e.getMessage(), e);
    }
  }

  /** Reads the identity from an environment; throws naming the variables it looked for when none is set. */
  public static JobEnv detect(Map<String, String> env) {
    String launcher;
    int rank;
    int size;
    String node;
    if (env.containsKey("CAIRN_RANK")) {
      launcher = "cairn";
      rank = num(env, "CAIRN_RANK");
      size = num(env, "CAIRN_SIZE");
      node = env.getOrDefault("CAIRN_NODE", "node-0");
    } else if (env.containsKey("OMPI_COMM_WORLD_RANK")) {
      // before Slurm's variables: mpirun inside a batch job inherits the batch step's SLURM_PROCID=0
      launcher = "openmpi";
      rank = num(env, "OMPI_COMM_WORLD_RANK");
      size = num(env, "OMPI_COMM_WORLD_SIZE");
      node = host(env);
    } else if (SlurmEnv.applies(env)) { // srun: all Slurm-specific reading lives in SlurmEnv
      launcher = "slurm";
      rank = num(env, "SLURM_PROCID");
      size = num(env, "SLURM_NTASKS");
      node = SlurmEnv.node(env);
      if (node == null) node = host(env);
      env = SlurmEnv.withTopologyDomains(env);
    } else if (env.containsKey("PMI_RANK") && env.containsKey("PMI_SIZE")) {
      launcher = "pmi";
      rank = num(env, "PMI_RANK");
      size = num(env, "PMI_SIZE");
      node = host(env);
    } else {
      throw new IllegalStateException(
          "not started as a rank of a parallel job: none of CAIRN_RANK, SLURM_PROCID+SLURM_NTASKS, "
              + "OMPI_COMM_WORLD_RANK, PMI_RANK+PMI_SIZE is set; start the program with 'cairn launch -n N -- <main>', srun or mpirun");
    }
    if (env.containsKey("CAIRN_NODE")) node = env.get("CAIRN_NODE");
    String jobId = env.getOrDefault("SLURM_JOB_ID", env.getOrDefault("OMPI_MCA_orte_ess_jobid", "default"));
    Path jobDir = Path.of(env.getOrDefault("CAIRN_JOB_DIR", "cairn-job-" + jobId.replaceAll("[^A-Za-z0-9._-]", "_")));
    String coord = env.get("CAIRN_COORD");
    int inc = env.containsKey("CAIRN_INCARNATION") ? num(env, "CAIRN_INCARNATION") : 0;
    boolean supervised = "true".equals(env.get("CAIRN_SUPERVISED"));
    String bind = env.getOrDefault("CAIRN_BIND", "127.0.0.1");
    validate(env);
    return new JobEnv(rank, size, node, jobDir, coord, inc, supervised, launcher, bind, env);
  }

  private static String host(Map<String, String> env) {
    String h = env.get("HOSTNAME");
    if (h != null && !h.isBlank()) return h;
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      return "localhost";
    }
  }

  private static int num(Map<String, String> env, String key) {
    String v = env.get(key);
    if (v == null) throw new IllegalStateException("environment variable " + key + " is not set");
    try {
      int n = Integer.parseInt(v.trim());
      if (n < 0) throw new NumberFormatException();
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalStateException("environment variable " + key + "='" + v + "' is not an integer >= 0");
    }
  }

  /** A numeric setting of the cluster module: its variable, default and allowed range (inclusive). */
  public record Setting(String name, long def, long min, long max, String unit) {
    /** The value in {@code env}, or the default; an IllegalArgumentException names the variable and the range. */
    public long of(Map<String, String> env) {
      String v = env.get(name);
      if (v == null) return def;
      long n;
      try {
        n = Long.parseLong(v.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(this + "='" + v + "' is not a whole number: " + range());
      }
      if (n < min || n > max) throw new IllegalArgumentException(this + "=" + n + " is out of range: " + range());
      return n;
    }

    /** Words for the allowed values. */
    public String range() {
      return "use " + min + ".." + max + (unit.isEmpty() ? "" : " " + unit) + " (default " + def + ")";
    }

    @Override
    public String toString() { return name; }
  }

  public static final Setting HEARTBEAT_MS = new Setting("CAIRN_HEARTBEAT_MS", 500, 10, 60_000, "ms");
  public static final Setting COORD_TIMEOUT_MS = new Setting("CAIRN_COORD_TIMEOUT_MS", 60_000, 100, 86_400_000, "ms");
  public static final Setting PEER_TIMEOUT_MS = new Setting("CAIRN_PEER_TIMEOUT_MS", 60_000, 100, 86_400_000, "ms");
  public static final Setting FAIL_TIMEOUT_MS = new Setting("CAIRN_FAIL_TIMEOUT_MS", 10_000, 100, 86_400_000, "ms");
  public static final Setting CLUSTER_KEEP = new Setting("CAIRN_CLUSTER_KEEP", 4, 1, 10_000, "versions");
  public static final Setting PERSISTENT_EVERY = new Setting("CAIRN_CLUSTER_PERSISTENT_EVERY", 1, 1, 1_000_000, "");
  public static final Setting RECOVERY_TIMEOUT_MS = new Setting("CAIRN_RECOVERY_TIMEOUT_MS", 300_000, 100, 86_400_000,
      "ms");
  public static final Setting FINAL_COMMIT_TIMEOUT_MS = new Setting("CAIRN_FINAL_COMMIT_TIMEOUT_MS", 120_000, 0,
      86_400_000, "ms");
  public static final Setting LAUNCHER_WATCH_MS = new Setting("CAIRN_LAUNCHER_WATCH_MS", 500, 0, 60_000, "ms");
  public static final Setting MPI_POLL_US = new Setting("CAIRN_MPI_POLL_US", 200, 0, 1_000_000, "us");
  /** Protocol logging: bound of a rank's payload log not yet covered by the receivers' checkpoints (see docs/message-logging.md). */
  public static final Setting MESSAGE_LOG_LIMIT = new Setting("CAIRN_MESSAGE_LOG_LIMIT", 256L << 20, 1024, 1L << 50,
      "bytes");
  /** Protocol logging: a rank checkpoints at every k-th of its checkpoint calls (staggered by rank). */
  public static final Setting LOGGING_EVERY = new Setting("CAIRN_LOGGING_EVERY", 1, 1, 1_000_000, "calls");
  private static final List<Setting> SETTINGS = List.of(HEARTBEAT_MS, COORD_TIMEOUT_MS, PEER_TIMEOUT_MS,
      FAIL_TIMEOUT_MS, CLUSTER_KEEP,
      PERSISTENT_EVERY, RECOVERY_TIMEOUT_MS, FINAL_COMMIT_TIMEOUT_MS, LAUNCHER_WATCH_MS, MPI_POLL_US, MESSAGE_LOG_LIMIT,
      LOGGING_EVERY);

  /**
   * Checks the cluster module's variables in {@code env} (numbers and their ranges, {@code CAIRN_PROTOCOL},
   * {@code CAIRN_SUPERVISED}, {@code CAIRN_COORD}, {@code CAIRN_JOB_SECRET}); an IllegalArgumentException names
   * the variable and what it allows. {@code failTimeoutMs} (the coordinator's, or &lt;= 0 for
   * {@code CAIRN_FAIL_TIMEOUT_MS}) must leave room for at least two heartbeats.
   */
  public static void validate(Map<String, String> env, long failTimeoutMs) {
    for (Setting s : SETTINGS) s.of(env);
    long hb = HEARTBEAT_MS.of(env);
    long fail = failTimeoutMs > 0 ? failTimeoutMs : FAIL_TIMEOUT_MS.of(env);
    if (2 * hb > fail)
      throw new IllegalArgumentException(
          HEARTBEAT_MS + "=" + hb + " leaves no room for a missed heartbeat: the failure timeout is " + fail
              + " ms (" + (failTimeoutMs > 0 ? "the launcher's --fail-timeout" : FAIL_TIMEOUT_MS.name())
              + "); use at most half of it");
    String p = env.get("CAIRN_PROTOCOL");
    if (p != null) {
      try {
        io.cairn.cluster.Protocol.parse(p);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("CAIRN_PROTOCOL: " + e.getMessage());
      }
    }
    String sup = env.get("CAIRN_SUPERVISED");
    if (sup != null && !sup.equals("true") && !sup.equals("false"))
      throw new IllegalArgumentException("CAIRN_SUPERVISED='" + sup + "': use true or false (the launcher sets it)");
    String c = env.get("CAIRN_COORD");
    if (c != null) {
      int colon = c.lastIndexOf(':');
      boolean ok = colon > 0;
      if (ok) {
        try {
          int port = Integer.parseInt(c.substring(colon + 1));
          ok = port >= 1 && port <= 65535;
        } catch (NumberFormatException e) {
          ok = false;
        }
      }
      if (!ok) throw new IllegalArgumentException("CAIRN_COORD='" + c + "': use host:port with a port in 1..65535");
    }
    String fb = env.get("CAIRN_ALLOW_FALLBACK");
    if (fb != null && !fb.equalsIgnoreCase("true") && !fb.equalsIgnoreCase("false"))
      throw new IllegalArgumentException("CAIRN_ALLOW_FALLBACK='" + fb + "': use true or false (default false)");
    String b = env.get("CAIRN_BIND");
    if (b != null && b.isBlank())
      throw new IllegalArgumentException("CAIRN_BIND is empty: give the address to listen on (default 127.0.0.1)");
    JobSecret.fromEnv(env);
    JobTls.enabled(env);
  }

  /** {@link #validate(Map, long)} with the failure timeout of {@code CAIRN_FAIL_TIMEOUT_MS}. */
  public static void validate(Map<String, String> env) {
    validate(env, 0);
  }

  /** Environment variables of the cluster module (the core engine rejects CAIRN_* names it does not know). */
  public static final java.util.Set<String> VARIABLES = java.util.Set.of("CAIRN_RANK", "CAIRN_SIZE", "CAIRN_NODE",
      "CAIRN_JOB_DIR",
      "CAIRN_COORD", "CAIRN_INCARNATION", "CAIRN_SUPERVISED", "CAIRN_BIND", "CAIRN_PROTOCOL", "CAIRN_HEARTBEAT_MS",
      "CAIRN_COORD_TIMEOUT_MS", "CAIRN_PEER_TIMEOUT_MS", "CAIRN_FAIL_TIMEOUT_MS", "CAIRN_DOMAINS",
      "CAIRN_DOMAIN_LEVELS", JobSecret.VARIABLE, JobTls.VARIABLE, "CAIRN_TRANSPORT", "CAIRN_MPI_POLL_US",
      "CAIRN_LAUNCHER",
      "CAIRN_LAUNCHER_WATCH_MS", "CAIRN_ALLOW_FALLBACK", "CAIRN_RECOVERY_TIMEOUT_MS", "CAIRN_FINAL_COMMIT_TIMEOUT_MS",
      "CAIRN_MESSAGE_LOG_LIMIT", "CAIRN_LOGGING_EVERY");

  /** Variable choosing the communicator's transport: {@code tcp} or {@code mpi} (see {@link #transport()}). */
  public static final String TRANSPORT = "CAIRN_TRANSPORT";

  /**
   * The communicator's transport: {@code CAIRN_TRANSPORT} ({@code tcp} or {@code mpi}) when set; otherwise
   * {@code mpi} when an MPI launcher started this process and Open MPI's library loads, else {@code tcp}. An MPI
   * launcher is Open MPI's mpirun ({@code OMPI_COMM_WORLD_*}) or srun with Slurm's PMIx plugin ({@code srun
   * --mpi=pmix}, or {@code MpiDefault=pmix}), which gives each task {@code PMIX_RANK} before MPI is initialized
   * (Open MPI's {@code OMPI_COMM_WORLD_*} only appear in MPI_Init there). A plain srun ({@code --mpi=none}) gets TCP.
   * The coordinator (control plane) always speaks TCP.
   */
  public String transport() {
    String t = env.get(TRANSPORT);
    if (t != null && !t.isBlank()) {
      String v = t.trim().toLowerCase(Locale.ROOT);
      if (!v.equals("tcp") && !v.equals("mpi"))
        throw new IllegalArgumentException(TRANSPORT + "='" + t + "': use tcp or mpi");
      if (v.equals("mpi") && "cairn".equals(launcher)) {
        throw new IllegalArgumentException(
            TRANSPORT + "=mpi needs ranks started by mpirun (or srun --mpi=pmix): 'cairn launch' starts and "
                + "respawns ranks one by one, which MPI cannot join; use 'cairn mpirun' or " + TRANSPORT + "=tcp");
      }
      return v;
    }
    return startedByMpiLauncher() && io.cairn.cluster.internal.mpi.Mpi.load().isPresent() ? "mpi" : "tcp";
  }

  /** mpirun, or srun with the PMIx plugin (its task has {@code PMIX_RANK}, the same as {@code SLURM_PROCID}). */
  boolean startedByMpiLauncher() {
    if ("openmpi".equals(launcher)) return true;
    String pmix = env.get("PMIX_RANK");
    return "slurm".equals(launcher) && pmix != null && pmix.trim().equals(Integer.toString(rank));
  }

  /** The same identity with the coordinator's address known (e.g. broadcast by rank 0 over MPI). */
  public JobEnv withCoordinator(String address) {
    return new JobEnv(rank, size, node, jobDir, address, incarnation, supervised, launcher, bindHost, env, domains,
        domainLevels);
  }

  /** True when no launcher of Cairn's runs this job, so rank 0 hosts the coordinator (srun, mpirun, PMI). */
  public boolean rankZeroHostsCoordinator() {
    return !supervised && coordinator == null && !"cairn".equals(launcher);
  }

  /** Parses a per-node spec ({@code rack=r1,switch=s4}) into a map that also holds {@code node}. */
  public static Map<String, String> parseDomains(String node, String spec) {
    Map<String, String> m = new java.util.TreeMap<>(Domains.parseSpec(spec, "failure domains of node '" + node + "'"));
    m.put("node", node);
    return java.util.Collections.unmodifiableMap(m);
  }

  /** The domains as sent on the wire: {@code rack=r1,switch=s4} (without the node). */
  public String domainSpec() {
    return Domains.spec(domains);
  }

  /** The environment without the cluster module's variables, for the core engine's CAIRN_* overrides. */
  public Map<String, String> coreEnv() {
    return coreEnv(env);
  }

  /** {@code env} without the cluster module's variables. */
  public static Map<String, String> coreEnv(Map<String, String> env) {
    Map<String, String> m = new java.util.HashMap<>(env);
    m.keySet().removeIf(k -> VARIABLES.contains(k) || k.startsWith("CAIRN_CLUSTER_"));
    return m;
  }

  /** A CAIRN_* setting in milliseconds, or the default; an IllegalArgumentException names the variable when it is no number >= 0. */
  public long millis(String key, long def) {
    return new Setting(key, def, 0, Long.MAX_VALUE, "ms").of(env);
  }

  /** A numeric setting, checked against its range. */
  public long millis(Setting s) { return s.of(env); }

  public String get(String key, String def) { return env.getOrDefault(key, def); }

  /** Name of this rank's run in the core engine: it includes the job size, so resharded jobs never collide. */
  public String runName() {
    return runName(rank, size);
  }

  public static String runName(int rank, int size) { return String.format(Locale.ROOT, "r%dof%d", rank, size); }
}
