package io.cairn.cluster.internal.mpi;

import io.cairn.cluster.internal.Coordinator;
import io.cairn.cluster.internal.GlobalManifest;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Restart-all under {@code mpirun} ({@code cairn mpirun}): runs a rank program as {@code mpirun -np N java ...}
 * and, when the job fails (a rank was killed: mpirun then ends every rank), starts it again; the new ranks
 * restore the newest committed global version of the job directory. Like SCR's {@code scr_srun} loop, inside
 * one allocation. It stops when the job ends well, after {@code maxRestarts} relaunches, when the coordinator
 * aborted the job ({@code <job>/aborted}: nothing restores, a relaunch would not help), or when three runs in
 * a row committed no new global version (a deterministic failure, not a lost process).
 *
 * <p>The command: {@code mpirun [--allow-run-as-root when root] [--oversubscribe] -np N -x CAIRN_JOB_DIR=<abs>
 * -x CAIRN_TRANSPORT=mpi -x K=V... <java> --enable-native-access=ALL-UNNAMED -cp <cp> <jvm options> <main> <args>}.
 * Its output goes to {@code <job>/logs/mpirun.log} (appended, one header line per attempt), or to this process's.
 */
public final class MpiRun {
  private final int ranks;
  private final Path jobDir;
  private final List<String> command;
  private final List<String> jvmOptions;
  private final Map<String, String> env;
  private final List<String> mpirunOptions;
  private final int maxRestarts;
  private final boolean oversubscribe;
  private final String java;
  private final String classPath;
  private final Duration attemptTimeout;
  private final boolean inheritIO;
  private volatile Process current;

  /** What the loop ended with. */
  public record Result(int exitCode, int attempts, String why) {
    public boolean ok() { return exitCode == 0; }
  }

  private MpiRun(Builder b) {
    this.ranks = b.ranks;
    this.jobDir = b.jobDir.toAbsolutePath();
    this.command = List.copyOf(b.command);
    this.jvmOptions = List.copyOf(b.jvmOptions);
    this.env = Map.copyOf(b.env);
    this.mpirunOptions = List.copyOf(b.mpirunOptions);
    this.maxRestarts = b.maxRestarts;
    this.oversubscribe = b.oversubscribe;
    this.java = b.java != null ? b.java : ProcessHandle.current().info().command().orElse("java");
    this.classPath = b.classPath != null ? b.classPath : System.getProperty("java.class.path");
    this.attemptTimeout = b.attemptTimeout;
    this.inheritIO = b.inheritIO;
  }

  public static Builder builder() { return new Builder(); }

