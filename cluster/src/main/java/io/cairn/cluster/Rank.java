package io.cairn.cluster;

import org.slf4j.LoggerFactory;
import org.slf4j.Logger;
import io.cairn.CairnException;
import io.cairn.cluster.internal.Coordinator;
import io.cairn.cluster.internal.FaultHook;
import io.cairn.cluster.internal.JobEnv;
import io.cairn.cluster.internal.JobSecret;
import io.cairn.cluster.internal.mpi.MpiWire;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * This process's place in a parallel job: its rank, the communicator and the checkpointer, and the
 * resilient run loop.
 *
 * <pre>{@code
 * try (Rank rank = Rank.join()) {                 // reads CAIRN_RANK/SLURM_PROCID/OMPI_COMM_WORLD_RANK/PMI_RANK
 *   Comm comm = rank.comm();
 *   ParallelCheckpointer ck = rank.checkpointer();
 *   double[] u = ...; long[] step = {0};
 *   ck.protect("u", u).protect("step", step);
 *   rank.run(() -> {                              // after a failure: rolled back, then run again
 *     while (step[0] < steps) { ... comm.send(...); ... step[0]++; if (step[0] % 10 == 0) ck.checkpoint(step[0]); }
 *   });
 * }
 * }</pre>
 *
 * <p>{@link #run} restores the newest committed global version (if any) before running the body. When a
 * rank fails, the coordinator orders every rank to roll back: the failed one is respawned by the launcher
 * and restores; the survivors get a {@link RollbackException} from their next communicator call, restore
 * in place, and run the body again. The body must therefore start from the protected state (read the
 * step counter from it), not from local variables.
 */
public final class Rank implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Rank.class);
  /** Exit code of a rank that cannot roll back in place and asks the launcher for a fresh process. */
  public static final int EXIT_RESPAWN = 86;

  private final JobEnv env;
  private final Endpoint ep;
  private final CoordClient coord;
  private final Comm comm;
  private final Coordinator embedded;
  private ParallelCheckpointer checkpointer;
  private boolean bodyStarted;

  private Rank(JobEnv given) throws IOException {
    JobEnv env = given;
    // the transport: MPI is initialized first (it checks MPI's rank and size against the environment's)
    MpiWire mpi = env.transport().equals("mpi")
        ? MpiWire.open(env.rank(), env.size(), env.millis("CAIRN_MPI_POLL_US", 200))
        : null;
    Coordinator c = null;
    boolean hosted = env.rankZeroHostsCoordinator();
    if (hosted && env.rank() == 0) {
      // under srun/mpirun: rank 0 hosts the coordinator and publishes its address in the job directory
      java.nio.file.Files.deleteIfExists(env.jobDir().resolve("coordinator.addr"));
      java.nio.file.Files.deleteIfExists(env.jobDir().resolve("finished"));
      java.nio.file.Files.deleteIfExists(env.jobDir().resolve(Coordinator.ABORTED));
      // the job secret: CAIRN_JOB_SECRET if the user gave one to every rank, else a fresh one in <job>/job.secret (0600),
      // written before coordinator.addr, so a rank that sees the new address finds the new secret
      c = new Coordinator(env.jobDir(), JobSecret.forCoordinator(env.env(), env.jobDir()), env.size(), false,
          env.millis(JobEnv.FAIL_TIMEOUT_MS),
          env.bindHost(), FaultHook.forCoordinator(env.jobDir(), env.incarnation()));
      Thread.ofPlatform().daemon(true).name("cairn-coordinator").start(c);
    }
    if (hosted && mpi != null) {
      // over MPI rank 0 hands its coordinator's address to every rank directly: no wait for the file, and no
      // stale coordinator.addr of an earlier launch of the same job directory can be read
      String addr = mpi
          .broadcast(c == null ? "" : java.nio.file.Files.readString(env.jobDir().resolve("coordinator.addr")).trim());
      env = env.withCoordinator(addr);
    }
    this.env = env;
    // with TLS (cairn launch --tls) the data port is a TLS one from the start, so the secret must be known now: the
    // launcher wrote it before starting any rank
    JobSecret known = io.cairn.cluster.internal.JobTls.enabled(env.env())
        ? JobSecret.forRank(env.env(), env.jobDir())
        : null;
    this.ep = new Endpoint(env.rank(), env.size(), env.bindHost(), env.millis(JobEnv.PEER_TIMEOUT_MS), known, mpi);
    this.embedded = c;
    io.cairn.cluster.internal.LauncherWatch.start(env.env(), "rank " + env.rank(),
        () -> Runtime.getRuntime().halt(io.cairn.cluster.internal.LauncherWatch.EXIT_ORPHAN)); // an orphan stops: a relaunch restarts the job
    Protocol p = Protocol.parse(env.get("CAIRN_PROTOCOL", "blocking"));
    if (p == Protocol.LOGGING || p == Protocol.HIERARCHICAL) {
      String groups = env.get("CAIRN_GROUPS", "");
      String mode = p == Protocol.LOGGING
          ? "logging"
          : "hierarchical " + (groups.isBlank()
              ? "node-" + env.node().replaceAll("[^A-Za-z0-9._-]", "_")
              : "g" + MessageLog.groups(groups, null, env.size())[env.rank()]);
      ep.enableLogging(new MessageLog(env.rank(), env.size(), env.jobDir(), env.millis(JobEnv.MESSAGE_LOG_LIMIT), mode),
          env.incarnation());
    }
    this.coord = new CoordClient(env, ep);
    this.comm = new Comm(ep, env.node());
  }

  /** Joins the job this process was started in (identity from the environment). */
  public static Rank join() {
    return join(System.getenv());
  }

  /** Joins with an explicit environment (tests run ranks as threads this way). */
  public static Rank join(Map<String, String> environment) {
    try {
      Rank r = new Rank(JobEnv.detect(environment));
      r.coord.start();
      return r;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot join the parallel job: " + e.getMessage(), e);
    }
  }

  public int rank() { return env.rank(); }
  public int size() { return env.size(); }
  /** The node (failure domain) this rank runs on. */
  public String node() { return env.node(); }
  public Path jobDir() { return env.jobDir(); }
  /** This rank's failure domains: {@code node} plus those the job gives its node (e.g. rack, switch, power; see {@link Comm#domains()}). */
  public Map<String, String> domains() {
    return env.domains();
  }
  /** 0 for the first process of this rank, 1.. after respawns. */
  public int incarnation() { return env.incarnation(); }
  public Comm comm() { return comm; }
  /** The communicator's transport: {@code tcp} (Cairn's own connections) or {@code mpi} ({@code CAIRN_TRANSPORT}; default mpi under mpirun and srun --mpi=pmix). */
  public String transport() {
    return ep.transport();
  }

  /**
   * Authenticated connections to other processes of this job for services beside the communicator (the job's
   * secret, and TLS when the job uses it; see {@link JobConnections}).
   */
  public JobConnections connections() {
    JobSecret s = ep.secret();
    if (s == null) {
      try {
        s = JobSecret.forRank(env.env(), env.jobDir());
      } catch (IOException e) {
        throw new UncheckedIOException("rank " + rank() + ": no job secret: " + e.getMessage(), e);
      }
    }
    return new JobConnections(s);
  }

  /** This rank's checkpointer (created on first use; protocol from {@code CAIRN_PROTOCOL}, default blocking). */
  public ParallelCheckpointer checkpointer() {
    if (checkpointer == null)
      checkpointer = new ParallelCheckpointer(env, ep, coord, Protocol.parse(env.get("CAIRN_PROTOCOL", "blocking")),
          FaultHook.forRank(env.jobDir(), env.rank(), env.incarnation()));
    return checkpointer;
  }

  /**
   * Runs the body resiliently: restores the newest committed global version, runs the body, and when the
   * job must roll back (a rank or the coordinator failed) restores again and re-runs it. Returns once every
   * rank finished its body.
   */
  public void run(Runnable body) {
    while (true) {
      long e;
      long g;
      long next;
      ep.lock.lock();
      try {
        while (ep.rollbackEpoch <= ep.handledEpoch && !ep.finished) {
          if (ep.aborted != null) throw new CairnException("job aborted: " + ep.aborted);
          ep.await();
        }
        if (ep.finished) return;
        e = ep.rollbackEpoch;
        g = ep.rollbackGlobal;
        next = ep.rollbackNext;
        ep.handledEpoch = e;
      } finally {
        ep.lock.unlock();
      }
      try {
        // the initial state is only a fresh process's (independent: the line may put this rank there; logging and hierarchical
        // restore their own state, LoggingProtocol.restore)
        String fresh = checkpointer != null
            ? checkpointer.freshStartNeeded(g)
            : g == 0 ? CoordinatedProtocol.NO_GLOBAL : null;
        if (bodyStarted && fresh != null) {
          LOG.warn("rank {}: {}; exiting for a fresh start", rank(), fresh);
          Runtime.getRuntime().halt(EXIT_RESPAWN);
        }
        if (checkpointer != null) checkpointer.restoreGlobal(e, g, next);
        else
          ep.prefill(e, null);
      } catch (RollbackException ex) {
        continue;
      } catch (RuntimeException ex) {
        LOG.error("rank {}: cannot restore global version {}: {}", rank(), g, ex.getMessage());
        String hint = "";
        if (checkpointer != null && !checkpointer.perRank()) {
          try {
            hint = "[newest-restorable " + checkpointer.newestRestorableBefore(g) + "] "; // so the coordinator tries only globals still there
          } catch (RuntimeException ignored) {
            // no hint: the coordinator tries the next older one
          }
        }
        long tried = checkpointer != null ? checkpointer.restoreTarget(g) : g; // independent: the rank's own version
        coord.send(
            "RESTORE_FAILED " + e + " " + tried + " " + hint + String.valueOf(ex.getMessage()).replace('\n', ' '));
        continue;
      }
      coord.send("RESTORED " + e + (checkpointer != null ? " " + checkpointer.restoredPart() : ""));
      try {
        awaitGo(e);
        if (ep.messageLog() != null) {
          if (checkpointer != null) checkpointer.started();
          ep.loggingStart(); // the peers resend what they logged for this rank since its restored state
        }
        if (g == 0 && checkpointer != null && !checkpointer.perRank()) {
          long first = checkpointer.checkpoint(-1); // the initial global version: a rollback never needs a fresh process
          checkpointer.awaitCommitted(first);
        }
        bodyStarted = true;
        body.run();
        if (checkpointer != null) checkpointer.awaitStartedGlobals(); // no lost last globals (Chandy-Lamport commits in the background)
        if (ep.messageLog() != null) ep.messageLog().flushDeterminants(); // what the body wrote may depend on its last receives
        coord.send("DONE " + e);
        ep.lock.lock();
        try {
          while (!ep.finished) {
            ep.checkInterrupt();
            ep.await();
          }
        } finally {
          ep.lock.unlock();
        }
        return;
      } catch (RollbackException ex) {
        LOG.warn("rank {}: {}", rank(), ex.getMessage());
      }
    }
  }

  private void awaitGo(long e) {
    ep.lock.lock();
    try {
      while (ep.goEpoch != e) {
        ep.checkInterrupt();
        ep.await();
      }
      ep.epoch = e;
    } finally {
      ep.lock.unlock();
    }
  }

  @Override
  public void close() {
    if (checkpointer != null) checkpointer.close();
    coord.close();
    ep.close();
    if (embedded != null) {
      // the coordinator stops on its own once every rank is gone; give it a moment
      try {
        Thread.sleep(100);
      } catch (InterruptedException ignored) {
        Thread.currentThread().interrupt();
      }
      embedded.close();
    }
  }
}
