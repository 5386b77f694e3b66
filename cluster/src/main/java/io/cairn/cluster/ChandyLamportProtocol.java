package io.cairn.cluster;

import io.cairn.CairnException;
import io.cairn.Checkpoint;
import io.cairn.Version;
import io.cairn.cluster.internal.GlobalManifest;
import io.cairn.cluster.internal.JobEnv;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Protocol#CHANDY_LAMPORT}: the rank captures its state at once, sends a marker on every channel and goes on
 * computing; the part is written in the background, with the messages that arrived before each channel's marker in a
 * channel file ({@code <job>/channels/g<global>/}), then PREPARED is sent; the coordinator commits in the background.
 * At most {@code CAIRN_CLUSTER_KEEP - 2} globals are uncommitted at a time, so the core's retention never prunes the
 * part of the newest committed one.
 */
final class ChandyLamportProtocol extends CoordinatedProtocol {
  private static final Logger log = LoggerFactory.getLogger(ChandyLamportProtocol.class);

  private final ArrayDeque<Long> pending = new ArrayDeque<>();
  /** Globals whose part this rank could not write or prepare (in the background), with why. */
  private final Map<Long, String> notPrepared = new ConcurrentHashMap<>();
  private final int maxPending;

  ChandyLamportProtocol(ParallelCheckpointer pc) {
    super(pc);
    this.maxPending = Math.max(1, (int) pc.env.millis(JobEnv.CLUSTER_KEEP) - 2);
  }

  @Override
  public boolean asyncParts() { return true; }

  @Override
  long take(long e, long g, long step) {
    // bound the uncommitted snapshots of this rank, so that the core's retention (keep N versions per level)
    // never prunes the part of the newest committed global version
    pending.removeIf(pc::isCommitted);
    while (pending.size() >= maxPending) pc.awaitCommitted(pending.removeFirst());
    // every rank knows by now whether global g - maxPending was committed, and with the halt mark: the same decision everywhere
    pc.haltIfRequested(g - maxPending);
    pending.add(g);
    Endpoint.Snapshot snap = pc.ep.snapshot(g);
    snap.state.sideFile = true;
    pc.comm.state = snap.state;
    Checkpoint c = pc.core.checkpoint(pc.meta(g, e, step));
    pc.ep.sendMarkers(g);
    Thread.ofVirtual().name("cairn-cl-" + pc.env.rank() + "-" + g).start(() -> prepare(e, g, step, snap, c));
    pc.pinWhenCommitted(g, c.version());
    return g;
  }

  @Override
  public RankProtocol.Restored restore(long epoch, long global) {
    pending.clear();
    return super.restore(epoch, global);
  }

  private void prepare(long e, long g, long step, Endpoint.Snapshot snap, Checkpoint c) {
    Endpoint ep = pc.ep;
    int rank = pc.env.rank();
    try {
      List<List<Message>> rec = snap.complete.get();
      Version v = c.committed().get();
      writeChannelFile(g, e, rec);
      pc.fault("after-write", g);
      ep.lock.lock();
      try {
        if (ep.handledEpoch != e || ep.rollbackEpoch != e) return;
      } finally {
        ep.lock.unlock();
      }
      pc.coord.send("PREPARED " + e + " " + g + " " + v.number() + " " + step + " " + Protocol.CHANDY_LAMPORT.id());
      pc.fault("after-prepare", g);
      deleteChannelFiles(g - GlobalManifest.KEEP - 1); // no longer listed in the global manifest
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException ex) {
      if (!(ex.getCause() instanceof RollbackException)) {
        log.warn("rank " + rank + ": global checkpoint " + g + " not prepared: " + ex.getCause());
        notPrepared.put(g, String.valueOf(ex.getCause()));
      }
    } catch (IOException | RuntimeException ex) {
      log.warn("rank " + rank + ": global checkpoint " + g + " not prepared: " + ex);
      notPrepared.put(g, String.valueOf(ex));
    }
    ep.lock.lock();
    try {
      ep.changed.signalAll(); // a rank waiting at its end for this global learns that its own part failed
    } finally {
      ep.lock.unlock();
    }
  }

