package io.cairn.cluster;

import io.cairn.CairnException;
import io.cairn.Version;
import io.cairn.cluster.internal.Dependencies;
import io.cairn.cluster.internal.JobEnv;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Protocol#INDEPENDENT}: each rank checkpoints alone (its own core version, with its channel counters) and keeps a
 * dependency record of its checkpoints on disk ({@code internal.Dependencies}); after a failure the coordinator computes
 * the recovery line from the records and each rank restores its checkpoint on it.
 */
final class IndependentProtocol implements RankProtocol {
  private static final Logger log = LoggerFactory.getLogger(IndependentProtocol.class);

  private final ParallelCheckpointer pc;
  /** This rank's dependency record: its checkpoints still on disk with their message counts. */
  private List<Dependencies.Checkpoint> deps = new ArrayList<>();

  IndependentProtocol(ParallelCheckpointer pc) { this.pc = pc; }

  @Override
  public boolean perRank() { return true; }

  /** The line may put this rank at its initial state. */
  @Override
  public String freshStartNeeded(long global) {
    return pc.ep.lineVersion() == 0 ? "the recovery line is this rank's initial state" : null;
  }

  /** The rank's own version on the recovery line. */
  @Override
  public long restoreTarget(long global) { return pc.ep.lineVersion(); }

  @Override
  public long checkpoint(long step) {
    pc.epochNow(); // a rank that must roll back writes nothing more: its next checkpoints would not be of the execution the line is computed on
    Endpoint.CommState cs = pc.ep.counters();
    pc.comm.state = cs;
    Version v = pc.core.checkpoint(pc.meta(0, 0, step)).await();
    recordDependencies(v, step, cs);
    return v.number();
  }

  /**
   * After a committed independent checkpoint: adds it to this rank's dependency record, with the message counts of its
   * channel state, and drops the checkpoints the retention removed. A record that cannot be written only makes the
   * checkpoint unusable for a recovery line (it is not listed), never wrong.
   */
  private void recordDependencies(Version v, long step, Endpoint.CommState cs) {
    JobEnv env = pc.env;
    deps.add(new Dependencies.Checkpoint(v.number(), step, System.currentTimeMillis(), cs.sent, cs.delivered));
    Set<Long> onDisk = new HashSet<>();
    for (Version x : pc.core.versions()) onDisk.add(x.number());
    deps.removeIf(c -> !onDisk.contains(c.version()));
    try {
      Dependencies.write(env.jobDir(), env.rank(), env.size(), deps);
    } catch (IOException e) {
      log.warn(
          "rank " + env.rank() + ": cannot write its dependency record " + Dependencies.file(env.jobDir(), env.rank(),
              env.size()) + " (" + e.getMessage() + "): version " + v.number() + " cannot be on a recovery line");
    }
  }

  /**
   * Restores this rank's checkpoint on the recovery line the coordinator computed (version {@code v}; 0: the initial state,
   * which only a fresh process has, see {@link Rank#run}). Checks that the restored channel counters are those of the record
   * the line was computed from, drops the checkpoints newer than {@code v} (record first, then the versions: they belong to
   * the abandoned execution), and puts back the messages this rank had sent itself. Messages from other ranks are not
   * restored: on a line every message sent before the sender's checkpoint was received before the receiver's, so what the
   * receiver had not taken yet is sent again.
   */
  @Override
  public RankProtocol.Restored restore(long epoch, long global) {
    JobEnv env = pc.env;
    long v = pc.ep.lineVersion();
    List<Dependencies.Checkpoint> rec = new ArrayList<>(
        v == 0 ? List.of() : Dependencies.read(env.jobDir(), env.rank(), env.size()));
    Endpoint.CommState cs = null;
    long step = 0;
    if (v > 0) {
      Dependencies.Checkpoint entry = rec.stream().filter(c -> c.version() == v).findFirst()
          .orElseThrow(() -> new CairnException("version " + v
              + " of rank " + env.rank() + " is not in its dependency record "
              + Dependencies.file(env.jobDir(), env.rank(), env.size())));
      pc.comm.loaded = null;
      pc.core.restore(v);
      cs = pc.comm.loaded;
      if (cs == null || cs.sent.length != env.size() || !Arrays.equals(cs.sent, entry.sent())
          || !Arrays.equals(cs.delivered, entry.delivered()))
        throw new CairnException("rank " + env.rank() + ", version " + v
            + ": the channel counters in the checkpoint differ from its dependency record");
      rec.removeIf(c -> c.version() > v);
      step = entry.step();
    }
    deps = rec;
    try {
      Dependencies.write(env.jobDir(), env.rank(), env.size(), deps);
    } catch (IOException e) {
      throw new CairnException("rank " + env.rank() + " cannot rewrite its dependency record after restoring version "
          + v + ": " + e.getMessage(), e);
    }
    for (Version x : pc.core.versions()) {
      if (x.number() <= v) continue;
      try {
        pc.core.delete(x.number());
      } catch (RuntimeException ex) {
        log.warn("rank " + env.rank() + ": cannot delete version " + x.number() + " of the abandoned execution: "
            + ex.getMessage());
      }
    }
    pc.ep.prefill(epoch, cs);
    return new RankProtocol.Restored(v, v, step);
  }
}