  /** Where mpirun is, or empty (with the directories of PATH searched). */
  public static Optional<Path> mpirun() {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String d : path.split(File.pathSeparator)) {
      Path p = Path.of(d.isEmpty() ? "." : d, "mpirun");
      if (Files.isExecutable(p)) return Optional.of(p);
    }
    return Optional.empty();
  }

  /** Why a test or command cannot run a real mpirun here, or null when it can (mpirun on PATH, libmpi loads). */
  public static String unavailable() {
    if (mpirun().isEmpty()) return "mpirun is not on PATH (install openmpi-bin)";
    return Mpi.unavailableReason();
  }

  static boolean root() {
    try {
      return "0".equals(new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes()).trim());
    } catch (IOException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  /** The mpirun command line of one attempt. */
  public List<String> commandLine() {
    List<String> c = new ArrayList<>();
    c.add(mpirun().map(Path::toString).orElse("mpirun"));
    if (root()) c.add("--allow-run-as-root");
    if (oversubscribe) c.add("--oversubscribe");
    c.addAll(mpirunOptions);
    c.addAll(List.of("-np", Integer.toString(ranks)));
    Map<String, String> x = new LinkedHashMap<>();
    x.put("CAIRN_JOB_DIR", jobDir.toString());
    x.put("CAIRN_TRANSPORT", "mpi");
    x.putAll(env);
    for (Map.Entry<String, String> e : x.entrySet()) c.addAll(List.of("-x", e.getKey() + "=" + e.getValue()));
    c.add(java);
    c.add("--enable-native-access=ALL-UNNAMED");
    c.addAll(List.of("-cp", classPath));
    c.addAll(jvmOptions);
    c.addAll(command);
    return c;
  }

  /** The mpirun of the attempt that runs now (null between attempts): tests kill its ranks. */
  public Process current() {
    return current;
  }

  /** The rank JVMs of the running attempt (descendants of mpirun running java). */
  public List<ProcessHandle> rankProcesses() {
    Process p = current;
    if (p == null) return List.of();
    return p.descendants().filter(h -> h.info().command().map(s -> s.endsWith("java")).orElse(false)).toList();
  }

  private long newestGlobal() {
    List<GlobalManifest.Entry> all = GlobalManifest.read(jobDir);
    return all.isEmpty() ? 0 : all.get(all.size() - 1).global();
  }

  /** Runs the loop; {@code onStart} sees each attempt's number (0 first) once its mpirun started. */
  public Result run(Consumer<Integer> onStart) throws IOException, InterruptedException {
    Files.createDirectories(jobDir.resolve("logs"));
    Path log = jobDir.resolve("logs/mpirun.log");
    int stalled = 0;
    int attempt = 0;
    while (true) {
      long before = newestGlobal();
      note(log, "==== cairn mpirun: attempt " + (attempt + 1) + ": " + String.join(" ", commandLine()));
      ProcessBuilder pb = new ProcessBuilder(commandLine());
      if (inheritIO) pb.inheritIO();
      else
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      Process p = pb.start();
      current = p;
      int rc;
      try {
        if (onStart != null) onStart.accept(attempt);
        if (attemptTimeout == null) rc = p.waitFor();
        else if (p.waitFor(attemptTimeout.toMillis(), TimeUnit.MILLISECONDS)) rc = p.exitValue();
        else {
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly().waitFor();
          return new Result(124, attempt + 1, "attempt " + (attempt + 1) + " ran longer than " + attemptTimeout);
        }
      } finally {
        if (p.isAlive()) {
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly();
        }
        current = null;
      }
      attempt++;
      if (rc == 0) return new Result(0, attempt, "finished");
      Path aborted = jobDir.resolve(Coordinator.ABORTED);
      if (Files.exists(aborted))
        return new Result(rc, attempt, "the coordinator aborted the job: " + Files.readString(aborted).trim());
      stalled = newestGlobal() > before ? 0 : stalled + 1;
      if (stalled >= 3)
        return new Result(rc, attempt,
            "three runs in a row committed no new global checkpoint (exit " + rc + "); see " + log);
      if (attempt > maxRestarts)
        return new Result(rc, attempt,
            "gave up after " + maxRestarts + " relaunches (last exit " + rc + "); see " + log);
      note(log, "==== cairn mpirun: the job failed (mpirun exit " + rc
          + "); relaunching: the ranks restore global version " + newestGlobal());
    }
  }

  private void note(Path log, String line) throws IOException {
    if (inheritIO) System.err.println(line);
    else
      Files.writeString(log, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  public static final class Builder {
    private int ranks = 2;
    private Path jobDir;
    private List<String> command = List.of();
    private final List<String> jvmOptions = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<String> mpirunOptions = new ArrayList<>();
    private int maxRestarts = 5;
    private boolean oversubscribe = true;
    private String java;
    private String classPath;
    private Duration attemptTimeout;
    private boolean inheritIO;

    /** mpirun's output to this process's (else to {@code <job>/logs/mpirun.log}). */
    public Builder inheritIO(boolean b) {
      inheritIO = b;
      return this;
    }
    public Builder ranks(int n) {
      if (n < 1) throw new IllegalArgumentException("ranks must be >= 1, got " + n);
      ranks = n;
      return this;
    }
    public Builder jobDir(Path d) { jobDir = d; return this; }
    /** The rank program: main class and its arguments. */
    public Builder command(List<String> c) {
      command = List.copyOf(c);
      return this;
    }
    public Builder jvmOption(String o) { jvmOptions.add(o); return this; }
    /** A variable for every rank ({@code -x K=V}). */
    public Builder env(String k, String v) {
      env.put(k, v);
      return this;
    }
    public Builder mpirunOption(String o) { mpirunOptions.add(o); return this; }
    public Builder maxRestarts(int n) { maxRestarts = n; return this; }
    /** {@code --oversubscribe} (more ranks than cores; default on). */
    public Builder oversubscribe(boolean b) {
      oversubscribe = b;
      return this;
    }
    public Builder java(String path) { java = path; return this; }
    public Builder classPath(String cp) { classPath = cp; return this; }
    /** Kill an attempt that runs longer (tests). */
    public Builder attemptTimeout(Duration d) {
      attemptTimeout = d;
      return this;
    }

    public MpiRun build() {
      if (jobDir == null)
        throw new IllegalArgumentException("a job directory is needed (the relaunched ranks restore from it)");
      if (command.isEmpty()) throw new IllegalArgumentException("no rank program given");
      return new MpiRun(this);
    }
  }
}