  /**
   * The end of the rank's body: waits until every global checkpoint this rank started is committed, so a job
   * never ends with its last globals lost ({@link #checkpoint} returns before the commit).
   * A global whose part this rank could not write, or that is not committed within
   * {@code CAIRN_FINAL_COMMIT_TIMEOUT_MS} (default 120 s), is abandoned with a message naming it. Throws
   * {@link RollbackException} when the job rolls back meanwhile (the body runs again).
   */
  @Override
  public void finish() {
    Endpoint ep = pc.ep;
    long deadline = System.currentTimeMillis() + pc.env.millis("CAIRN_FINAL_COMMIT_TIMEOUT_MS", 120_000);
    for (long g : new ArrayList<>(pending)) {
      ep.lock.lock();
      try {
        while (!ep.committed.contains(g) && !notPrepared.containsKey(g) && System.currentTimeMillis() < deadline) {
          ep.checkInterrupt();
          ep.await();
        }
        ep.checkInterrupt();
        if (ep.committed.contains(g)) continue;
      } finally {
        ep.lock.unlock();
      }
      String why = notPrepared.containsKey(g)
          ? "this rank could not write its part: " + notPrepared.get(g)
          : "not committed within " + pc.env.millis("CAIRN_FINAL_COMMIT_TIMEOUT_MS", 120_000)
              + " ms of the end of the rank's work";
      log.warn("rank " + pc.env.rank() + ": ABANDONING global checkpoint " + g + " at the end of the job (" + why
          + "); the job's newest committed global is an older one");
    }
    pending.clear();
  }

  // ------------------------------------------------------------------ channel files

  /** Channel state of rank {@code rank}'s part of global {@code g}, taken in {@code epoch} (a stale writer of an older epoch never clashes). */
  private static Path channelFile(Path jobDir, long g, long epoch, int rank, int size) {
    return jobDir.resolve("channels").resolve("g" + g).resolve(JobEnv.runName(rank, size) + "-e" + epoch + ".bin");
  }

  private void writeChannelFile(long g, long epoch, List<List<Message>> rec) throws IOException {
    JobEnv env = pc.env;
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (DataOutputStream d = new DataOutputStream(b)) {
      d.writeLong(0x434149524E434831L); // "CAIRNCH1"
      d.writeLong(g);
      d.writeInt(env.rank());
      d.writeInt(env.size());
      Endpoint.CommState.writeMessages(d, rec);
    }
    byte[] body = b.toByteArray();
    CRC32C crc = new CRC32C();
    crc.update(body);
    byte[] all = ByteBuffer.allocate(body.length + 4).put(body).putInt((int) crc.getValue()).array();
    GlobalManifest.writeAtomically(channelFile(env.jobDir(), g, epoch, env.rank(), env.size()), all);
  }

  /** The messages recorded with rank {@code rank}'s part {@code ver} of global {@code g} (those in flight towards it), by sender. */
  static List<List<Message>> readChannelFile(Path jobDir, long g, Version ver, int rank, int size) {
    long epoch = Long.parseLong(ver.metadata().getOrDefault("cairn.epoch", "0"));
    Path f = channelFile(jobDir, g, epoch, rank, size);
    try {
      byte[] all = Files.readAllBytes(f);
      if (all.length < 28) throw new IOException("too short");
      CRC32C crc = new CRC32C();
      crc.update(all, 0, all.length - 4);
      if ((int) crc.getValue() != ByteBuffer.wrap(all, all.length - 4, 4).getInt())
        throw new IOException("checksum mismatch");
      DataInputStream d = new DataInputStream(new ByteArrayInputStream(all, 0, all.length - 4));
      if (d.readLong() != 0x434149524E434831L || d.readLong() != g || d.readInt() != rank || d.readInt() != size)
        throw new IOException("header does not match global " + g + " rank " + rank + " of " + size);
      return Endpoint.CommState.readMessages(d, size);
    } catch (IOException e) {
      throw new CairnException("channel state of rank " + rank + " for global version " + g + " (" + f
          + ") cannot be read: " + e.getMessage(), e);
    }
  }

  private void deleteChannelFiles(long g) {
    if (g < 1) return;
    Path d = pc.env.jobDir().resolve("channels").resolve("g" + g);
    String prefix = JobEnv.runName(pc.env.rank(), pc.env.size()) + "-e";
    try (var s = Files.list(d)) {
      for (Path p : s.toList()) if (p.getFileName().toString().startsWith(prefix)) Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // best effort: absent or already cleaned
    }
  }
}
