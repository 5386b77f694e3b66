package io.cairn.cluster;

import io.cairn.cluster.internal.Coordinator;
import io.cairn.cluster.internal.Domains;
import io.cairn.cluster.internal.JobEnv;
import io.cairn.cluster.internal.JobSecret;
import io.cairn.cluster.internal.JobLock;
import io.cairn.cluster.internal.LauncherWatch;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a parallel job: a coordinator process and N rank processes (child JVMs running the given
 * main class), and supervises them: a rank or the coordinator that dies is started again (a new
 * incarnation), and the job recovers from its newest committed global checkpoint.
 *
 * <pre>{@code
 * try (Launcher.Job job = Launcher.builder().ranks(4).nodes(2).jobDir(dir)
 *     .command(List.of("io.cairn.cluster.examples.Heat", "--steps", "200")).start()) {
 *   int exit = job.await(Duration.ofMinutes(5));
 * }
 * }</pre>
 *
 * Ranks are spread over nodes in blocks (ranks 0..k-1 on the first node, ...). A node is a failure
 * domain with its own local checkpoint directory ({@code <job>/nodes/<node>/local}); with
 * {@link Builder#nodes} they are simulated on this machine, with {@link Builder#hosts} they are hosts
 * (non-local ones are reached with {@code ssh} and must share the job directory's file system).
 *
 * <p>A rank on another host is {@code ssh -o BatchMode=yes [sshOptions] host cd <cwd> && exec sh -c <guard> env K=V... java ...}:
 * the same {@code java} path and class path as here, so the hosts need them at the same place. The guard runs
 * the JVM in the background and kills it ({@code kill -9}) as soon as its standard input, the ssh channel,
 * reaches end of file: ssh without a terminal does not signal the remote command when the connection goes, so
 * without it a killed ssh client (or a dead launcher) would leave the rank running. The guard exits with the
 * JVM's status, which ssh passes on (137 after a kill -9). Stopping such a rank ({@link Job#kill},
 * {@link Job#killNode}, {@link Job#close}) closes the ssh client's standard input, so the ssh client exits only
 * once the remote JVM is dead; one that has not exited after 10 s (e.g. the network is gone) is killed.
 *
 * <p>A <em>hung</em> rank (alive, but no heartbeats: stopped, stuck in a native call) is declared failed by the
 * coordinator, which cannot kill a process on another host (nor one that advertised a host name). It asks the
 * launcher instead with a kill request, a file {@code <job>/kill/r<rank>-i<incarnation>}; the launcher looks for
 * them every 150 ms, kills that rank like {@link Job#kill} if that incarnation still runs (a request for an older
 * one is stale and ignored), deletes the request, and respawns the rank when it has exited.
 *
 * <p>Wider failure domains of the nodes (rack, switch, power) come from {@link Builder#domains},
 * {@link Builder#domainLevels} and {@link Builder#domainsFile}; the launcher combines them into one table
 * (see {@code Domains.resolve}: a disagreement is an error naming the node) and gives each rank its node's
 * domains ({@code CAIRN_DOMAINS}) and the declared levels ({@code CAIRN_DOMAIN_LEVELS}); every rank then sees
 * the whole table ({@link Comm#domains()}), which the redundancy levels use for placement.
 *
 * <p>Each launch makes a job secret ({@link JobSecret}: 256 bits from {@code SecureRandom}, or
 * {@code CAIRN_JOB_SECRET} of {@link Builder#env} or this process's environment when given), writes it to
 * {@code <job>/job.secret} (mode 0600; the job directory is created with mode 0700) and gives it to the
 * coordinator and the local ranks in their environment; ranks through ssh read the file (the job directory is
 * shared), so the secret never appears on a command line. Every connection of the job proves it (docs/security.md).
 */
public final class Launcher {
  private static final Logger log = LoggerFactory.getLogger(Launcher.class);
  private Launcher() {}

  /** The launcher's lock file in the job directory (one launch per job directory at a time). */
  static final String LOCK = "launcher.lock";
  /**
   * Pids and start times of the processes of the current (or last) launch of a job directory, one line each
   * ({@code coordinator <pid> <start>}, {@code rank <r> node=<node> incarnation=<i> <pid> <start>}), and
   * {@code restarts <n>}, the processes the launch restarted so far.
   */
  static final String PROCESSES = "processes";
  /** Falls-backs past committed work during a launch, written by the coordinator, printed by the launcher. */
  static final String FALLBACKS = "fallbacks";

  public static Builder builder() { return new Builder(); }

  /** Configures a job. */
  public static final class Builder {
    private int ranks = 1;
    private List<String> nodes;
    private boolean hostsAreReal;
    private Path jobDir = Path.of("cairn-job");
    private Protocol protocol = Protocol.BLOCKING;
    private final List<String> command = new ArrayList<>();
    private final List<String> jvmOptions = new ArrayList<>(
        List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
            "--enable-native-access=ALL-UNNAMED"));
    private String heap = "-Xmx256m";
    private final Map<String, String> env = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> domains = new LinkedHashMap<>();
    private List<String> domainLevels = List.of();
    private Path domainsFile;
    private int maxRestarts = 50;
    private long failTimeoutMs = 10_000;
    private boolean inheritIO;
    private List<String> sshOptions = List.of();
    private boolean tls;
    private String classpath;
    private boolean allowFallback;
    private long recoveryTimeoutMs = -1;

    public Builder ranks(int n) {
      if (n < 1) throw new IllegalArgumentException("ranks must be >= 1");
      this.ranks = n;
      return this;
    }

    /** Simulates {@code k} nodes on this machine (names node-0..node-k-1). */
    public Builder nodes(int k) {
      if (k < 1) throw new IllegalArgumentException("nodes must be >= 1");
      List<String> l = new ArrayList<>();
      for (int i = 0; i < k; i++) l.add("node-" + i);
      this.nodes = l;
      this.hostsAreReal = false;
      return this;
    }

    /**
     * Runs ranks on these hosts (one node each). Local names run here: exactly {@code localhost},
     * {@code 127.0.0.1} and this machine's host name ({@code InetAddress.getLocalHost().getHostName()});
     * every other name (another loopback address such as {@code 127.0.0.2}, the fully qualified name, an alias)
     * is reached through {@code ssh} (see {@link #sshOptions}) and must share the job directory's file system.
     */
    public Builder hosts(List<String> hosts) {
      if (hosts.isEmpty()) throw new IllegalArgumentException("hosts must not be empty");
      this.nodes = List.copyOf(hosts);
      this.hostsAreReal = true;
      return this;
    }

    public Builder jobDir(Path dir) { this.jobDir = dir; return this; }

    /**
     * Failure domains of a node beyond the node itself, e.g. {@code domains("node-0", "rack=r1,power=p1")}
     * ({@code cairn launch --domain node-0:rack=r1,power=p1}); repeatable, also for one node. Combined with
     * {@link #domainsFile}: a node gets the union, a level named differently by both is an error.
     */
    public Builder domains(String node, String spec) {
      Map<String, String> d = Domains.parseSpec(spec, "--domain " + node);
      Domains merged = Domains.resolve(
          new Domains(List.of(), domains.containsKey(node) ? Map.of(node, domains.get(node)) : Map.of()),
          "an earlier --domain " + node, Map.of(node, d), "--domain " + node + ":" + spec, List.of(), "");
      domains.put(node, merged.of(node));
      return this;
    }

    /**
     * The failure-domain levels, largest first, e.g. {@code List.of("power", "rack", "switch")}
     * ({@code --domain-levels}); must equal the domains file's {@code levels} if both are given. Without
     * any declaration the ranks infer them (a level with fewer distinct names is larger).
     */
    public Builder domainLevels(List<String> levels) {
      this.domainLevels = Domains.parseLevels(String.join(",", levels), "--domain-levels");
      return this;
    }

    /**
     * A domains file ({@code --domains-file}): {@code levels = power, rack} and {@code node-0 = power=p1, rack=r1}
     * lines; it is read at {@link #start} and feeds the same table as {@link #domains}. Without it, a file named
     * by {@code CAIRN_CLUSTER_DOMAINS} (in {@link #env} or this process's environment) is read instead.
     */
    public Builder domainsFile(Path file) { this.domainsFile = file; return this; }
    public Builder protocol(Protocol p) { this.protocol = p; return this; }

    /** The program of every rank: a main class and its arguments, or JVM arguments such as {@code -jar app.jar}. */
    public Builder command(List<String> mainAndArgs) {
      command.clear();
      command.addAll(mainAndArgs);
      return this;
    }

    /** Extra JVM options of the rank processes (e.g. {@code -Xmx1g} replaces the default heap of 256 MiB). */
    public Builder jvmOption(String option) {
      if (option.startsWith("-Xmx")) heap = option;
      else
        jvmOptions.add(option);
      return this;
    }

    /** An environment variable for every rank (e.g. {@code CAIRN_CLUSTER_KEEP}). */
    public Builder env(String key, String value) {
      env.put(key, value);
      return this;
    }
    /** How many times, in all, a failed rank or coordinator is started again before the job gives up (default 50). */
    public Builder maxRestarts(int n) {
      this.maxRestarts = n;
      return this;
    }
    /** Missed-heartbeat time after which the coordinator declares a rank failed (default 10 s). */
    public Builder failTimeout(Duration d) {
      long ms = d.toMillis();
      if (ms < 100)
        throw new IllegalArgumentException("the failure timeout must be at least 100 ms, got " + ms + " ms");
      this.failTimeoutMs = ms;
      return this;
    }
    /**
     * Extra options of the {@code ssh} command that starts ranks on non-local {@link #hosts}, placed after
     * {@code -o BatchMode=yes} and before the host ({@code cairn launch --ssh-option}), e.g.
     * {@code List.of("-p", "2222", "-i", "/path/key", "-o", "UserKnownHostsFile=/path/known_hosts")}. Replaces
     * earlier ones; default none (the user's ssh configuration decides).
     */
    public Builder sshOptions(List<String> options) {
      for (String o : options) if (o == null || o.isEmpty()) throw new IllegalArgumentException("empty ssh option");
      this.sshOptions = List.copyOf(options);
      return this;
    }

    /**
     * TLS 1.3 on every connection of the job ({@code cairn launch --tls}), for ranks on other hosts (with
     * {@link #hosts}) whose traffic crosses a network: the launcher makes a self-signed key and certificate for this
     * launch with the JDK's keytool ({@code <job>/tls.p12}, mode 0600) and every process of the job trusts exactly
     * that certificate and presents it. Also switched on by {@code CAIRN_TLS=true}. Default off (the job secret's
     * handshake authenticates every connection either way; see docs/security.md).
     */
    public Builder tls(boolean on) { this.tls = on; return this; }

    /**
     * The class path of the ranks' program ({@code cairn launch --classpath/-cp}): put before the launcher's own class
     * path (which holds Cairn), so {@code java -jar cairn.jar launch -cp app.jar -- MyRank} finds {@code MyRank}.
     * Entries separated by {@link File#pathSeparator}. Ignored for a command that starts with a JVM option such as
     * {@code -jar}.
     */
    public Builder classpath(String cp) {
      if (cp == null || cp.isBlank()) throw new IllegalArgumentException("empty class path");
      this.classpath = cp;
      return this;
    }

    /**
     * Allows a launch to continue from an older committed global version when the newest one cannot be restored
     * (e.g. it has messages in flight and the job now has another number of ranks; {@code cairn launch --allow-fallback}).
     * Without it such a launch is aborted with the reason and the launcher exits non-zero: falling back past
     * committed work is never silent. (A recovery from a failure during the launch falls back when it must, and
     * says so.) Default false.
     */
    public Builder allowFallback(boolean b) { this.allowFallback = b; return this; }

    /**
     * Time limit of a recovery: when the ranks have not all rejoined and restored within it, the coordinator aborts
     * the job naming them (default 300 s, or {@code CAIRN_RECOVERY_TIMEOUT_MS}).
     */
    public Builder recoveryTimeout(Duration d) {
      if (d.toMillis() < 1) throw new IllegalArgumentException("recovery timeout must be > 0");
      this.recoveryTimeoutMs = d.toMillis();
      return this;
    }

    /** Child output goes to this process's stdout/stderr (default: {@code <job>/logs/*.log}). */
    public Builder inheritIO(boolean b) {
      this.inheritIO = b;
      return this;
    }

    private List<String> nodeNames() { return nodes != null ? nodes : List.of("node-0"); }

    /**
     * The job's one table of failure domains, from {@link #domains}, {@link #domainLevels} and the domains file
     * ({@link #domainsFile}, else {@code CAIRN_CLUSTER_DOMAINS}); {@code CAIRN_DOMAIN_LEVELS} of {@link #env} or
     * {@code processEnv} counts as {@link #domainLevels} when that was not called.
     */
    Domains resolveDomains(Map<String, String> processEnv) {
      if (env.containsKey("CAIRN_DOMAINS"))
        throw new IllegalArgumentException(
            "CAIRN_DOMAINS gives the domains of one node: use domains(node, spec) (cairn launch --domain NODE:spec)");
      Path file = domainsFile;
      String named = env.getOrDefault(JobEnv.DOMAINS_FILE, processEnv.get(JobEnv.DOMAINS_FILE));
      if (named != null && !named.isBlank()) {
        if (file == null) file = Path.of(named.trim());
        else if (!file.toAbsolutePath().normalize().equals(Path.of(named.trim()).toAbsolutePath().normalize()))
          throw new IllegalArgumentException(
              "two domains files: --domains-file " + file + " and " + JobEnv.DOMAINS_FILE + "=" + named + "; give one");
      }
      List<String> declared = domainLevels;
      String declaredName = "--domain-levels";
      String lv = env.getOrDefault("CAIRN_DOMAIN_LEVELS", processEnv.get("CAIRN_DOMAIN_LEVELS"));
      if (declared.isEmpty() && lv != null) {
        declared = Domains.parseLevels(lv, "CAIRN_DOMAIN_LEVELS");
        declaredName = "CAIRN_DOMAIN_LEVELS";
      }
      List<String> jobNodes = nodeNames();
      for (String n : domains.keySet())
        if (!jobNodes.contains(n))
          throw new IllegalArgumentException(
              "--domain " + n + ": '" + n + "' is not a node of this job (its nodes are " + jobNodes + ")");
      Domains all = Domains.resolve(file == null ? Domains.NONE : Domains.load(file), "the domains file " + file,
          domains, "--domain",
          declared, declaredName);
      if (processEnv.containsKey("CAIRN_DOMAINS"))
        log.warn(
            "cairn launch: CAIRN_DOMAINS in this environment is ignored; the ranks get their node's domains from --domain / --domains-file");
      if (!all.nodes().isEmpty())
        for (String n : jobNodes)
          if (all.of(n).isEmpty())
            log.warn("cairn launch: node {} has no failure domain beyond itself{}", n,
                file == null ? "" : " (not listed in " + file + ")");
      return all;
    }

    public Job start() {
      if (command.isEmpty()) throw new IllegalArgumentException("no command: give the main class of the ranks");
      Map<String, String> ranksEnv = new java.util.HashMap<>(System.getenv());
      ranksEnv.putAll(env);
      JobEnv.validate(ranksEnv, failTimeoutMs); // errors before anything starts (a bad setting in every rank would only respawn them)
      if (io.cairn.cluster.internal.JobTls.enabled(ranksEnv)) tls = true;
      Domains d = resolveDomains(System.getenv());
      try {
        return new Job(this, d);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start the job in " + jobDir + ": " + e.getMessage(), e);
      }
    }
  }

  /** A running job. Closing it kills every process it started. */
  public static final class Job implements AutoCloseable {
    private final Builder cfg;
    private final Path dir;
    private final JobSecret secret;
    private final String java;
    private final String classpath;
    private final String[] nodeOf;
    private final Domains domains;
    private final boolean remote;
    private final Process[] ranks;
    private final boolean[] viaSsh;
    private final int[] incarnation;
    private final boolean[] done;
    private final int[] crashes;
    private final long[] lastProgress;
    private Process coordinator;
    private int coordinatorIncarnation;
    private int restarts;
    private final Set<String> paused = new HashSet<>();
    private final Set<Integer> deferred = new HashSet<>();
    private final CompletableFuture<Integer> result = new CompletableFuture<>();
    private boolean closing;
    private final long started = System.nanoTime();
    private final Thread reaper = new Thread(this::killAll, "cairn-launch-reaper");
    private final JobLock lock;
    /** {@code pid:start:nonce} of this launch (the children watch pid:start; the nonce tells launches of one JVM apart). */
    private final String launchId = LauncherWatch.self() + ":"
        + Long.toHexString(new java.security.SecureRandom().nextLong() & Long.MAX_VALUE);

    Job(Builder b, Domains domains) throws IOException {
      this.cfg = b;
      this.dir = b.jobDir.toAbsolutePath();
      this.java = ProcessHandle.current().info().command()
          .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      this.classpath = System.getProperty("java.class.path");
      JobSecret.createPrivateDirectories(dir); // 0700: it will hold the job secret
      try {
        this.lock = JobLock.acquire(dir.resolve(LOCK), "launcher");
      } catch (JobLock.LockedException e) {
        throw new IllegalStateException(e.getMessage() + "; wait for that job to end or stop it first", e);
      }
      try {
        killEarlierLaunch();
      } catch (IOException | RuntimeException e) {
        lock.close();
        throw e;
      }
      this.domains = domains;
      List<String> nodes = b.nodeNames();
      this.nodeOf = new String[b.ranks];
      for (int r = 0; r < b.ranks; r++) nodeOf[r] = nodes.get((int) ((long) r * nodes.size() / b.ranks)); // balanced blocks
      boolean anyRemote = false;
      if (b.hostsAreReal) for (String h : nodes) if (!isLocalHost(h)) anyRemote = true;
      this.remote = anyRemote;
      this.ranks = new Process[b.ranks];
      this.viaSsh = new boolean[b.ranks];
      for (int r = 0; r < b.ranks; r++) viaSsh[r] = b.hostsAreReal && !isLocalHost(nodeOf[r]);
      this.incarnation = new int[b.ranks];
      this.done = new boolean[b.ranks];
      this.crashes = new int[b.ranks];
      this.lastProgress = new long[b.ranks];
      JobSecret.createPrivateDirectories(dir.resolve("logs"));
      JobSecret given = JobSecret.fromEnv(b.env);
      if (given == null) given = JobSecret.fromEnv(System.getenv());
      this.secret = given != null ? given : JobSecret.generate();
      secret.writeTo(dir); // for ranks through ssh (and tools of this user); the job's local processes get it in their environment
      if (b.tls) io.cairn.cluster.internal.JobTls.create(dir, secret);
      else
        Files.deleteIfExists(dir.resolve(io.cairn.cluster.internal.JobTls.FILE)); // an earlier launch's
      Files.deleteIfExists(dir.resolve("finished"));
      Files.deleteIfExists(dir.resolve(Coordinator.ABORTED));
      Files.deleteIfExists(dir.resolve("coordinator.addr"));
      Files.deleteIfExists(dir.resolve(FALLBACKS));
      deleteTree(dir.resolve(Coordinator.KILL_REQUESTS)); // requests of an earlier launch name its incarnations, not ours
      Runtime.getRuntime().addShutdownHook(reaper); // the launcher dies (Ctrl-C, SIGTERM): no orphaned ranks
      synchronized (this) {
        try {
          startCoordinator();
          waitForCoordinator();
        } catch (IOException | RuntimeException e) {
          close();
          throw e;
        }
        for (int r = 0; r < b.ranks; r++) startRank(r);
      }
      Thread.ofVirtual().name("cairn-launch-kill-requests").start(this::watchKillRequests);
    }

    /**
     * A launcher that died (kill -9) leaves its coordinator and ranks running until they notice (see
     * {@link LauncherWatch}) or for ever if they cannot (hung). Before anything starts, every process the earlier
     * launch recorded in {@code <job>/processes} that still runs, with the same pid <em>and start time</em> (so never
     * a reused pid), is killed and waited for: one launch, one coordinator, one set of ranks per job directory.
     */
    private void killEarlierLaunch() throws IOException {
      Path f = dir.resolve(PROCESSES);
      if (!Files.exists(f)) return;
      List<ProcessHandle> alive = new ArrayList<>();
      for (String line : Files.readAllLines(f)) {
        String[] t = line.trim().split("\\s+");
        if (t.length < 3 || !(t[0].equals("coordinator") || t[0].equals("rank"))) continue; // the earlier launcher itself: it released the lock
        long pid;
        long start;
        try {
          pid = Long.parseLong(t[t.length - 2]);
          start = Long.parseLong(t[t.length - 1]);
        } catch (NumberFormatException e) {
          continue;
        }
        if (pid == ProcessHandle.current().pid() || !LauncherWatch.alive(pid, start)) continue;
        ProcessHandle.of(pid).ifPresent(alive::add);
      }
      if (alive.isEmpty()) return;
      log.warn("cairn launch: {} process(es) of an earlier launch of {} still run (its launcher is gone): killing {}",
          alive.size(), dir,
          alive.stream().map(h -> Long.toString(h.pid())).toList());
      for (ProcessHandle h : alive) h.destroyForcibly();
      long deadline = System.currentTimeMillis() + 15_000;
      for (ProcessHandle h : alive) {
        try {
          h.onExit().get(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
          throw new IOException(
              "process " + h.pid() + " of an earlier launch of " + dir + " did not exit within 15 s of kill -9");
        }
      }
    }

    /** Records the pid and start time of every process this launch runs, for {@link #killEarlierLaunch} of a later launch. */
    private synchronized void recordProcesses() {
      StringBuilder b = new StringBuilder("# processes of the launch by ").append(launchId)
          .append(" (pid:start of the launcher)\n");
      b.append("launcher ").append(LauncherWatch.self().replace(':', ' ')).append('\n');
      if (coordinator != null)
        b.append("coordinator ").append(coordinator.pid()).append(' ').append(startMillis(coordinator)).append('\n');
      b.append("restarts ").append(restarts).append('\n'); // processes restarted so far (for cairn serve)
      // node and incarnation between the rank and its pid: readers take the last two fields as pid and start time
      for (int r = 0; r < ranks.length; r++)
        if (ranks[r] != null)
          b.append("rank ").append(r).append(" node=").append(nodeOf[r]).append(" incarnation=").append(incarnation[r])
              .append(' ')
              .append(ranks[r].pid()).append(' ').append(startMillis(ranks[r])).append('\n');
      try {
        io.cairn.cluster.internal.GlobalManifest.writeAtomically(dir.resolve(PROCESSES), b.toString());
      } catch (IOException e) {
        log.warn("cairn launch: cannot write {}: {}", dir.resolve(PROCESSES), e.getMessage());
      }
    }

    private static long startMillis(Process p) {
      return p.info().startInstant().map(i -> i.toEpochMilli()).orElse(0L);
    }

    private static final Pattern KILL_REQUEST = Pattern.compile("r(\\d{1,9})-i(\\d{1,9})");

    /** Acts on the coordinator's kill requests ({@code <job>/kill/r<rank>-i<incarnation>}) until the job ends. */
    private void watchKillRequests() {
      Path requests = dir.resolve(Coordinator.KILL_REQUESTS);
      while (!result.isDone()) {
        try {
          Thread.sleep(150);
        } catch (InterruptedException e) {
          return;
        }
        if (!Files.isDirectory(requests)) continue;
        List<Path> files;
        try (Stream<Path> s = Files.list(requests)) {
          files = s.toList();
        } catch (IOException e) {
          continue;
        }
        for (Path f : files) {
          Matcher m = KILL_REQUEST.matcher(f.getFileName().toString());
          if (!m.matches()) continue; // the coordinator's temp file of a request being written
          String why;
          try {
            why = Files.readString(f).trim();
            Files.deleteIfExists(f);
          } catch (IOException e) {
            why = "(cannot read " + f + ": " + e.getMessage() + ")";
          }
          killRequested(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), why);
        }
      }
    }

    /** Kills rank r if incarnation inc of it still runs; it is respawned when it has exited (like after {@link #kill}). */
    private synchronized void killRequested(int r, int inc, String why) {
      if (closing || result.isDone() || r >= ranks.length || inc != incarnation[r] || ranks[r] == null
          || !ranks[r].isAlive())
        return;
      log.warn("cairn launch: the coordinator declared rank {} (incarnation {}) on {} failed ({}); killing it", r, inc,
          nodeOf[r], why);
      stop(r);
    }

    /** Whether a host of {@link Builder#hosts} runs here without ssh: exactly these names, nothing is resolved. */
    static boolean isLocalHost(String h) {
      if (h.equals("localhost") || h.equals("127.0.0.1")) return true;
      try {
        return h.equals(InetAddress.getLocalHost().getHostName());
      } catch (IOException e) {
        return false;
      }
    }

    private void waitForCoordinator() throws IOException {
      long deadline = System.currentTimeMillis() + 30_000;
      while (!Files.exists(dir.resolve("coordinator.addr"))) {
        if (!coordinator.isAlive())
          throw new IOException(
              "the coordinator exited with code " + coordinator.exitValue() + " (see " + log("coordinator") + ")");
        if (System.currentTimeMillis() > deadline)
          throw new IOException("the coordinator did not start within 30 s (see " + log("coordinator") + ")");
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", e);
        }
      }
    }

    private Path log(String name) { return dir.resolve("logs").resolve(name + ".log"); }

    private ProcessBuilder builder(List<String> cmd, String logName) {
      ProcessBuilder pb = new ProcessBuilder(cmd);
      if (cfg.inheritIO) {
        pb.inheritIO();
      } else {
        pb.redirectErrorStream(true);
        pb.redirectOutput(Redirect.appendTo(log(logName).toFile()));
      }
      return pb;
    }

    private void startCoordinator() throws IOException {
      List<String> cmd = new ArrayList<>(List.of(java, "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp",
          classpath,
          Coordinator.class.getName(), "--job", dir.toString(), "--size", Integer.toString(cfg.ranks), "--supervised",
          "--timeout-ms", Long.toString(cfg.failTimeoutMs)));
      if (remote) cmd.addAll(List.of("--bind", "0.0.0.0"));
      cmd.addAll(List.of("--launch", launchId));
      if (cfg.allowFallback) cmd.add("--allow-fallback");
      if (cfg.recoveryTimeoutMs > 0) cmd.addAll(List.of("--recovery-timeout-ms", Long.toString(cfg.recoveryTimeoutMs)));
      ProcessBuilder pb = builder(cmd, "coordinator");
      pb.environment().put("CAIRN_INCARNATION", Integer.toString(coordinatorIncarnation));
      pb.environment().put(JobSecret.VARIABLE, secret.hex());
      pb.environment().put(io.cairn.cluster.internal.JobTls.VARIABLE, Boolean.toString(cfg.tls));
      pb.environment().put(LauncherWatch.VARIABLE, launchId);
      if (cfg.env.containsKey(LauncherWatch.PERIOD))
        pb.environment().put(LauncherWatch.PERIOD, cfg.env.get(LauncherWatch.PERIOD));
      Process p = pb.start();
      coordinator = p;
      recordProcesses();
      p.onExit().thenRun(() -> coordinatorExited(p));
    }

    private void startRank(int r) {
      Map<String, String> e = new LinkedHashMap<>(cfg.env);
      e.put("CAIRN_RANK", Integer.toString(r));
      e.put("CAIRN_SIZE", Integer.toString(cfg.ranks));
      e.put("CAIRN_NODE", nodeOf[r]);
      // the one table of domains: this node's line and the declared levels (the file, if any, was read here)
      String spec = Domains.spec(domains.of(nodeOf[r]));
      if (!spec.isEmpty()) e.put("CAIRN_DOMAINS", spec);
      if (!domains.levels().isEmpty()) e.put("CAIRN_DOMAIN_LEVELS", String.join(",", domains.levels()));
      e.put("CAIRN_JOB_DIR", dir.toString());
      e.put("CAIRN_INCARNATION", Integer.toString(incarnation[r]));
      e.put("CAIRN_SUPERVISED", "true");
      e.put("CAIRN_PROTOCOL", cfg.protocol.id());
      e.remove(JobSecret.VARIABLE); // never on a command line (ssh): local ranks get it below, remote ones read <job>/job.secret
      e.put(io.cairn.cluster.internal.JobTls.VARIABLE, Boolean.toString(cfg.tls));
      if (remote) e.put("CAIRN_BIND", "0.0.0.0");
      if (!viaSsh[r]) e.put(LauncherWatch.VARIABLE, launchId); // through ssh, the guard stops the rank when the connection goes
      List<String> jvm = new ArrayList<>();
      jvm.add(java);
      jvm.add(cfg.heap);
      jvm.addAll(cfg.jvmOptions);
      if (!cfg.command.getFirst().startsWith("-"))
        jvm.addAll(List.of("-cp", cfg.classpath == null ? classpath : cfg.classpath + File.pathSeparator + classpath));
      jvm.addAll(cfg.command);
      List<String> cmd;
      if (viaSsh[r]) {
        cmd = sshCommand(cfg.sshOptions, nodeOf[r], Path.of("").toAbsolutePath().toString(), e, jvm);
      } else {
        cmd = jvm;
      }
      ProcessBuilder pb = builder(cmd, "rank-" + r);
      if (viaSsh[r]) {
        pb.redirectInput(Redirect.PIPE); // the guard's life line (also under inheritIO: ssh must not read our stdin)
      } else {
        for (String k : List.of("CAIRN_DOMAINS", "CAIRN_DOMAIN_LEVELS")) pb.environment().remove(k); // set above, never inherited
        pb.environment().putAll(e);
        pb.environment().put(JobSecret.VARIABLE, secret.hex());
      }
      try {
        Process p = pb.start();
        ranks[r] = p;
        recordProcesses();
        p.onExit().thenRun(() -> rankExited(r, p));
      } catch (IOException ex) {
        fail(1, "cannot start rank " + r + ": " + ex.getMessage());
      }
    }

    /**
     * Runs "$@" (env K=V... java ...) in the background and kill -9s it when standard input (the ssh channel)
     * reaches end of file; exits with its status. POSIX sh: an asynchronous command's stdin is /dev/null, hence
     * fd 3. The watcher is stopped when the JVM exits first, so it never kills a reused pid.
     */
    static final String SSH_GUARD = "exec 3<&0; \"$@\" 3<&- & p=$!; { cat <&3 >/dev/null 2>&1; kill -9 $p; } >/dev/null 2>&1 & w=$!; "
        + "exec 3<&-; wait $p; c=$?; kill $w 2>/dev/null; exit $c";

    /** The ssh command line of a rank on a remote host: {@code cd} to the launcher's directory, then the guarded {@code env ... java ...}. */
    static List<String> sshCommand(List<String> sshOptions, String host, String cwd, Map<String, String> env,
        List<String> jvm) {
      List<String> cmd = new ArrayList<>(List.of("ssh", "-o", "BatchMode=yes"));
      cmd.addAll(sshOptions);
      cmd.addAll(List.of(host, "cd", quote(cwd), "&&", "exec", "sh", "-c", quote(SSH_GUARD), "cairn-rank", "env"));
      env.forEach((k, v) -> cmd.add(quote(k + "=" + v)));
      for (String s : jvm) cmd.add(quote(s));
      return cmd;
    }

    private static String quote(String s) { return "'" + s.replace("'", "'\\''") + "'"; }

    /**
     * kill -9 of a rank: a local one directly; one through ssh by closing the ssh client's stdin, so the remote
     * guard kills the JVM and ssh exits (137) once it is dead. Returns what to wait for.
     */
    private Process stop(int r) {
      Process p = ranks[r];
      if (p == null) return null;
      if (!viaSsh[r]) {
        p.destroyForcibly();
        return p;
      }
      try {
        p.getOutputStream().close();
      } catch (IOException e) {
        p.destroyForcibly();
        return p;
      }
      p.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(t -> {
        log.warn(
            "cairn launch: the ssh client of rank {} on {} did not exit within 10 s of closing its input; killing it (the remote rank may survive)",
            r, nodeOf[r]);
        p.destroyForcibly();
        return p;
      });
      return p;
    }

    private synchronized void rankExited(int r, Process p) {
      if (closing || ranks[r] != p) return;
      int code = p.exitValue();
      if (abortedByCoordinator(code)) return;
      if (code == 0 || Files.exists(dir.resolve("finished"))) {
        if (code != 0) log.warn("cairn launch: rank {} exited with {} after the job finished", r, code);
        done[r] = true;
        for (boolean d : done) if (!d) return;
        finishSoon();
        return;
      }
      if (paused.contains(nodeOf[r])) {
        deferred.add(r);
        return;
      }
      if (code != 137 && code != 143 && code != Rank.EXIT_RESPAWN) {
        long progress = newestGlobal();
        if (progress != lastProgress[r]) {
          lastProgress[r] = progress;
          crashes[r] = 0;
        }
        if (++crashes[r] >= 4) {
          fail(code,
              "rank " + r + " crashed " + crashes[r] + " times in a row (exit code " + code
                  + ") without a new global checkpoint; see "
                  + (cfg.inheritIO ? "its output above" : log("rank-" + r))
                  + (code == 1 && cfg.classpath == null && !cfg.command.getFirst().startsWith("-")
                      ? " (if it says 'Could not find or load main class " + cfg.command.getFirst()
                          + "', give the program's class path:"
                          + " cairn launch --classpath, Launcher.Builder.classpath)"
                      : ""));
          return;
        }
      }
      respawn(r, code);
    }

    private long newestGlobal() {
      try {
        var l = io.cairn.cluster.internal.GlobalManifest.read(dir);
        return l.isEmpty() ? 0 : l.getLast().global();
      } catch (RuntimeException e) {
        return -1;
      }
    }

    private void respawn(int r, int code) {
      if (++restarts > cfg.maxRestarts) {
        fail(code, "rank " + r + " exited with code " + code + " and the job already restarted " + cfg.maxRestarts
            + " processes");
        return;
      }
      incarnation[r]++;
      log.warn("cairn launch: rank {} exited with code {}; starting incarnation {} on {}", r, code, incarnation[r],
          nodeOf[r]);
      startRank(r);
    }

    private synchronized void coordinatorExited(Process p) {
      if (closing || coordinator != p) return;
      if (Files.exists(dir.resolve("finished"))) return;
      if (abortedByCoordinator(p.exitValue())) return;
      if (p.exitValue() == Coordinator.EXIT_LOCKED) {
        fail(p.exitValue(),
            "the coordinator found the job directory locked by another coordinator (see " + log("coordinator") + ")");
        return;
      }
      if (++restarts > cfg.maxRestarts) {
        fail(p.exitValue(), "the coordinator exited with code " + p.exitValue() + " too many times");
        return;
      }
      coordinatorIncarnation++;
      log.warn("cairn launch: coordinator exited with code {}; restarting it", p.exitValue());
      try {
        startCoordinator();
      } catch (IOException e) {
        fail(1, "cannot restart the coordinator: " + e.getMessage());
      }
    }

    private void finishSoon() {
      Process c = coordinator;
      Thread.ofVirtual().start(() -> {
        try {
          if (!c.waitFor(10, TimeUnit.SECONDS)) c.destroyForcibly();
        } catch (InterruptedException ignored) {
          c.destroyForcibly();
        }
        reportFallbacks();
        result.complete(0);
      });
    }

    /** The coordinator gave up on the job (e.g. no committed global version restores): stop, do not respawn. */
    private boolean abortedByCoordinator(int code) {
      Path f = dir.resolve(Coordinator.ABORTED);
      if (!Files.exists(f)) return false;
      String why;
      try {
        why = Files.readString(f).trim();
      } catch (IOException e) {
        why = "(cannot read " + f + ": " + e.getMessage() + ")";
      }
      fail(code, "the job was aborted: " + why);
      return true;
    }

    /** Falling back past committed work is never only a log line of the coordinator: the launcher repeats it at the end. */
    private void reportFallbacks() {
      Path f = dir.resolve(FALLBACKS);
      try {
        if (Files.exists(f))
          for (String l : Files.readAllLines(f))
            if (!l.isBlank()) log.warn("cairn launch: WARNING: this launch {}", l.trim());
      } catch (IOException e) {
        log.warn("cairn launch: cannot read {}: {}", f, e.getMessage());
      }
    }

    private void fail(int code, String why) {
      reportFallbacks();
      log.error("cairn launch: {}; stopping the job", why);
      closing = true;
      killAll();
      result.complete(code == 0 ? 1 : code);
    }

    /** Waits for the job: 0 when every rank finished, else the failing exit code. Kills the job on timeout. */
    public int await(Duration timeout) throws TimeoutException {
      try {
        return result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        close();
        throw new TimeoutException(
            "job in " + dir + " did not finish within " + timeout + " (logs in " + dir.resolve("logs") + ")");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        close();
        return 130;
      } catch (java.util.concurrent.ExecutionException e) {
        return 1;
      }
    }

    public Path jobDir() { return dir; }
    public int size() { return ranks.length; }
    public String nodeOf(int rank) { return nodeOf[rank]; }
    public List<String> nodes() { return Stream.of(nodeOf).distinct().toList(); }
    /** Processes started again after a failure so far. */
    public synchronized int restarts() { return restarts; }
    /** The pid of the rank's process here: the JVM, or for a rank through ssh the ssh client. */
    public synchronized long pid(int rank) {
      return ranks[rank].pid();
    }
    public synchronized long coordinatorPid() { return coordinator.pid(); }
    public synchronized boolean isDone() { return result.isDone(); }
    /** Seconds since the job started. */
    public double elapsed() { return (System.nanoTime() - started) / 1e9; }

    /**
     * kill -9 of a rank (the launcher starts it again); for a rank through ssh, of the remote JVM (see the class
     * comment): it is dead when the ssh client exits.
     *
     * @return whether a running process of the rank was killed: false when its process had already exited (the job
     *     ended, or the rank is between incarnations); nothing was killed then. A test that means to kill asserts true.
     */
    public synchronized boolean kill(int rank) {
      Process p = ranks[rank];
      boolean alive = p != null && p.isAlive();
      stop(rank);
      return alive;
    }

    /** Whether this rank runs on another host, through ssh (then {@link #pid} is the local ssh client's). */
    public boolean viaSsh(int rank) {
      return viaSsh[rank];
    }

    /**
     * kill -9 of the coordinator (the launcher starts it again).
     *
     * @return whether a running coordinator was killed: false when it had already exited (e.g. the job ended)
     */
    public synchronized boolean killCoordinator() {
      if (coordinator == null) return false;
      boolean alive = coordinator.isAlive();
      coordinator.destroyForcibly();
      return alive;
    }

    /**
     * Loses a whole node: kill -9 of every rank on it, then its local directory is deleted; then the ranks are started again.
     *
     * @return how many running rank processes were killed: 0 when none ran on the node any more (e.g. the job ended)
     */
    public int killNode(String node) {
      List<Process> victims = new ArrayList<>();
      int killed = 0;
      synchronized (this) {
        if (closing) return 0;
        paused.add(node);
        for (int r = 0; r < ranks.length; r++) {
          if (nodeOf[r].equals(node) && ranks[r] != null) {
            if (ranks[r].isAlive()) killed++;
            victims.add(stop(r));
          }
        }
      }
      for (Process p : victims) { // through ssh: the client exits once the remote JVM is dead, before its directory goes
        try {
          p.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      deleteTree(dir.resolve("nodes").resolve(node));
      synchronized (this) {
        paused.remove(node);
        if (closing) return killed;
        for (int r : new ArrayList<>(deferred)) {
          if (nodeOf[r].equals(node)) {
            deferred.remove(r);
            respawn(r, 137);
          }
        }
      }
      return killed;
    }

    private static void deleteTree(Path p) {
      if (!Files.exists(p)) return;
      try (Stream<Path> s = Files.walk(p)) {
        for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot delete " + p + ": " + e.getMessage(), e);
      }
    }

    private void killAll() {
      List<Process> victims = new ArrayList<>();
      for (int r = 0; r < ranks.length; r++) if (ranks[r] != null) victims.add(stop(r));
      if (coordinator != null) coordinator.destroyForcibly();
      for (Process p : victims) {
        try {
          p.waitFor(11, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    /** Kills every process of the job that is still running. */
    @Override
    public void close() {
      synchronized (this) {
        closing = true;
      }
      killAll();
      lock.close();
      result.complete(result.isDone() ? result.getNow(1) : 1);
      try {
        Runtime.getRuntime().removeShutdownHook(reaper);
      } catch (IllegalStateException ignored) {
        // already shutting down: the hook runs
      }
    }

    @Override
    public String toString() { return "job of " + ranks.length + " ranks in " + dir + File.separator; }
  }
}
