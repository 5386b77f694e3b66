package io.cairn.cluster;

import io.cairn.CairnException;
import io.cairn.Checkpointable;
import io.cairn.Checkpointer;
import io.cairn.Metadata;
import io.cairn.StateReader;
import io.cairn.StateWriter;
import io.cairn.Version;
import io.cairn.cluster.internal.JobEnv;
import java.util.Optional;
import java.util.function.LongFunction;

/**
 * {@link Protocol#LOGGING}: uncoordinated checkpoints with pessimistic sender-based message logging (the channel side
 * is in {@link Endpoint} and {@link MessageLog}). A checkpoint is this rank's own core version, taken at its
 * {@code checkpoint} calls without talking to anybody (every {@code CAIRN_LOG_CHECKPOINT_EVERY}-th call, staggered by
 * rank, or at the next call after a sender asked because its log hit the bound); it holds the rank's regions plus
 * the logging state (sequence numbers, inbox, the payloads it logged). Once durable, the rank tells each sender what
 * it covers, and the senders drop those payloads. A restore takes the rank's own newest version and the determinants
 * recorded after it; the peers resend what they logged for it.
 */
final class LoggingProtocol implements RankProtocol {
  static final String REGION = "cairn.logging";
  private static final System.Logger log = System.getLogger("io.cairn.cluster");

  private final JobEnv env;
  private final Endpoint ep;
  private final Checkpointer core;
  private final LongFunction<Metadata> meta;
  private final long every;
  private final State region = new State();
  private long calls;
  private long last;
  private boolean started;

  /** The logging state as a region of the rank's checkpoint. */
  static final class State implements Checkpointable {
    byte[] save;
    byte[] loaded;

    @Override public void save(StateWriter out) { out.writeBytes(save); }

    @Override public void load(StateReader in) throws java.io.IOException { loaded = in.readBytes(); }
  }

  LoggingProtocol(JobEnv env, Endpoint ep, Checkpointer core, LongFunction<Metadata> meta) {
    if (ep.messageLog() == null) throw new IllegalStateException("the endpoint does not log messages");
    this.env = env;
    this.ep = ep;
    this.core = core;
    this.meta = meta;
    this.every = env.millis("CAIRN_LOG_CHECKPOINT_EVERY", 1);
    if (every < 1) throw new IllegalArgumentException("CAIRN_LOG_CHECKPOINT_EVERY must be >= 1, got " + every);
    core.protect(REGION, region);
  }

  @Override public long checkpoint(long step) {
    calls++;
    boolean due = every == 1 || Math.floorMod(calls + env.rank(), every) == 0 || ep.checkpointRequested();
    if (!due) return last;
    Endpoint.LoggingCapture c = ep.captureLogging();
    region.save = c.state();
    Version v = core.checkpoint(meta.apply(step).label("rank " + env.rank() + " step " + step)
        .put("cairn.sent-bytes", Long.toString(c.sentBytes())).put("cairn.logged-bytes", Long.toString(c.loggedBytes()))
        .put("cairn.determinants", Long.toString(c.detIndex()))).await();
    region.save = null;
    ep.loggingCheckpointed(c); // durable: the senders may drop what it covers
    last = v.number();
    return last;
  }

  @Override public long restore(long epoch) {
    region.loaded = null;
    Optional<Version> v = core.restoreLatest();
    if (v.isEmpty()) {
      if (started) {
        // the regions hold the state of a run that cannot be undone in place: a fresh process starts from the initial state
        System.err.println("rank " + env.rank() + ": no checkpoint of its own to restore in place; exiting for a fresh start");
        Runtime.getRuntime().halt(Rank.EXIT_RESPAWN);
      }
      ep.prefillLogging(epoch, null);
      last = 0;
      return 0;
    }
    if (region.loaded == null)
      throw new CairnException("rank " + env.rank() + ": its version " + v.get().number() + " holds no message-logging state (taken with protocol "
          + v.get().metadata().getOrDefault("cairn.protocol", "?") + "; a job keeps its protocol)");
    ep.prefillLogging(epoch, region.loaded);
    region.loaded = null;
    last = v.get().number();
    log.log(System.Logger.Level.INFO, "rank " + env.rank() + ": restored its own checkpoint (version " + last + ", step " + v.get().step() + ")");
    System.err.println("rank " + env.rank() + " (incarnation " + env.incarnation() + "): restored its own checkpoint, version " + last);
    return last;
  }

  @Override public void started() {
    started = true;
  }
}
