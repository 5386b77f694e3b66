package io.cairn.slurm;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real single-node Slurm for tests: starts {@code munged} (only when no munge daemon answers; then it is
 * also stopped at the end), {@code slurmctld} and {@code slurmd} from a generated {@code slurm.conf} under
 * {@code target/slurm-<n>/} (state, spool, logs, pid files; never {@code /etc/slurm}), found through
 * {@code SLURM_CONF}. One node with 8 CPUs declared (on 2 real cores, {@code config_overrides}), requeue allowed,
 * {@code cred_expire=5} so that a requeued job is eligible again after 6 s instead of 121 s, ephemeral ports so
 * that several clusters can run side by side, and a {@code topology/tree} with one switch ({@link #SWITCH}). Waits until the node is idle; at the end cancels every job and
 * stops the daemons by pid. Skips (printing why) only when the Slurm and munge programs are missing or the
 * tests do not run as root (slurmd must be root).
 */
public final class SlurmCluster implements BeforeAllCallback, AfterAllCallback {
  /** CPUs declared for the node: enough for 4-8 tasks. */
  public static final int CPUS = 8;
  /** The one switch of topology.conf ({@code topology/tree}): the node's failure domain above itself. */
  public static final String SWITCH = "s0";

  private Path base;
  private Path conf;
  private String node;
  private long ctldPid;
  private long slurmdPid;

  @Override
  public void beforeAll(ExtensionContext ctx) throws Exception { start(); }

  @Override
  public void afterAll(ExtensionContext ctx) throws Exception { stop(); }

  /** Why Slurm cannot run here, or null when it can. */
  static String unavailable() {
    for (String p : List.of("/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/sbin/munged", "/usr/bin/sbatch",
        "/usr/bin/srun"))
      if (!Files.isExecutable(Path.of(p)))
        return p + " is missing (Debian packages slurm-wlm and munge; scripts/install-deps.sh installs them)";
    if (!"root".equals(System.getProperty("user.name")))
      return "the tests run as '" + System.getProperty("user.name") + "'; slurmd must run as root";
    return null;
  }

  public synchronized void start() throws Exception {
    String why = unavailable();
    if (why != null) {
      System.err.println("SKIPPED: no real Slurm: " + why);
      Assumptions.abort("no real Slurm: " + why);
    }
    node = run(List.of("hostname", "-s"), Map.of(), Duration.ofSeconds(5)).out().trim();
    Path target = Path.of("target").toAbsolutePath();
    Files.createDirectories(target);
    base = Files.createTempDirectory(target, "slurm-");
    for (String d : List.of("state", "spool", "log")) Files.createDirectories(base.resolve(d));
    startMunge();
    int ctldPort;
    int slurmdPort;
    try (ServerSocket a = new ServerSocket(0); ServerSocket b = new ServerSocket(0)) {
      ctldPort = a.getLocalPort();
      slurmdPort = b.getLocalPort();
    }
    conf = base.resolve("slurm.conf");
    Files.writeString(conf, String.join("\n",
        "ClusterName=cairntest",
        "SlurmctldHost=" + node + "(127.0.0.1)",
        "SlurmUser=root",
        "SlurmdUser=root",
        "AuthType=auth/munge",
        "CredType=cred/munge",
        "AuthInfo=cred_expire=5", // a requeued job may start again cred_expire+1 s after the requeue
        "StateSaveLocation=" + base.resolve("state"),
        "SlurmdSpoolDir=" + base.resolve("spool"),
        "SlurmctldPidFile=" + base.resolve("slurmctld.pid"),
        "SlurmdPidFile=" + base.resolve("slurmd.pid"),
        "SlurmctldLogFile=" + base.resolve("log/slurmctld.log"),
        "SlurmdLogFile=" + base.resolve("log/slurmd.log"),
        "SlurmctldPort=" + ctldPort,
        "SlurmdPort=" + slurmdPort,
        "ProctrackType=proctrack/linuxproc",
        "TaskPlugin=task/none",
        "JobAcctGatherType=jobacct_gather/none",
        "AccountingStorageType=accounting_storage/none",
        "SchedulerType=sched/backfill",
        "SchedulerParameters=sched_interval=1,bf_interval=1",
        "SelectType=select/cons_tres",
        "SelectTypeParameters=CR_CPU",
        "SlurmdParameters=config_overrides",
        "ReturnToService=2",
        "JobRequeue=1",
        "MpiDefault=none",
        "MailProg=/bin/true",
        "KillWait=15", // SIGTERM .. SIGKILL: time for the checkpoint on preemption
        "MinJobAge=600",
        "TopologyPlugin=topology/tree", // tasks get SLURM_TOPOLOGY_ADDR=s0.<node>: Cairn's failure domains
        "NodeName=" + node + " NodeAddr=127.0.0.1 CPUs=" + CPUS + " RealMemory=8000 State=UNKNOWN",
        "PartitionName=debug Nodes=" + node + " Default=YES MaxTime=INFINITE State=UP",
        ""));
    Files.writeString(base.resolve("topology.conf"), "SwitchName=" + SWITCH + " Nodes=" + node + "\n");
    checkDaemon(run(List.of("/usr/sbin/slurmctld"), env(), Duration.ofSeconds(20)), "slurmctld");
    ctldPid = pid(base.resolve("slurmctld.pid"));
    checkDaemon(run(List.of("/usr/sbin/slurmd"), env(), Duration.ofSeconds(20)), "slurmd");
    slurmdPid = pid(base.resolve("slurmd.pid"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (run(List.of("sinfo", "-h", "-o", "%T"), env(), Duration.ofSeconds(10)).out().trim().equals("idle")) return;
      Thread.sleep(200);
    }
    String logs = logs();
    stop();
    throw new IllegalStateException("the Slurm node did not become idle within 30 s\n" + logs);
  }

  /** Clusters of this JVM that use munged (test classes may run side by side), and the munged they started, if any. */
  private static int mungeUsers;
  private static long mungePid;

  private static synchronized void startMunge() throws Exception {
    mungeUsers++;
    if (run(List.of("munge", "-n"), Map.of(), Duration.ofSeconds(5)).rc() == 0) return; // a munged already runs: use it
    Path dir = Path.of("/run/munge");
    Files.createDirectories(dir);
    check(run(List.of("chown", "munge:munge", dir.toString()), Map.of(), Duration.ofSeconds(5)), "chown /run/munge");
    Path key = Path.of("/etc/munge/munge.key");
    if (!Files.exists(key) || Files.size(key) == 0) {
      check(run(List.of("mungekey", "--create", "--keyfile=" + key), Map.of(), Duration.ofSeconds(10)), "mungekey");
      check(run(List.of("chown", "munge:munge", key.toString()), Map.of(), Duration.ofSeconds(5)), "chown munge.key");
      check(run(List.of("chmod", "600", key.toString()), Map.of(), Duration.ofSeconds(5)), "chmod munge.key");
    }
    Result r = run(List.of("runuser", "-u", "munge", "--", "/usr/sbin/munged"), Map.of(), Duration.ofSeconds(10));
    if (r.rc() != 0 && run(List.of("munge", "-n"), Map.of(), Duration.ofSeconds(5)).rc() == 0) return; // another process started one meanwhile
    check(r, "munged");
    mungePid = pid(dir.resolve("munged.pid"));
    for (int i = 0; i < 50 && run(List.of("munge", "-n"), Map.of(), Duration.ofSeconds(5)).rc() != 0; i++)
      Thread.sleep(100);
  }

  /** Stops munged when this JVM started it and its last cluster stops. */
  private static synchronized void stopMunge() throws InterruptedException {
    if (--mungeUsers > 0 || mungePid <= 0) return;
    kill(mungePid, "munged");
    mungePid = 0;
  }

  private static void check(Result r, String what) {
    if (r.rc() != 0) throw new IllegalStateException(what + " failed (rc " + r.rc() + "): " + r.err() + r.out());
  }

  /** Cancels every job, then stops slurmd, slurmctld and (if started here) munged by pid. */
  public synchronized void stop() throws Exception {
    if (base == null) return;
    if (ctldPid > 0) {
      run(List.of("scancel", "--user=root"), env(), Duration.ofSeconds(10));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() < deadline
          && !run(List.of("squeue", "-h", "-t", "R,CG,CF,S", "-o", "%i"), env(), Duration.ofSeconds(10)).out()
              .isBlank())
        Thread.sleep(200);
    }
    kill(slurmdPid, "slurmd");
    kill(ctldPid, "slurmctld");
    slurmdPid = ctldPid = 0;
    base = null;
    stopMunge();
  }

  private static void kill(long pid, String what) throws InterruptedException {
    if (pid <= 0) return;
    var h = ProcessHandle.of(pid);
    if (h.isEmpty()) return;
    h.get().destroy();
    for (int i = 0; i < 100 && h.get().isAlive(); i++) Thread.sleep(100);
    if (h.get().isAlive()) h.get().destroyForcibly();
    if (!h.get().onExit().thenApply(p -> true).completeOnTimeout(false, 5, TimeUnit.SECONDS).join())
      throw new IllegalStateException(what + " (pid " + pid + ") did not stop");
  }

  private static long pid(Path f) throws Exception {
    for (int i = 0; i < 100; i++) {
      if (Files.exists(f)) {
        String s = Files.readString(f).trim();
        if (!s.isEmpty()) return Long.parseLong(s);
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("no pid file " + f);
  }

  /** The environment for Slurm commands: this cluster's {@code SLURM_CONF}. */
  public Map<String, String> env() {
    return Map.of("SLURM_CONF", conf.toString());
  }

  public Path base() { return base; }

  public String node() { return node; }

  /** The tails of the daemons' logs (for failure messages). */
  public String logs() {
    StringBuilder b = new StringBuilder();
    for (String l : List.of("slurmctld.log", "slurmd.log")) {
      try {
        List<String> lines = Files.readAllLines(base.resolve("log").resolve(l));
        b.append("---- ").append(l).append('\n');
        for (String s : lines.subList(Math.max(0, lines.size() - 30), lines.size())) b.append(s).append('\n');
      } catch (IOException | NullPointerException e) {
        b.append("(").append(l).append(": ").append(e).append(")\n");
      }
    }
    return b.toString();
  }

  /** A finished command. */
  public record Result(int rc, String out, String err) {}

  /** Runs a command (a Slurm client with this cluster's configuration when {@code env} is {@link #env()}). */
  public static Result run(List<String> cmd, Map<String, String> env, Duration timeout)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(env);
    Path out = Files.createTempFile("slurm-cmd", ".out");
    Path err = Files.createTempFile("slurm-cmd", ".err");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    try {
      Process p = pb.start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly().waitFor();
        throw new IllegalStateException(String.join(" ", cmd) + " did not finish within " + timeout);
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /** Runs a Slurm client command against this cluster; throws with its output when it fails. */
  public String slurm(String... cmd) throws IOException, InterruptedException {
    Result r = run(List.of(cmd), env(), Duration.ofSeconds(30));
    if (r.rc() != 0)
      throw new IllegalStateException(String.join(" ", cmd) + " failed (rc " + r.rc() + "): " + r.err() + r.out());
    return r.out();
  }

  private void checkDaemon(Result r, String what) {
    if (r.rc() != 0)
      throw new IllegalStateException(
          what + " failed (rc " + r.rc() + "): " + r.err() + r.out() + (base != null ? "\n" + logs() : ""));
  }

  /** Submits a batch script; returns the job id. */
  public String sbatch(Path script) throws IOException, InterruptedException {
    return sbatch(script, Map.of());
  }

  /** Submits a batch script with extra environment variables (sbatch passes the environment on to the job). */
  public String sbatch(Path script, Map<String, String> extra) throws IOException, InterruptedException {
    Map<String, String> e = new HashMap<>(env());
    e.putAll(extra);
    Result r = run(List.of("sbatch", "--parsable", script.toString()), e, Duration.ofSeconds(30));
    if (r.rc() != 0)
      throw new IllegalStateException("sbatch " + script + " failed (rc " + r.rc() + "): " + r.err() + r.out());
    return r.out().trim().split(";")[0];
  }

  /** {@code scontrol show job} as key/value pairs (JobState, Restarts, ExitCode, ...). */
  public Map<String, String> job(String id) throws IOException, InterruptedException {
    Result r = run(List.of("scontrol", "show", "job", "-o", id), env(), Duration.ofSeconds(10));
    Map<String, String> m = new LinkedHashMap<>();
    for (String t : r.out().trim().split("\\s+")) {
      int eq = t.indexOf('=');
      if (eq > 0) m.putIfAbsent(t.substring(0, eq), t.substring(eq + 1));
    }
    return m;
  }

  /** Waits until the job's fields satisfy {@code until}; fails with the job, its output and the logs on timeout. */
  public Map<String, String> await(String id, Predicate<Map<String, String>> until, Duration timeout, Path output)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<String, String> j = Map.of();
    while (System.nanoTime() < deadline) {
      j = job(id);
      if (until.test(j)) return j;
      Thread.sleep(250);
    }
    String o = output != null && Files.exists(output) ? Files.readString(output) : "(no output)";
    throw new AssertionError("job " + id + " did not reach the expected state within " + timeout + ": " + j
        + "\n---- output\n" + o + "\n" + logs());
  }

}
