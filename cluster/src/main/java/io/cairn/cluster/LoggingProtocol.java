package io.cairn.cluster;

import io.cairn.CairnException;
import io.cairn.Checkpointable;
import io.cairn.Checkpointer;
import io.cairn.Metadata;
import io.cairn.StateReader;
import io.cairn.StateWriter;
import io.cairn.Version;
import io.cairn.cluster.internal.JobEnv;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Protocol#LOGGING}: uncoordinated checkpoints with pessimistic sender-based message logging (the channel side
 * is in {@link Endpoint} and {@link MessageLog}). A checkpoint is this rank's own core version, taken at its
 * {@code checkpoint} calls without talking to anybody (every {@code CAIRN_LOGGING_EVERY}-th call, staggered by
 * rank, or at the next call after a sender asked because its log hit the bound); it holds the rank's regions plus
 * the logging state (sequence numbers, inbox, the payloads it logged). Once durable, the rank tells each sender what
 * it covers, and the senders drop those payloads. A restore takes the rank's own newest version and the determinants
 * recorded after it; the peers resend what they logged for it.
 *
 * <p>{@link Protocol#HIERARCHICAL} uses the same machinery with groups (one per node, or {@code CAIRN_GROUPS}):
 * messages inside a group are not logged; every {@code checkpoint} call (every {@code CAIRN_LOGGING_EVERY}-th) is a
 * round of a group checkpoint: each member tells its group peers how many messages it sent each of them and waits
 * until it received as many from each (the group's channels are quiesced), writes its part, tells the group, and
 * once every member's part is durable records the round as committed ({@code <job>/logging/group-<key>/r<rank>}).
 * A failure rolls the whole group back to its newest committed round; the other groups keep their state.
 */
final class LoggingProtocol implements RankProtocol {
  static final String REGION = "cairn.logging";
  private static final Logger log = LoggerFactory.getLogger(LoggingProtocol.class);

  private final ParallelCheckpointer pc;
  private final JobEnv env;
  private final Endpoint ep;
  private Checkpointer core;
  private final LongFunction<Metadata> meta;
  private final long every;
  private final State region = new State();
  private long calls;
  private long last;
  private boolean started;
  private final boolean hierarchical;
  /** Hierarchical: this group's newest checkpoint round, and the peers of this rank's group. */
  private long round;
  private int[] peers;

  /** The logging state as a region of the rank's checkpoint. */
  static final class State implements Checkpointable {
    byte[] save;
    byte[] loaded;

    @Override
    public void save(StateWriter out) { out.writeBytes(save); }

    @Override
    public void load(StateReader in) throws java.io.IOException { loaded = in.readBytes(); }
  }

  LoggingProtocol(ParallelCheckpointer pc) {
    if (pc.ep.messageLog() == null) throw new IllegalStateException("the endpoint does not log messages");
    this.pc = pc;
    this.env = pc.env;
    this.ep = pc.ep;
    this.meta = step -> pc.partMeta(0, 0, step);
    this.every = env.millis(JobEnv.LOGGING_EVERY);
    this.hierarchical = ep.messageLog().hierarchical();
  }

  @Override
  public void opened() {
    this.core = pc.core;
    pc.protectInternal(REGION, region);
  }

  @Override
  public boolean perRank() { return true; }

  /** Never: {@link #restore} takes the rank's own state, and exits for a fresh start itself when there is none. */
  @Override
  public String freshStartNeeded(long global) { return null; }

  private Path committedDir() {
    return env.jobDir().resolve("logging")
        .resolve("group-" + ep.messageLog().mode().substring("hierarchical ".length()));
  }

  /** The newest round of this group that every member wrote (what any member recorded as committed); 0: none. */
  private long committedRound() {
    long k = 0;
    Path d = committedDir();
    if (!Files.isDirectory(d)) return 0;
    try (var s = Files.list(d)) {
      for (Path p : s.toList()) {
        try {
          k = Math.max(k, Long.parseLong(Files.readString(p).trim()));
        } catch (NumberFormatException | IOException ignored) {
          // a temporary file of an atomic write, or damaged: the other members' files say it too
        }
      }
    } catch (IOException e) {
      throw new CairnException("cannot read the committed group checkpoints in " + d + ": " + e.getMessage(), e);
    }
    return k;
  }

  @Override
  public long checkpoint(long step) {
    pc.epochNow(); // throws when the job is rolling back or aborted
    calls++;
    if (hierarchical) return groupCheckpoint(step);
    boolean due = every == 1 || Math.floorMod(calls + env.rank(), every) == 0 || ep.checkpointRequested();
    if (!due) return last;
    Endpoint.LoggingCapture c = ep.captureLogging();
    region.save = c.state();
    Version v = core.checkpoint(meta.apply(step).label("rank " + env.rank() + " step " + step)
        .put("cairn.sent-bytes", Long.toString(c.sentBytes())).put("cairn.logged-bytes", Long.toString(c.loggedBytes()))
        .put("cairn.determinants", Long.toString(c.detIndex()))
        .put("cairn.log-held-bytes", Long.toString(c.heldBytes()))
        .put("cairn.determinant-syncs", Long.toString(c.syncs()))).await();
    region.save = null;
    ep.loggingCheckpointed(c); // durable: the senders may drop what it covers
    last = v.number();
    return last;
  }

  private long groupCheckpoint(long step) {
    if (calls % every != 0) return last; // the same decision on every member of the group
    long k = round + 1;
    ep.groupMark(k, peers);
    Endpoint.LoggingCapture c = ep.captureLogging();
    region.save = c.state();
    Version v = core.checkpoint(meta.apply(step).label("rank " + env.rank() + " group round " + k)
        .put("cairn.sent-bytes", Long.toString(c.sentBytes())).put("cairn.logged-bytes", Long.toString(c.loggedBytes()))
        .put("cairn.determinants", Long.toString(c.detIndex()))
        .put("cairn.log-held-bytes", Long.toString(c.heldBytes()))
        .put("cairn.determinant-syncs", Long.toString(c.syncs())).put("cairn.group-round", Long.toString(k))
        .put("cairn.calls", Long.toString(calls))).await();
    region.save = null;
    ep.groupWritten(k, peers);
    try {
      io.cairn.cluster.internal.GlobalManifest.writeAtomically(committedDir().resolve("r" + env.rank()), k + "\n");
    } catch (IOException e) {
      throw new CairnException("rank " + env.rank() + ": cannot record group checkpoint round " + k + " in "
          + committedDir() + ": " + e.getMessage(), e);
    }
    round = k;
    ep.loggingCheckpointed(c); // committed for the group: the senders outside it may drop what it covers
    last = v.number();
    return last;
  }

  /** Restores the rank's own newest checkpoint (hierarchical: its group's newest committed round), or the initial state; {@code global} is not used. */
  @Override
  public RankProtocol.Restored restore(long epoch, long global) {
    region.loaded = null;
    Optional<Version> v;
    if (hierarchical) {
      long k = committedRound();
      round = k;
      calls = 0;
      v = Optional.empty();
      if (k > 0) {
        Version mine = core.versions().stream()
            .filter(x -> Long.toString(k).equals(x.metadata().get("cairn.group-round"))).findFirst()
            .orElseThrow(() -> new CairnException(
                "rank " + env.rank() + ": its part of group checkpoint round " + k + " is gone (pruned or lost)"));
        calls = Long.parseLong(mine.metadata().getOrDefault("cairn.calls", "0"));
        v = Optional.of(core.restore(mine.number()));
      }
    } else {
      v = core.restoreLatest();
    }
    if (v.isEmpty()) {
      if (started) {
        // the regions hold the state of a run that cannot be undone in place: a fresh process starts from the initial state
        log.warn("rank {}: no checkpoint of its own to restore in place; exiting for a fresh start", env.rank());
        Runtime.getRuntime().halt(Rank.EXIT_RESPAWN);
      }
      ep.prefillLogging(epoch, null);
      last = 0;
      return RankProtocol.Restored.INITIAL;
    }
    if (region.loaded == null)
      throw new CairnException("rank " + env.rank() + ": its version " + v.get().number()
          + " holds no message-logging state (taken with protocol "
          + v.get().metadata().getOrDefault("cairn.protocol", "?") + "; a job keeps its protocol)");
    ep.prefillLogging(epoch, region.loaded);
    region.loaded = null;
    last = v.get().number();
    log.info("rank {} (incarnation {}): restored its own checkpoint, version {} (step {})", env.rank(),
        env.incarnation(), last, v.get().step());
    return new RankProtocol.Restored(last, last, Math.max(0, v.get().step()));
  }

  @Override
  public void started() {
    started = true;
    if (hierarchical) {
      int[] g = MessageLog.groups(env.get("CAIRN_GROUPS", ""), ep.nodes(), env.size());
      List<Integer> p = new ArrayList<>();
      for (int r = 0; r < env.size(); r++) if (r != env.rank() && g[r] == g[env.rank()]) p.add(r);
      peers = p.stream().mapToInt(Integer::intValue).toArray();
      ep.groups(g);
    }
  }
}
