package io.cairn.cluster.internal;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job's coordinator: membership, failure detection (closed connection, missed heartbeats),
 * two-phase commit of global checkpoints and the recovery protocol. One event loop owns all state;
 * each connection has a reader (virtual thread) that feeds it. Everything it must remember across
 * its own crash is in the job directory: the global manifest, {@code coordinator.state} (epoch,
 * next global number) and the {@code finished} marker; a restarted coordinator waits for every rank
 * to reconnect and then rolls the job back to the newest committed global version.
 *
 * <p>A rank that misses its heartbeats is declared failed. The coordinator never kills it itself (its pid would
 * come from the network); under a launcher ({@code supervised}) it asks the launcher, which started the process
 * and can always kill it (through ssh too), by writing a <em>kill request</em> {@code kill/r<rank>-i<incarnation>} into the job directory
 * (atomically; the content says why, for people). The launcher kills that incarnation of the rank, if it
 * still runs, and respawns it like any rank that died.
 *
 * <p>Protocol (one text line per message). Rank to coordinator: {@code JOIN rank size node[|domains|levels] pid host port incarnation [protocol [group]]} (group: hierarchical only),
 * {@code HB}, {@code RESTORED epoch [version step]}, {@code RESTORE_FAILED epoch global reason}, {@code PREPARED epoch global version step protocol},
 * {@code DONE epoch}. Coordinator to rank: {@code ROLLBACK epoch global nextGlobal [line=v0,..]} (the recovery line of independent
 * checkpoints), {@code GO epoch addr0/node0[|domains|levels] ..},
 * {@code COMMITTED global [halt]}, {@code FINISHED}, {@code ABORT reason}.
 *
 * <p>Every connection first runs the job secret's mutual handshake ({@link JobSecret}, role {@code coordinator});
 * one that fails is closed with a warning naming the remote address, before a byte of it is taken as a message.
 * Lines are at most {@link #MAX_LINE} bytes. The pid in {@code JOIN} is only logged: the coordinator never kills
 * a process whose pid came over the network; a hung rank is killed by the launcher, which started it (kill request).
 */
public final class Coordinator implements Runnable, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Coordinator.class);

  enum Phase { JOINING, RECOVERING, RUNNING, FINISHED }

  private final class Conn {
    final Socket socket;
    final PrintWriter out;
    int rank = -1;
    long pid;
    String host;
    String node;
    String domains = "";
    String levels = "";
    String address;
    int incarnation = -1;
    volatile boolean closed;

    Conn(Socket s) throws IOException {
      this.socket = s;
      this.out = new PrintWriter(new OutputStreamWriter(s.getOutputStream(), StandardCharsets.UTF_8), false);
    }

    void send(String line) {
      if (closed) return;
      out.print(line);
      out.print('\n');
      out.flush();
      if (out.checkError()) close();
    }

    void close() {
      closed = true;
      try {
        socket.close();
      } catch (IOException ignored) {
        /* closing */ }
    }
  }

  private record Event(Conn conn, String line) {}

  /** Longest line a rank may send (a JOIN with many failure domains is well below). */
  public static final int MAX_LINE = 64 * 1024;

  private final Path jobDir;
  private final JobSecret secret;
  private final int size;
  private final boolean supervised;
  private final long failTimeoutMs;
  private final ServerSocket server;
  private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final Conn[] members;
  private final long[] lastHeard;
  private Phase phase = Phase.JOINING;
  private long epoch;
  private long nextGlobal = 1;
  private long target;
  private final Set<Integer> restored = new HashSet<>();
  private final Set<Integer> done = new HashSet<>();
  private final Map<Long, long[]> prepares = new HashMap<>();
  private final Map<Long, Long> prepareSteps = new HashMap<>();
  private final Set<Long> bad = new HashSet<>();
  private final Set<Long> committed = new HashSet<>();
  private final FaultHook faults;
  private volatile boolean stopped;
  private String lastRestoreFailure = "";
  private String loggedLevels = "";
  /** File in the job directory that marks a job the coordinator aborted (with the reason); a new launch removes it. */
  public static final String ABORTED = "aborted";
  /**
   * The halt request in the job directory ({@code cairn halt <job dir>}, like SCR's {@code scr_halt}): while it
   * exists, every global version is committed with the halt mark ({@code COMMITTED g halt}) and the ranks stop
   * after it (see {@code ParallelCheckpointer.checkpoint}).
   */
  public static final String HALT = "halt";
  /** Folder in the job directory with the kill requests to the launcher: one file {@link #killRequest} per hung rank. */
  public static final String KILL_REQUESTS = "kill";
  private long finishedAt;
  /** Exit status of a coordinator process that found the job directory locked by another coordinator (the launcher does not restart it). */
  public static final int EXIT_LOCKED = 75;
  /** The lock file that keeps a job directory to one coordinator (an fcntl lock, released by the OS when the process dies). */
  public static final String LOCK = "coordinator.lock";
  private final JobLock lock;
  private long recoveryTimeoutMs = envMillis("CAIRN_RECOVERY_TIMEOUT_MS", 300_000);
  /** When the current recovery began (its time limit counts from there). */
  private long waitingSince = System.currentTimeMillis();
  private boolean allowFallback = "true".equalsIgnoreCase(System.getenv("CAIRN_ALLOW_FALLBACK"));
  /** Whether this launch already ran (a GO was sent): a fallback during it is a recovery from a failure, not the choice of a restart. */
  private boolean ranThisLaunch;
  /** The launcher's identity ({@code pid:start}), kept in {@code coordinator.state} once the launch ran, so a restarted coordinator knows. */
  private String launchId;
  private final String stateRan;
  /** The first failure to restore the newest committed global of this recovery (the real cause, for the abort message). */
  private String newestFailure = "";
  private final List<String> fallbacks = new ArrayList<>();
  /** The protocol the ranks announce in their JOIN ("" until one did; ranks of older versions announce none). */
  private String protocol = "";
  /** Independent protocol: the recovery line of the current recovery (each rank's version, 0: initial state), and versions ranks could not restore. */
  private long[] line;
  private final Set<String> unrestorable = new HashSet<>();
  /**
   * The job's record of recoveries ({@code <job>/recoveries}, appended, one event per line): {@code <millis> rollback <epoch> <target> <why>},
   * {@code <millis> restored <epoch> <rank> <version> <step>} (each RESTORED report: the rank's own version and its step; 0 0 for the initial
   * state), {@code <millis> running <epoch>} (every rank restored: GO), {@code <millis> finished <epoch>}. For tools and benchmarks
   * ({@code cairn cluster bench}); never read by the coordinator.
   */
  public static final String RECOVERIES = "recoveries";
  /** Logging protocol: ranks that failed and have not restored yet, with when they failed. */
  private final Map<Integer, Long> down = new HashMap<>();
  /** Hierarchical protocol: each rank's group (the group token after the protocol in its JOIN); null for plain logging. */
  private final String[] groupOf;
  /** Logging protocols: the epoch of the last restore order each rank got (a group's recovery has its own). */
  private final long[] orderedEpoch;

  /**
   * A coordinator whose job secret is {@code CAIRN_JOB_SECRET} of this process's environment, else a fresh one
   * written to {@code <job>/job.secret} (see {@link JobSecret#forCoordinator}).
   */
  public Coordinator(Path jobDir, int size, boolean supervised, long failTimeoutMs, String bindHost, FaultHook faults)
      throws IOException {
    this(jobDir, JobSecret.forCoordinator(System.getenv(), jobDir), size, supervised, failTimeoutMs, bindHost, faults);
  }

  /**
   * Binds the coordinator's port (the previous one when restarting, if free) and publishes {@code coordinator.addr}.
   * {@code faults}: the tests' fault injection ({@link FaultHook#NONE} or null: none).
   */
  public Coordinator(Path jobDir, JobSecret secret, int size, boolean supervised, long failTimeoutMs, String bindHost,
      FaultHook faults)
      throws IOException {
    this.jobDir = jobDir.toAbsolutePath();
    this.secret = java.util.Objects.requireNonNull(secret, "secret");
    this.size = size;
    this.supervised = supervised;
    this.failTimeoutMs = failTimeoutMs;
    this.faults = faults == null ? FaultHook.NONE : faults;
    this.members = new Conn[size];
    this.lastHeard = new long[size];
    this.groupOf = new String[size];
    this.orderedEpoch = new long[size];
    JobSecret.createPrivateDirectories(this.jobDir);
    this.lock = JobLock.acquire(this.jobDir.resolve(LOCK), "coordinator");
    Map<String, String> st = readState();
    epoch = Long.parseLong(st.getOrDefault("epoch", "0"));
    nextGlobal = Long.parseLong(st.getOrDefault("next", "1"));
    stateRan = st.get("ran");
    for (GlobalManifest.Entry e : GlobalManifest.read(this.jobDir)) {
      nextGlobal = Math.max(nextGlobal, e.global() + 1);
      committed.add(e.global());
    }
    int oldPort = Integer.parseInt(st.getOrDefault("port", "0"));
    ServerSocket s = secret.newServerSocket(); // TLS too when the job uses it (JobTls)
    s.setReuseAddress(true);
    try {
      s.bind(new InetSocketAddress(InetAddress.getByName(bindHost), oldPort));
    } catch (IOException e) {
      s.close();
      s = secret.newServerSocket();
      s.setReuseAddress(true);
      try {
        s.bind(new InetSocketAddress(InetAddress.getByName(bindHost), 0));
      } catch (IOException e2) {
        lock.close();
        throw e2;
      }
    }
    this.server = s;
    if (Files.exists(this.jobDir.resolve("finished"))) phase = Phase.FINISHED;
    saveState();
    String host = bindHost.equals("0.0.0.0") ? InetAddress.getLocalHost().getHostName() : bindHost;
    GlobalManifest.writeAtomically(this.jobDir.resolve("coordinator.addr"), host + ":" + server.getLocalPort() + "\n");
    log.info("coordinator for {} ranks listening on {}:{} (epoch {}, job {})", size, host, server.getLocalPort(), epoch,
        this.jobDir);
  }

  public int port() { return server.getLocalPort(); }

  private static long envMillis(String key, long def) {
    String v = System.getenv(key);
    try {
      return v == null || v.isBlank() ? def : Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + "='" + v + "' is not a number of milliseconds");
    }
  }

  /**
   * Time limit of a recovery (from its start until every rank restored; not the first join of a launch): when not
   * every rank has rejoined and restored within it (a dead rank nobody restarts, a rank hung in its restore), the
   * job is aborted with the ranks named. Default
   * {@code CAIRN_RECOVERY_TIMEOUT_MS}, else 300 s.
   */
  public Coordinator recoveryTimeout(long ms) {
    if (ms < 1) throw new IllegalArgumentException("recovery timeout must be > 0 ms");
    this.recoveryTimeoutMs = ms;
    return this;
  }

  /**
   * Whether a restart may fall back past the newest committed global version (when that one cannot be restored,
   * e.g. it has messages in flight and the job now has another number of ranks). Without it, a launch whose
   * newest committed global does not restore is aborted, naming why. A recovery from a failure during a running
   * launch always falls back (the newer global's data is gone) and records it in {@code <job>/fallbacks}.
   * Default false ({@code true} when the environment has {@code CAIRN_ALLOW_FALLBACK=true}).
   */
  public Coordinator allowFallback(boolean b) {
    this.allowFallback = b;
    return this;
  }

  /** The launch this coordinator belongs to (the launcher's {@code pid:start}); a restarted coordinator of a launch that ran knows it ran. */
  public Coordinator launch(String id) {
    this.launchId = id;
    this.ranThisLaunch = id != null && id.equals(stateRan);
    if (ranThisLaunch) saveState();
    return this;
  }

  private Map<String, String> readState() throws IOException {
    Map<String, String> m = new HashMap<>();
    Path f = jobDir.resolve("coordinator.state");
    if (!Files.exists(f)) return m;
    String[] t = Files.readString(f).trim().split("\\s+");
    for (int i = 0; i + 1 < t.length; i += 2) m.put(t[i], t[i + 1]);
    return m;
  }

  private void saveState() {
    try {
      GlobalManifest.writeAtomically(jobDir.resolve("coordinator.state"),
          "epoch " + epoch + " next " + nextGlobal + " port " + server.getLocalPort()
              + (ranThisLaunch && launchId != null ? " ran " + launchId : "") + "\n");
    } catch (IOException e) {
      throw new IllegalStateException(
          "coordinator cannot write " + jobDir.resolve("coordinator.state") + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void run() {
    Thread.ofVirtual().name("cairn-coord-accept").start(this::acceptLoop);
    try {
      while (!stopped) {
        Event ev = events.poll(200, TimeUnit.MILLISECONDS);
        if (ev != null) handle(ev);
        tick();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      close();
    }
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        Thread.ofVirtual().name("cairn-coord-conn").start(() -> authenticateAndRead(s));
      } catch (IOException e) {
        if (!server.isClosed()) log.warn("coordinator accept failed: {}", e.getMessage());
      }
    }
  }

  /** The job secret's handshake first: a client that fails it is closed and never becomes a connection of the job. */
  private void authenticateAndRead(Socket s) {
    Conn c;
    try {
      s.setTcpNoDelay(true);
      secret.authenticateAsServer(s, JobSecret.COORDINATOR);
      c = new Conn(s);
    } catch (IOException e) {
      if (!stopped)
        log.warn("coordinator: refused a connection from {}: {}", s.getRemoteSocketAddress(), e.getMessage());
      try {
        s.close();
      } catch (IOException ignored) {
        /* closing */ }
      return;
    }
    readLoop(c);
  }

  private void readLoop(Conn c) {
    try (java.io.InputStream raw = c.socket.getInputStream()) {
      LineReader in = new LineReader(raw, MAX_LINE);
      String line;
      while ((line = in.next()) != null) events.add(new Event(c, line));
    } catch (IOException e) {
      if (!c.closed && !stopped && e.getMessage() != null && e.getMessage().startsWith("line longer"))
        log.warn("coordinator: closing the connection of rank {} from {}: {}", c.rank,
            c.socket.getRemoteSocketAddress(), e.getMessage());
      c.close();
    }
    events.add(new Event(c, null));
  }

  private void handle(Event ev) {
    Conn c = ev.conn();
    if (ev.line() == null) {
      c.closed = true;
      if (c.rank >= 0 && members[c.rank] == c) {
        members[c.rank] = null;
        if (phase == Phase.RUNNING || phase == Phase.RECOVERING)
          failure(c.rank, "connection closed (process exited or was killed)");
      }
      return;
    }
    String[] t = ev.line().split(" ");
    try {
      switch (t[0]) {
        case "JOIN" -> join(c, t);
        case "HB" -> { if (c.rank >= 0) lastHeard[c.rank] = System.currentTimeMillis(); }
        case "RESTORED" ->
          restored(c, Long.parseLong(t[1]), t.length > 3 ? Long.parseLong(t[2]) + " " + Long.parseLong(t[3]) : "? ?");
        case "RESTORE_FAILED" -> {
          long e = Long.parseLong(t[1]);
          long g = Long.parseLong(t[2]);
          if (e == epoch && phase == Phase.RECOVERING) {
            String reason = ev.line()
                .substring(Math.min(ev.line().length(), ("RESTORE_FAILED " + t[1] + " " + t[2] + " ").length()));
            restoreFailed(c.rank, g, reason);
          }
        }
        case "PREPARED" ->
          prepared(c, Long.parseLong(t[1]), Long.parseLong(t[2]), Long.parseLong(t[3]), Long.parseLong(t[4]), t[5]);
        case "DONE" -> {
          if (phase == Phase.RUNNING && c.rank >= 0
              && Long.parseLong(t[1]) == (logging() ? orderedEpoch[c.rank] : epoch)) {
            done.add(c.rank);
            if (done.size() == size) finish();
          }
        }
        default -> log.warn("coordinator: unknown message '{}' from rank {}", ev.line(), c.rank);
      }
    } catch (RuntimeException e) {
      log.warn("coordinator: bad message '{}' from rank {}: {}", ev.line(), c.rank, e.toString());
    }
  }

  private void join(Conn c, String[] t) {
    int r = Integer.parseInt(t[1]);
    int n = Integer.parseInt(t[2]);
    if (n != size || r < 0 || r >= size) {
      c.send("ABORT rank " + r + " of " + n + " does not fit this job of " + size + " ranks");
      c.close();
      return;
    }
    c.rank = r;
    String[] nd = t[3].split("\\|", -1);
    c.node = nd[0];
    c.domains = nd.length > 1 ? nd[1] : "";
    c.levels = nd.length > 2 ? nd[2] : "";
    c.pid = Long.parseLong(t[4]);
    c.host = t[5];
    c.address = t[5] + ":" + t[6];
    c.incarnation = Integer.parseInt(t[7]);
    if (t.length > 8 && protocol.isEmpty() && t[8].matches("[a-z-]{1,40}")) protocol = t[8];
    groupOf[r] = protocol.equals("hierarchical") && t.length > 9 && t[9].matches("[A-Za-z0-9._-]{1,200}") ? t[9] : null;
    Conn old = members[r];
    members[r] = c;
    lastHeard[r] = System.currentTimeMillis();
    if (old != null && old != c) old.close();
    log.info("rank {} joined from {} (node {}, pid {}, incarnation {})", r, c.address, c.node, c.pid, t[7]);
    String conflict = domainConflict(c);
    if (conflict != null) {
      abort(conflict);
      return;
    }
    switch (phase) {
      case JOINING -> { if (allJoined()) startRecovery("all " + size + " ranks joined"); }
      case RECOVERING -> c.send(rollbackOrder());
      case RUNNING -> {
        if (logging()) { // only this rank (or its group) restores and replays; the others keep running
          if (!down.containsKey(r)) loggingFailure(r, "rejoined");
          c.send("ROLLBACK " + orderedEpoch[r] + " 0 " + nextGlobal);
        } else {
          startRecovery("rank " + r + " rejoined");
        }
      }
      case FINISHED -> c.send("FINISHED");
    }
  }

  /**
   * The one table of failure domains must be the same for every rank: ranks on one node must give that
   * node the same domains, and every rank must declare the same levels (else placement would differ
   * between ranks). Returns why not, or null.
   */
  private String domainConflict(Conn c) {
    for (Conn m : members) {
      if (m == null || m == c || m.closed) continue;
      if (m.node.equals(c.node) && !m.domains.equals(c.domains))
        return "ranks " + m.rank + " and " + c.rank + " are both on node " + c.node
            + " but give it different failure domains ('"
            + m.domains + "' and '" + c.domains
            + "'): CAIRN_DOMAINS and the CAIRN_CLUSTER_DOMAINS file must agree on every rank of a node";
      if (!m.levels.equals(c.levels))
        return "rank " + m.rank + " declares the failure-domain levels [" + m.levels + "] but rank " + c.rank + " ["
            + c.levels
            + "]: CAIRN_DOMAIN_LEVELS (or the levels of the CAIRN_CLUSTER_DOMAINS file) must be the same for every rank";
    }
    return null;
  }

  /** Failure-domain levels of the job, largest first: as declared by the ranks, else inferred from their domains. */
  private List<String> levels() {
    List<Map<String, String>> table = new ArrayList<>();
    String declared = "";
    for (Conn m : members) {
      if (m == null) continue;
      table.add(JobEnv.parseDomains(m.node, m.domains));
      declared = m.levels;
    }
    return Domains.order(Domains.parseLevels(declared, "levels"), table);
  }

  private boolean allJoined() {
    for (Conn m : members) if (m == null) return false;
    return true;
  }

  private void failure(int rank, String why) {
    log.warn("rank {} failed: {}", rank, why);
    if (!supervised) {
      for (Conn m : members)
        if (m != null)
          m.send("ABORT rank " + rank + " failed (" + why
              + "); relaunch the job to restart from the newest committed global checkpoint");
      stopped = true;
      return;
    }
    if (logging() && phase == Phase.RUNNING) {
      loggingFailure(rank, why);
      return;
    }
    startRecovery("rank " + rank + " failed: " + why);
  }

  /** Logging protocols: only the failed rank (hierarchical: its group, in an epoch of its own) restores; the others keep their state. */
  private void loggingFailure(int rank, String why) {
    long now = System.currentTimeMillis();
    String g = groupOf[rank];
    if (g == null) {
      down.putIfAbsent(rank, now);
      done.remove(rank);
      orderedEpoch[rank] = epoch;
      record("rollback " + epoch + " 0 rank " + rank + " failed: " + why + " (logging: rank " + rank + " only)");
      log.info(
          "epoch {}: rank {} failed ({}); logging protocol: only it restarts from its own checkpoint and replays its logged messages,"
              + " the other ranks keep their state",
          epoch, rank, why);
      return;
    }
    epoch++;
    saveState();
    List<Integer> group = new ArrayList<>();
    for (int r = 0; r < size; r++) if (g.equals(groupOf[r])) group.add(r);
    record("rollback " + epoch + " 0 rank " + rank + " failed: " + why + " (hierarchical: group " + g + ", ranks "
        + group + ")");
    log.info(
        "epoch {}: rank {} failed ({}); hierarchical protocol: its group {} (ranks {}) rolls back to its newest group checkpoint,"
            + " the other ranks keep their state",
        epoch, rank, why, g, group);
    for (int r : group) {
      down.put(r, now);
      done.remove(r);
      orderedEpoch[r] = epoch;
      if (members[r] != null) members[r].send("ROLLBACK " + epoch + " 0 " + nextGlobal);
    }
  }

  /** A rank's reason may start with {@code [newest-restorable <h>]}: the newest older global it could restore (0: none). */
  private static final java.util.regex.Pattern SUGGESTION = java.util.regex.Pattern
      .compile("^\\[newest-restorable (\\d+)\\] ?(.*)$");

  private void restoreFailed(int rank, long g, String reason) {
    java.util.regex.Matcher m = SUGGESTION.matcher(reason);
    long suggestion = -1;
    if (m.matches()) {
      suggestion = Long.parseLong(m.group(1));
      reason = m.group(2);
    }
    if (independent()) { // g is the rank's own version on the line: leave it out and compute the line again
      log.warn("rank {} cannot restore its version {} on the recovery line: {}", rank, g, reason);
      lastRestoreFailure = "rank " + rank + ": " + reason;
      unrestorable.add(rank + ":" + g);
      startRecovery("rank " + rank + " could not restore its version " + g);
      return;
    }
    log.warn("rank {} cannot restore global version {}: {}", rank, g, reason);
    lastRestoreFailure = "rank " + rank + ": " + reason;
    String newestReason = newestFailure;
    List<GlobalManifest.Entry> all = GlobalManifest.read(jobDir);
    long newest = all.isEmpty() ? 0 : all.getLast().global();
    if (newestFailure.isEmpty())
      newestFailure = "rank " + rank + " cannot restore global " + g + (g == newest ? " (the newest committed)" : "")
          + ": " + reason;
    bad.add(g);
    if (suggestion >= 0)
      for (GlobalManifest.Entry x : all) if (x.global() > suggestion && x.global() < g) bad.add(x.global()); // not restorable either
    long next = 0;
    for (int i = all.size() - 1; i >= 0; i--) {
      if (!bad.contains(all.get(i).global())) {
        next = all.get(i).global();
        break;
      }
    }
    String step = all.stream().filter(x -> x.global() == newest).map(x -> " (step " + x.step() + ")").findFirst()
        .orElse("");
    if (next == 0) {
      abort("no committed global version of this job could be restored. " + newestFailure
          + (newestReason.isEmpty() || newestFailure.endsWith(reason)
              ? ""
              : "; the oldest tried: " + lastRestoreFailure)
          + " (tried " + new java.util.TreeSet<>(bad) + "). The checkpoints in " + jobDir
          + " are kept: fix the cause and relaunch, or use a new"
          + " job directory to start from scratch");
      return;
    }
    long fallbackTo = next;
    String nextStep = all.stream().filter(x -> x.global() == fallbackTo).map(x -> " (step " + x.step() + ")")
        .findFirst().orElse("");
    if (!ranThisLaunch && !allowFallback) {
      abort(newestFailure + ". Not falling back past committed work: the newest global that could be restored is "
          + next + nextStep
          + ", older than global " + newest + step + ". Relaunch so that global " + newest
          + " restores (e.g. with the number of ranks it was"
          + " taken with), or allow the fallback explicitly (cairn launch --allow-fallback, Launcher.Builder.allowFallback,"
          + " CAIRN_ALLOW_FALLBACK=true) to continue from global " + next + nextStep + ". The checkpoints in " + jobDir
          + " are kept");
      return;
    }
    String note = "FALLING BACK past committed work: continuing from global " + next + nextStep + " instead of global "
        + newest + step
        + (ranThisLaunch ? " (recovery from a failure)" : " (allowed by --allow-fallback)") + "; " + newestFailure;
    log.error(note);
    fallbacks.add(note);
    try {
      GlobalManifest.writeAtomically(jobDir.resolve("fallbacks"), String.join("\n", fallbacks) + "\n");
    } catch (IOException ex) {
      log.error("cannot write {}: {}", jobDir.resolve("fallbacks"), ex.getMessage());
    }
    startRecovery("rank " + rank + " could not restore global " + g);
  }

  private void startRecovery(String why) {
    epoch++;
    down.clear();
    java.util.Arrays.fill(orderedEpoch, epoch);
    for (long g : prepares.keySet()) nextGlobal = Math.max(nextGlobal, g + 1);
    prepares.clear();
    prepareSteps.clear();
    restored.clear();
    done.clear();
    target = 0;
    List<GlobalManifest.Entry> all = GlobalManifest.read(jobDir);
    for (int i = all.size() - 1; i >= 0; i--) {
      if (!bad.contains(all.get(i).global())) {
        target = all.get(i).global();
        break;
      }
    }
    if (target == 0 && !all.isEmpty()) {
      // every committed global failed to restore: starting from scratch would silently drop the run's progress
      // (and retention would later prune the checkpoints), so stop and say why
      abort("no committed global version of this job could be restored (tried " + bad + "; last error: "
          + lastRestoreFailure
          + "). The checkpoints in " + jobDir
          + " are kept: fix the cause (e.g. the job declares other regions than it saved) and"
          + " relaunch, or use a new job directory to start from scratch");
      return;
    }
    phase = Phase.RECOVERING;
    waitingSince = System.currentTimeMillis();
    saveState();
    if (independent()) {
      line = recoveryLine();
      log.info(
          "epoch {}: {}; every rank rolls back to its checkpoint on the recovery line: versions {} (0: initial state)",
          epoch, why,
          java.util.Arrays.toString(line));
      record("rollback " + epoch + " line=" + joined(line) + " " + why);
    } else {
      log.info("epoch {}: {}; every rank rolls back to global version {}", epoch, why,
          target == 0 ? "0 (initial state)" : target);
      record("rollback " + epoch + " " + target + " " + why);
    }
    for (Conn m : members) if (m != null) m.send(rollbackOrder());
  }

  private boolean independent() { return protocol.equals("independent"); }

  /** Logging and hierarchical protocols: a failed rank (its group) restarts alone, the others keep their state. */
  private boolean logging() {
    return protocol.equals("logging") || protocol.equals("hierarchical");
  }

  /** {@code ROLLBACK epoch global next}, and for independent checkpoints {@code line=v0,..} (each rank's version on the recovery line). */
  private String rollbackOrder() {
    return "ROLLBACK " + epoch + " " + target + " " + nextGlobal
        + (independent() && line != null ? " line=" + joined(line) : "");
  }

  private static String joined(long[] v) {
    StringBuilder b = new StringBuilder();
    for (long x : v) b.append(b.isEmpty() ? "" : ",").append(x);
    return b.toString();
  }

  /**
   * The recovery line from the ranks' dependency records ({@link Dependencies}), without the versions a rank could not
   * restore. A record that cannot be read counts as no checkpoint of that rank (the line then avoids every dependency
   * on it: correct, only older), with an error in the log.
   */
  private long[] recoveryLine() {
    List<List<Dependencies.Checkpoint>> records = new ArrayList<>();
    for (int r = 0; r < size; r++) {
      try {
        records.add(Dependencies.read(jobDir, r, size));
      } catch (IllegalStateException e) {
        log.error("rank {}'s dependency record cannot be used ({}); the recovery line takes its initial state", r,
            e.getMessage());
        records.add(List.of());
      }
    }
    Dependencies.Line l = Dependencies.line(records, unrestorable);
    long[] v = new long[size];
    for (int r = 0; r < size; r++) v[r] = l.version(r);
    return v;
  }

  /** Appends one event to {@code <job>/recoveries} (best effort: a record for tools, never read back here). */
  private void record(String event) {
    try {
      if (!Files.exists(jobDir.resolve(RECOVERIES))) JobSecret.createPrivateFile(jobDir.resolve(RECOVERIES));
      Files.writeString(jobDir.resolve(RECOVERIES), System.currentTimeMillis() + " " + event + "\n",
          StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    } catch (IOException e) {
      log.warn("cannot append to {}: {}", jobDir.resolve(RECOVERIES), e.getMessage());
    }
  }

  /** Ends the job with an error every rank reports: {@code aborted} in the job directory tells the launcher not to restart anything. */
  private void abort(String why) {
    log.error("job aborted: {}", why);
    try {
      GlobalManifest.writeAtomically(jobDir.resolve(ABORTED), why + "\n");
    } catch (IOException e) {
      log.error("cannot write {}: {}", jobDir.resolve(ABORTED), e.getMessage());
    }
    for (Conn m : members) if (m != null) m.send("ABORT " + why);
    stopped = true;
  }

  private void restored(Conn c, long e, String part) {
    if (logging() && phase == Phase.RUNNING && c.rank >= 0 && down.containsKey(c.rank) && e == orderedEpoch[c.rank]) {
      down.remove(c.rank);
      record("restored " + e + " " + c.rank + " " + part);
      if (groupOf[c.rank] == null)
        log.info("epoch {}: rank {} RESTORED its own checkpoint (logging protocol; the other ranks did not roll back)",
            e, c.rank);
      else
        log.info(
            "epoch {}: rank {} RESTORED its group's checkpoint (hierarchical protocol; group {}; the other groups did not roll back)",
            e, c.rank,
            groupOf[c.rank]);
      if (!down.isEmpty() || !allJoined()) return; // the GO waits for every failed rank
      StringBuilder b = new StringBuilder();
      for (Conn m : members) {
        b.append(' ').append(m.address).append('/').append(m.node);
        if (!m.domains.isEmpty() || !m.levels.isEmpty()) b.append('|').append(m.domains).append('|').append(m.levels);
      }
      record("running " + epoch);
      // each rank in the epoch of its own last restore order: the restored ones run, the others learn the new addresses
      for (int r = 0; r < size; r++) members[r].send("GO " + orderedEpoch[r] + b);
      return;
    }
    if (e != epoch || phase != Phase.RECOVERING || c.rank < 0) return;
    if (logging()) log.info("epoch {}: rank {} RESTORED its own checkpoint (logging protocol)", epoch, c.rank);
    if (restored.add(c.rank)) record("restored " + e + " " + c.rank + " " + part);
    if (restored.size() < size || !allJoined()) return;
    phase = Phase.RUNNING;
    if (!ranThisLaunch && launchId != null) {
      ranThisLaunch = true;
      saveState();
    }
    ranThisLaunch = true;
    newestFailure = "";
    StringBuilder b = new StringBuilder("GO ").append(epoch);
    boolean anyDomain = false;
    for (Conn m : members) {
      b.append(' ').append(m.address).append('/').append(m.node);
      if (!m.domains.isEmpty() || !m.levels.isEmpty()) b.append('|').append(m.domains).append('|').append(m.levels);
      anyDomain |= !m.domains.isEmpty();
    }
    if (anyDomain) {
      String lv = String.join(",", levels());
      if (!lv.equals(loggedLevels)) {
        loggedLevels = lv;
        if (members[0].levels.isEmpty())
          log.info(
              "failure-domain levels not declared (--domain-levels, CAIRN_DOMAIN_LEVELS or the domains file's 'levels'): "
                  + "using [{}], largest first (a level with fewer distinct names is larger; ties by name)",
              lv);
        else
          log.info("failure-domain levels [{}], largest first", lv);
      }
    }
    String go = b.toString();
    record("running " + epoch);
    for (Conn m : members) m.send(go);
    log.info("epoch {}: all ranks restored global version {}; running", epoch, target);
  }

  private void prepared(Conn c, long e, long g, long version, long step, String protocol) {
    if (e != epoch || phase != Phase.RUNNING || c.rank < 0 || committed.contains(g)) return;
    long[] vs = prepares.computeIfAbsent(g, k -> {
      long[] a = new long[size];
      java.util.Arrays.fill(a, -1);
      return a;
    });
    vs[c.rank] = version;
    prepareSteps.merge(g, step, Math::max);
    for (long v : vs) if (v < 0) return;
    faultPoint("before-commit", g);
    String[] nodes = new String[size];
    String[] domains = new String[size];
    boolean anyDomain = false;
    for (int r = 0; r < size; r++) {
      nodes[r] = members[r] == null ? "?" : members[r].node;
      domains[r] = members[r] == null ? "" : members[r].domains;
      anyDomain |= !domains[r].isEmpty();
    }
    // the numbers on disk, read at every commit: a global this coordinator neither read at its start nor committed was
    // written by another one (the job directory lock prevents that, unless the file system ignores locks): never reuse numbers
    long foreign = 0;
    for (GlobalManifest.Entry x : GlobalManifest.read(jobDir))
      if (!committed.contains(x.global())) foreign = Math.max(foreign, x.global());
    if (foreign > 0) {
      log.error(
          "global version {} NOT committed: the manifest lists global {}, which this coordinator did not commit; was another coordinator"
              + " writing to {}? rolling back",
          g, foreign, jobDir);
      for (GlobalManifest.Entry x : GlobalManifest.read(jobDir)) committed.add(x.global());
      nextGlobal = Math.max(nextGlobal, foreign + 1);
      startRecovery("global numbers on disk are ahead of this coordinator");
      return;
    }
    try {
      GlobalManifest.append(jobDir,
          new GlobalManifest.Entry(g, size, protocol, prepareSteps.get(g), System.currentTimeMillis(), vs, nodes,
              anyDomain ? domains : null, anyDomain ? levels().toArray(String[]::new) : null));
    } catch (IOException ex) {
      log.error("global version {} NOT committed: cannot write the global manifest: {}", g, ex.getMessage());
      prepares.remove(g);
      return;
    }
    committed.add(g);
    prepares.remove(g);
    prepareSteps.remove(g);
    nextGlobal = Math.max(nextGlobal, g + 1); // persisted by the manifest itself (a restarted coordinator reads it)
    faultPoint("after-commit", g);
    String mark = java.nio.file.Files.exists(jobDir.resolve(HALT)) ? " halt" : "";
    if (!mark.isEmpty())
      log.info("global version {} committed; {} exists: the ranks stop after it", g, jobDir.resolve(HALT));
    for (Conn m : members) if (m != null) m.send("COMMITTED " + g + mark);
  }

  private void finish() {
    for (Map.Entry<Long, long[]> p : prepares.entrySet()) {
      List<Integer> missing = new ArrayList<>();
      for (int r = 0; r < size; r++) if (p.getValue()[r] < 0) missing.add(r);
      log.warn("job finished with global version {} ABANDONED: not prepared by ranks {} (see their logs)", p.getKey(),
          missing);
    }
    try {
      GlobalManifest.writeAtomically(jobDir.resolve("finished"), "epoch " + epoch + "\n");
    } catch (IOException e) {
      log.warn("cannot write the finished marker: {}", e.getMessage());
    }
    phase = Phase.FINISHED;
    finishedAt = System.currentTimeMillis();
    record("finished " + epoch);
    for (Conn m : members) if (m != null) m.send("FINISHED");
    log.info("job finished (epoch {})", epoch);
  }

  private void faultPoint(String point, long g) {
    faults.at(point, g); // tests: may halt this process here, like kill -9
  }

  private void tick() {
    long now = System.currentTimeMillis();
    if (phase == Phase.FINISHED) {
      boolean any = false;
      for (Conn m : members) if (m != null && !m.closed) any = true;
      if (!any || (finishedAt > 0 && now - finishedAt > 10_000)) stopped = true;
      return;
    }
    if (phase == Phase.RECOVERING && now - waitingSince > recoveryTimeoutMs) {
      List<Integer> absent = new ArrayList<>();
      List<Integer> notRestored = new ArrayList<>();
      for (int r = 0; r < size; r++) {
        if (members[r] == null || members[r].closed) absent.add(r);
        else if (phase == Phase.RECOVERING && !restored.contains(r)) notRestored.add(r);
      }
      abort("the recovery (epoch " + epoch + ", to global " + target + ") did not complete"
          + " within " + recoveryTimeoutMs + " ms (CAIRN_RECOVERY_TIMEOUT_MS / --recovery-timeout): "
          + (absent.isEmpty()
              ? ""
              : "rank(s) " + absent + " never (re)joined (dead and not restarted: is the launcher gone?)")
          + (!absent.isEmpty() && !notRestored.isEmpty() ? "; " : "")
          + (notRestored.isEmpty() ? "" : "rank(s) " + notRestored + " did not report their restore (hung?)")
          + ". The checkpoints are kept: relaunch the job to continue from the newest committed global");
      return;
    }
    if (phase == Phase.JOINING) return;
    for (Map.Entry<Integer, Long> d : down.entrySet()) {
      if (now - d.getValue() > recoveryTimeoutMs) {
        abort("rank " + d.getKey() + " failed and did not restore within " + recoveryTimeoutMs
            + " ms (CAIRN_RECOVERY_TIMEOUT_MS / --recovery-timeout;"
            + " logging protocol: the other ranks wait for it). The checkpoints are kept: relaunch the job to continue");
        return;
      }
    }
    for (int r = 0; r < size; r++) {
      Conn m = members[r];
      if (m != null && now - lastHeard[r] > failTimeoutMs) {
        long silent = now - lastHeard[r];
        // never a kill by a pid from the network: the launcher, which started the rank, kills it on request
        log.warn(
            "rank {} (incarnation {}) missed heartbeats for {} ms (its pid {} on {}, as it reported); declaring it failed{}",
            r, m.incarnation,
            silent, m.pid, m.host, supervised ? " and asking the launcher to kill it" : "");
        if (supervised) requestKill(m, "missed heartbeats for " + silent + " ms");
        members[r] = null;
        m.close();
        failure(r, "missed heartbeats");
      }
    }
  }

  /** The name of the kill request for this incarnation of a rank, in {@code <job>/kill}. */
  public static String killRequest(int rank, int incarnation) {
    return "r" + rank + "-i" + incarnation;
  }

  /**
   * Asks the launcher to kill a hung rank: only the launcher surely can (a rank through ssh, or one that advertised
   * a host name, is no pid of ours). It kills the process if that incarnation still runs and ignores older ones.
   */
  private void requestKill(Conn m, String why) {
    if (m.incarnation < 0) return;
    Path f = jobDir.resolve(KILL_REQUESTS).resolve(killRequest(m.rank, m.incarnation));
    try {
      GlobalManifest.writeAtomically(f,
          "rank " + m.rank + " incarnation " + m.incarnation + " pid " + m.pid + " host " + m.host + " epoch " + epoch
              + ": " + why + "\n");
    } catch (IOException e) {
      log.error("cannot ask the launcher to kill rank {} (cannot write {}: {}); it may stay hung", m.rank, f,
          e.getMessage());
    }
  }

  /** Stops the coordinator (closes every connection). */
  @Override
  public void close() {
    stopped = true;
    try {
      server.close();
    } catch (IOException ignored) {
      /* closing */ }
    for (Conn m : members) if (m != null) m.close();
    lock.close();
  }

  /** Runs a coordinator process: {@code --job DIR --size N [--supervised] [--timeout-ms T] [--bind HOST]}. */
  public static void main(String[] args) throws IOException {
    Path job = null;
    int size = -1;
    boolean sup = false;
    long timeout = 10_000;
    String bind = "127.0.0.1";
    long recovery = -1;
    boolean fallback = false;
    String launch = null;
    List<String> a = new ArrayList<>(List.of(args));
    for (int i = 0; i < a.size(); i++) {
      switch (a.get(i)) {
        case "--job" -> job = Path.of(a.get(++i));
        case "--size" -> size = Integer.parseInt(a.get(++i));
        case "--supervised" -> sup = true;
        case "--timeout-ms" -> timeout = Long.parseLong(a.get(++i));
        case "--bind" -> bind = a.get(++i);
        case "--recovery-timeout-ms" -> recovery = Long.parseLong(a.get(++i));
        case "--allow-fallback" -> fallback = true;
        case "--launch" -> launch = a.get(++i);
        default -> throw new IllegalArgumentException("coordinator: unknown argument " + a.get(i));
      }
    }
    if (job == null || size < 1) throw new IllegalArgumentException("coordinator: --job DIR and --size N are required");
    FaultHook faults = FaultHook.forCoordinator(job,
        Integer.parseInt(System.getenv().getOrDefault("CAIRN_INCARNATION", "0")));
    JobSecret secret;
    try {
      secret = JobSecret.forCoordinator(System.getenv(), job);
    } catch (IllegalArgumentException e) {
      log.error("coordinator: {}", e.getMessage());
      System.exit(2);
      return;
    }
    Coordinator coord;
    try {
      coord = new Coordinator(job, secret, size, sup, timeout, bind, faults);
    } catch (JobLock.LockedException e) {
      log.error("coordinator: {}", e.getMessage());
      System.exit(EXIT_LOCKED);
      return;
    }
    try (Coordinator c = coord) {
      if (recovery > 0) c.recoveryTimeout(recovery);
      if (fallback) c.allowFallback(true);
      if (launch != null) c.launch(launch);
      LauncherWatch.start(System.getenv(), "the coordinator", () -> {
        log.error(
            "the launcher is gone (killed?): this coordinator is an orphan and stops; relaunch the job to continue");
        Runtime.getRuntime().halt(LauncherWatch.EXIT_ORPHAN);
      });
      c.run();
    }
  }
}
