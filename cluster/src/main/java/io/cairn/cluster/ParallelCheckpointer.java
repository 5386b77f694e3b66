package io.cairn.cluster;

import io.cairn.Cairn;
import io.cairn.CairnException;
import io.cairn.CheckpointLockedException;
import io.cairn.Checkpointable;
import io.cairn.Checkpointer;
import io.cairn.Metadata;
import io.cairn.StateReader;
import io.cairn.StateWriter;
import io.cairn.Version;
import io.cairn.cluster.internal.FaultHook;
import io.cairn.cluster.internal.GlobalManifest;
import io.cairn.cluster.internal.JobEnv;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints one rank's state as its part of consistent global checkpoints. Each rank's part is a
 * version of the core engine (run {@code r<rank>of<size>}: a node-local level and a persistent level
 * in the job directory); the coordinator commits a global version once every rank's part is committed
 * (two-phase commit) and lists it in the job's global manifest. {@link Rank#run} restores the newest
 * committed global version after a failure or a restart, resharding {@link DistributedArray}s when
 * the job now has a different number of ranks.
 *
 * <pre>{@code
 * ParallelCheckpointer ck = rank.checkpointer();
 * ck.protect(u).protect("step", step);
 * rank.run(() -> {
 *   while (step[0] < steps) {
 *     compute(); step[0]++;
 *     if (step[0] % 10 == 0) ck.checkpoint(step[0]);   // collective: every rank calls it at the same step
 *   }
 * });
 * }</pre>
 */
public final class ParallelCheckpointer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ParallelCheckpointer.class);
  static final String COMM_REGION = "cairn.comm";

  // what the protocol implementations (RankProtocol) use
  final JobEnv env;
  final Endpoint ep;
  final CoordClient coord;
  final Checkpointer core;
  final CommRegion comm = new CommRegion();
  /** The number of the next global version (coordinated protocols). */
  long nextGlobal = 1;
  long lastGlobal;

  private final Protocol protocol;
  private final Map<String, Object> regions = new LinkedHashMap<>();
  private final Map<String, String> kinds = new LinkedHashMap<>();
  private long restoredGlobal = -1;
  private String configuration;
  private final Map<String, Reshard> reshard = new LinkedHashMap<>();
  /** How this rank takes and restores checkpoints under the job's protocol: every protocol decision is there. */
  private final RankProtocol strategy;
  /** The tests' fault injection ({@link FaultHook#NONE} in production). */
  private final FaultHook faults;

  /** The channel state as a region of the rank's checkpoint. */
  static final class CommRegion implements Checkpointable {
    Endpoint.CommState state;
    Endpoint.CommState loaded;

    @Override
    public void save(StateWriter out) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      try (DataOutputStream d = new DataOutputStream(b)) {
        state.write(d);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      out.writeBytes(b.toByteArray());
    }

    @Override
    public void load(StateReader in) throws IOException {
      loaded = Endpoint.CommState.read(new DataInputStream(new ByteArrayInputStream(in.readBytes())));
    }
  }

  ParallelCheckpointer(JobEnv env, Endpoint ep, CoordClient coord, Protocol protocol, FaultHook faults) {
    this.env = env;
    this.faults = faults == null ? FaultHook.NONE : faults;
    this.ep = ep;
    this.coord = coord;
    this.protocol = protocol;
    this.strategy = RankProtocol.of(protocol, this);
    this.core = open(env, env.rank(), env.size(), env.node(), strategy.asyncParts());
    protectInternal(COMM_REGION, comm);
    comm.state = new Endpoint.CommState(env.size());
    strategy.opened();
  }

  /** Protects a region of Cairn's own (the channel state, a protocol's state): listed with the part's regions as an object. */
  void protectInternal(String name, Checkpointable region) {
    core.protect(name, region);
    kinds.put(name, "object");
  }

  /** Whether this protocol keeps no global versions: each rank restores its own newest version (independent, logging). */
  boolean perRank() {
    return strategy.perRank();
  }

  /** The job runs (after the coordinator's GO), before the body. */
  void started() { strategy.started(); }

  /** Why a rollback to global {@code g} needs a fresh process of this rank (see {@link RankProtocol#freshStartNeeded}); null: it restores in place. */
  String freshStartNeeded(long g) {
    return strategy.freshStartNeeded(g);
  }

  /** What a restore for global {@code g} tries (the global, or the rank's own version), for the coordinator's report of a failure. */
  long restoreTarget(long g) {
    return strategy.restoreTarget(g);
  }

  /** Whether global version {@code g} is committed (does not wait; see {@link #awaitCommitted}). */
  public boolean isCommitted(long g) {
    ep.lock.lock();
    try {
      return ep.committed.contains(g);
    } finally {
      ep.lock.unlock();
    }
  }

  static Checkpointer open(JobEnv env, int rank, int size, String node, boolean async) {
    return openPart(env.jobDir(), env.env(), rank, size, node, async, false);
  }

  /** Rank {@code rank} of {@code size}'s own checkpoints in a job directory (levels and paths as the ranks configure them from {@code env}). */
  static Checkpointer openPart(Path jobDir, Map<String, String> env, int rank, int size, String node, boolean async,
      boolean readOnly) {
    Path job = jobDir.toAbsolutePath();
    return Cairn.builder().name(JobEnv.runName(rank, size)).directory(job)
        .set("levels", env.getOrDefault("CAIRN_CLUSTER_LEVELS", "local,persistent"))
        .set("level.local.path", job.resolve("nodes").resolve(node).resolve("local").toString())
        .set("level.local.keep", env.getOrDefault("CAIRN_CLUSTER_KEEP", "4"))
        .set("level.persistent.path", job.resolve("persistent").toString())
        .set("level.persistent.keep", env.getOrDefault("CAIRN_CLUSTER_KEEP", "4"))
        .set("level.persistent.every", env.getOrDefault("CAIRN_CLUSTER_PERSISTENT_EVERY", "1"))
        .set("block-size", env.getOrDefault("CAIRN_CLUSTER_BLOCK_SIZE", "1MiB")) // the engine keeps a few direct buffers of this size per level
        .set("signals", "false")
        .set("mode", async ? "async" : "sync")
        .environment(JobEnv.coreEnv(env))
        .readOnly(readOnly)
        .open();
  }

  /** The protocol this job uses (environment {@code CAIRN_PROTOCOL}). */
  public Protocol protocol() { return protocol; }

  private ParallelCheckpointer add(String name, Object region, String kind) {
    if (name.startsWith("cairn.") || name.startsWith("darray."))
      throw new IllegalArgumentException("region names starting with 'cairn.' or 'darray.' are reserved");
    regions.put(name, region);
    kinds.put(name, kind);
    return this;
  }

  public ParallelCheckpointer protect(String name, double[] a) {
    core.protect(name, a);
    return add(name, a, "double:" + a.length);
  }
  public ParallelCheckpointer protect(String name, float[] a) {
    core.protect(name, a);
    return add(name, a, "float:" + a.length);
  }
  public ParallelCheckpointer protect(String name, long[] a) {
    core.protect(name, a);
    return add(name, a, "long:" + a.length);
  }
  public ParallelCheckpointer protect(String name, int[] a) {
    core.protect(name, a);
    return add(name, a, "int:" + a.length);
  }
  public ParallelCheckpointer protect(String name, byte[] a) {
    core.protect(name, a);
    return add(name, a, "byte:" + a.length);
  }
  public ParallelCheckpointer protect(String name, Checkpointable o) {
    core.protect(name, o);
    return add(name, o, "object");
  }

  /** Protects a distributed array: restorable by a job with another number of ranks. */
  public ParallelCheckpointer protect(DistributedArray a) {
    return protectDistributed(a);
  }

  /** Protects a distributed float array: restorable by a job with another number of ranks. */
  public ParallelCheckpointer protect(DistributedFloatArray a) {
    return protectDistributed(a);
  }

  /**
   * A distributed array's part is an ordinary array region (captured like any array: one copy into
   * staging memory, no serialisation); its layout goes into the region list as
   * {@code darray.<name>:<kind>:<part length>:<global length>:<unit>}, from which the part's range
   * follows ({@link DistributedArray#range} of the saving rank).
   */
  private ParallelCheckpointer protectDistributed(Distributed a) {
    String n = "darray." + a.name();
    switch (a.data()) {
      case double[] d -> core.protect(n, d);
      case float[] f -> core.protect(n, f);
      default -> throw new IllegalStateException();
    }
    regions.put(n, a);
    kinds.put(n, a.type().kind + ":" + (a.hi() - a.lo()) + ":" + a.globalLength() + ":" + a.unit());
    return this;
  }

  /**
   * Declares how a protected region (not a distributed array: those reshard by themselves) is given to the ranks
   * when the job restarts with another number of ranks. Undeclared regions are {@link Reshard#PER_RANK}: such a
   * restart is refused with a message naming them. Every rank declares the same.
   */
  public ParallelCheckpointer reshard(String name, Reshard how) {
    Object r = regions.get(name);
    if (r == null || r instanceof Distributed)
      throw new IllegalArgumentException("reshard: '" + name + "' is not a protected region"
          + (r == null ? " (protect it first)" : " but a distributed array, which reshards by itself"));
    if (how == Reshard.BLOCKS && r instanceof Checkpointable)
      throw new IllegalArgumentException(
          "reshard: '" + name + "' is an object; BLOCKS is for arrays (double[], float[], long[], int[], byte[])");
    reshard.put(name, how);
    return this;
  }

  /** The global version restored at the last (re)start: 0 when the job started fresh (independent mode: the rank's own version). */
  public long restoredGlobal() {
    return restoredGlobal;
  }

  /** The global version number of the last {@link #checkpoint} call. */
  public long lastGlobal() { return lastGlobal; }

  /** Committed global versions of this job, oldest first. */
  public List<GlobalVersion> globalVersions() {
    List<GlobalVersion> out = new ArrayList<>();
    for (GlobalManifest.Entry e : GlobalManifest.read(env.jobDir())) out.add(GlobalVersion.of(e));
    return out;
  }

  /**
   * Declares the job's configuration (e.g. a model's shape and hyperparameters): it is recorded with each
   * part, and a restore of a global version taken with another configuration is refused with both
   * descriptions, before any region is read. Every rank declares the same one.
   */
  public ParallelCheckpointer configuration(String description) {
    if (description == null || description.isEmpty() || description.contains("\n"))
      throw new IllegalArgumentException("configuration must be one non-empty line");
    this.configuration = description;
    return this;
  }

  private void checkConfiguration(Version ver, long g) {
    String saved = ver.metadata().get("cairn.configuration");
    if (configuration != null && saved != null && !configuration.equals(saved))
      throw new CairnException("global version " + g + ": configuration differs: the checkpoint has [" + saved
          + "], this job [" + configuration + "]");
  }

  /** The metadata of this rank's part: global version, size, protocol, epoch, the regions and their kinds, the configuration. */
  Metadata partMeta(long g, long epoch, long step) {
    StringBuilder b = new StringBuilder();
    kinds.forEach((k, v) -> b.append(b.isEmpty() ? "" : ";").append(k).append(':').append(v));
    Metadata m = Metadata.create().step(step).label("global " + g).put("cairn.global", Long.toString(g))
        .put("cairn.size", Integer.toString(env.size()))
        .put("cairn.protocol", protocol.id()).put("cairn.epoch", Long.toString(epoch))
        .put("cairn.regions", b.toString());
    return configuration == null ? m : m.put("cairn.configuration", configuration);
  }

  /** {@link #partMeta} with the payload bytes this process sent, for the benchmarks (logging records its own values, restored with its state). */
  Metadata meta(long g, long epoch, long step) {
    long sentBytes;
    ep.lock.lock();
    try {
      sentBytes = ep.sentBytes;
    } finally {
      ep.lock.unlock();
    }
    return partMeta(g, epoch, step).put("cairn.sent-bytes", Long.toString(sentBytes)).put("cairn.logged-bytes", "0");
  }

  /** The epoch this rank runs in; throws {@link RollbackException} when the job is rolling back or aborted. */
  long epochNow() {
    ep.lock.lock();
    try {
      ep.checkInterrupt();
      return ep.handledEpoch;
    } finally {
      ep.lock.unlock();
    }
  }

  /**
   * Takes this rank's part of the next global checkpoint. Collective: every rank calls it at the same
   * point of the program (e.g. the same step). With {@link Protocol#BLOCKING} it returns once the global
   * version is committed; with {@link Protocol#CHANDY_LAMPORT} as soon as this rank's state is captured
   * (the commit completes in the background); with {@link Protocol#INDEPENDENT} once this rank's own
   * version is written. Returns the global version number (the local version in independent mode).
   */
  public long checkpoint(long step) {
    lastGlobal = strategy.checkpoint(step);
    return lastGlobal;
  }

  // ------------------------------------------------------------------ halt (cairn halt <job dir>)

  /**
   * Stops this rank (exit {@link Checkpointer#EXIT_REQUEUE}) when global {@code h} was committed while the job
   * directory held a halt request: every rank decides on the same global version, meets the others at a barrier,
   * makes sure its part of {@code h} is pinned, and exits. A relaunch restores {@code h} or a newer global.
   * Ranks of a supervised job ({@code cairn launch}) ignore the mark.
   */
  void haltIfRequested(long h) {
    if (h < 1 || env.supervised()) return; // under 'cairn launch' the launcher would respawn a rank that exits: halt is for srun/mpirun jobs
    ep.lock.lock();
    try {
      if (!ep.halted.contains(h)) return;
    } finally {
      ep.lock.unlock();
    }
    log.warn("rank {}: halt requested ({}); global version {} is committed; stopping with exit code {}", env.rank(),
        env.jobDir().resolve(io.cairn.cluster.internal.Coordinator.HALT), h, Checkpointer.EXIT_REQUEUE);
    new Comm(ep, env.node()).barrier();
    for (int i = 0; i < 100; i++) {
      synchronized (pinLock) {
        if (pinnedGlobal >= h) break;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    close();
    System.out.flush();
    System.err.flush();
    Runtime.getRuntime().halt(Checkpointer.EXIT_REQUEUE);
  }

  // ------------------------------------------------------------------ pinning the newest committed part

  private final Object pinLock = new Object();
  private long pinnedGlobal;
  private Thread pinner;
  private long pinnerGlobal;

  /**
   * Once global {@code g} is committed, pins this rank's part of it (core version {@code part}) and
   * unpins older parts, in the background: the core's retention then never removes the part of the
   * newest committed global, however many uncommitted parts failures leave behind.
   */
  void pinWhenCommitted(long g, long part) {
    Thread t = Thread.ofVirtual().name("cairn-pin-" + env.rank() + "-" + g).start(() -> {
      try {
        awaitCommitted(g);
      } catch (RuntimeException ex) {
        return; // rolled back or closed: this global is not the one to keep
      }
      pinPart(g, part);
    });
    synchronized (pinLock) {
      pinner = t;
      pinnerGlobal = g;
    }
  }

  private void pinPart(long g, long part) {
    synchronized (pinLock) {
      if (g <= pinnedGlobal) return;
      try {
        core.pin(part);
        for (long p : core.pinned()) if (p != part) core.unpin(p);
        pinnedGlobal = g;
      } catch (RuntimeException ex) {
        log.warn("rank " + env.rank() + ": cannot pin its part (version " + part + ") of global " + g + ": "
            + ex.getMessage());
      }
    }
  }

  private long restoredVersion;
  private long restoredStep;

  /** The rank's own version restored at the last (re)start and its step (0 0: the initial state), for the coordinator's record. */
  String restoredPart() {
    return restoredVersion + " " + restoredStep;
  }

  /**
   * The end of the rank's body: waits for what the protocol still commits in the background, so a job never ends with
   * its last globals lost (Chandy-Lamport returns from {@link #checkpoint} before the commit; see {@link RankProtocol#finish}).
   * Throws {@link RollbackException} when the job rolls back meanwhile (the body runs again).
   */
  void awaitStartedGlobals() { strategy.finish(); }

  /**
   * Waits until global version {@code g} is committed (with Chandy-Lamport, {@link #checkpoint} returns before).
   * Throws {@link RollbackException} when the job rolls back meanwhile.
   */
  public void awaitCommitted(long g) {
    ep.lock.lock();
    try {
      while (true) {
        ep.checkInterrupt();
        if (ep.committed.contains(g)) return;
        ep.await();
      }
    } finally {
      ep.lock.unlock();
    }
  }

  void fault(String point, long g) {
    faults.at(point, g); // tests: may halt this process here, like kill -9
  }

  // ------------------------------------------------------------------ restore

  /**
   * Restores for the recovery of epoch {@code epoch}, as the job's protocol does it: the coordinated protocols global version
   * {@code g} (0: the initial state) into the protected regions and the channels; the per-rank protocols the rank's own
   * version they choose. {@code next}: the number of the next global version.
   */
  void restoreGlobal(long epoch, long g, long next) {
    nextGlobal = next;
    RankProtocol.Restored r = strategy.restore(epoch, g);
    restoredGlobal = r.global();
    restoredVersion = r.version();
    restoredStep = r.step();
  }

  /** The coordinated protocols' restore: committed global version {@code g} (0: the initial state), resharded when the job has another size. */
  RankProtocol.Restored restoreCommitted(long epoch, long g) {
    if (g == 0) {
      ep.prefill(epoch, null);
      return RankProtocol.Restored.INITIAL;
    }
    GlobalManifest.Entry e = GlobalManifest.find(env.jobDir(), g)
        .orElseThrow(
            () -> new CairnException("global version " + g + " is not in " + GlobalManifest.file(env.jobDir())));
    long own = e.size() == env.size() ? e.versions()[env.rank()] : -1;
    Version mineVer = own < 0 ? null : core.versions().stream().filter(x -> x.number() == own).findFirst().orElse(null);
    if (mineVer != null) {
      checkConfiguration(mineVer, e.global());
      checkArrayTypes(mineVer, e.global());
    }
    if (e.size() == env.size()) {
      comm.loaded = null;
      Version ver = core.restore(own);
      synchronized (pinLock) {
        pinnedGlobal = 0;
      }
      pinPart(g, own);
      Endpoint.CommState cs = comm.loaded;
      if (cs == null)
        throw new CairnException(
            "rank " + env.rank() + ": version " + e.versions()[env.rank()] + " holds no channel state");
      if (cs.sideFile) {
        List<List<Message>> rec = ChandyLamportProtocol.readChannelFile(env.jobDir(), g, ver, env.rank(), env.size());
        for (int s = 0; s < env.size(); s++) cs.inFlight.get(s).addAll(rec.get(s));
      }
      ep.prefill(epoch, cs);
      return new RankProtocol.Restored(g, own, ver.step() >= 0 ? ver.step() : e.step());
    }
    ReshardPlan plan = planReshard(e);
    if (plan.obstacle() != null) throw new CairnException(plan.obstacle());
    reshard(e, plan);
    ep.prefill(epoch, null);
    return new RankProtocol.Restored(g, 0, 0);
  }

  /** How a distributed array was saved: element type, the part's length, the global length and the unit. */
  record SavedArray(Distributed.Type type, int length, long globalLength, int unit) {
    static SavedArray parse(String[] t, long g) {
      String name = t[0].substring(7);
      if (t.length < 5)
        throw new CairnException("global version " + g + ": distributed array '" + name + "' is listed as '"
            + String.join(":", t)
            + "', without its layout: written by a development version of Cairn before 0.1 that this version does not read");
      Distributed.Type type;
      try {
        type = Distributed.Type.ofKind(t[1]);
      } catch (IllegalArgumentException ex) {
        throw new CairnException(
            "global version " + g + ": " + ex.getMessage() + " for '" + name + "' (written by a newer Cairn?)");
      }
      try {
        return new SavedArray(type, Integer.parseInt(t[2]), Long.parseLong(t[3]), Integer.parseInt(t[4]));
      } catch (NumberFormatException ex) {
        throw new CairnException(
            "global version " + g + ": bad layout '" + String.join(":", t) + "' of distributed array '" + name + "'");
      }
    }
  }

  /** Refuses a checkpoint whose distributed array holds another element type, global length or unit than this job declares. */
  private void checkArrayTypes(Version ver, long g) {
    for (String spec : ver.metadata().getOrDefault("cairn.regions", "").split(";")) {
      String[] t = spec.split(":");
      if (t.length < 2 || !t[0].startsWith("darray.") || !(regions.get(t[0]) instanceof Distributed mine)) continue;
      SavedArray saved = SavedArray.parse(t, g);
      String name = t[0].substring(7);
      if (saved.type() != mine.type())
        throw new CairnException("global version " + g + ": distributed array '" + name + "' was saved as "
            + saved.type().name().toLowerCase(java.util.Locale.ROOT) + "s, this job declares "
            + mine.type().name().toLowerCase(java.util.Locale.ROOT) + "s");
      if (saved.globalLength() != mine.globalLength() || saved.unit() != mine.unit())
        throw new CairnException(
            "global version " + g + ": distributed array '" + name + "' was saved with " + saved.globalLength()
                + " elements in units of " + saved.unit() + ", this job declares " + mine.globalLength()
                + " in units of " + mine.unit());
    }
  }

  /**
   * What resharding global {@code e} to this job needs: the lengths of the old parts of every {@link Reshard#BLOCKS}
   * region (for the offsets), or why it cannot be done: undeclared per-rank regions, an old part that is gone, or
   * messages in flight (they are addressed to old ranks, and Cairn cannot know which new rank owns what a message
   * refers to, so they cannot be re-addressed).
   */
  record ReshardPlan(String obstacle, Map<String, long[]> oldLengths) {}

  ReshardPlan planReshard(GlobalManifest.Entry e) {
    int n = e.size();
    String where = "global version " + e.global() + " (step " + e.step() + ", taken by " + n
        + " ranks) cannot be restored by this job of " + env.size()
        + " ranks: ";
    Map<String, long[]> lengths = new LinkedHashMap<>();
    for (Map.Entry<String, Reshard> d : reshard.entrySet())
      if (d.getValue() == Reshard.BLOCKS) lengths.put(d.getKey(), new long[n]);
    long inFlight = 0;
    int[] inFlightTo = new int[n];
    for (int k = 0; k < n; k++) {
      try (Checkpointer old = openPart(env.jobDir(), env.env(), k, n, e.nodes()[k], false, true)) {
        long v = e.versions()[k];
        Version ver = old.versions().stream().filter(x -> x.number() == v).findFirst().orElse(null);
        if (ver == null)
          return new ReshardPlan(where + "old rank " + k + "'s part (version " + v
              + ") is gone (pruned, or its node's directory was lost)", Map.of());
        checkConfiguration(ver, e.global()); // what the job computes, and the arrays' types, before anything else
        checkArrayTypes(ver, e.global());
        for (String spec : ver.metadata().getOrDefault("cairn.regions", "").split(";")) {
          String[] t = spec.split(":");
          if (lengths.containsKey(t[0])) {
            if (t.length < 3)
              return new ReshardPlan(
                  where + "region '" + t[0] + "' of old rank " + k + " is not an array (" + spec + ")", Map.of());
            lengths.get(t[0])[k] = Long.parseLong(t[2]);
          }
        }
        CommRegion cr = new CommRegion();
        old.protect(COMM_REGION, cr);
        old.restore(v, List.of(COMM_REGION));
        int f = cr.loaded.inFlightCount();
        if (cr.loaded.sideFile)
          for (List<Message> l : ChandyLamportProtocol.readChannelFile(env.jobDir(), e.global(), ver, k, n))
            f += l.size();
        inFlight += f;
        inFlightTo[k] = f;
      } catch (CairnException | IllegalStateException ex) {
        return new ReshardPlan(where + "old rank " + k + "'s part cannot be read: " + ex.getMessage(), Map.of());
      }
    }
    List<String> perRank = new ArrayList<>();
    for (Map.Entry<String, Object> r : regions.entrySet())
      if (!(r.getValue() instanceof Distributed)
          && reshard.getOrDefault(r.getKey(), Reshard.PER_RANK) == Reshard.PER_RANK)
        perRank.add(r.getKey());
    if (!perRank.isEmpty())
      return new ReshardPlan(where + "the regions " + perRank
          + " are per-rank state, which cannot be given to another number of ranks without inventing"
          + " or dropping state. Declare how each is redistributed (ParallelCheckpointer.reshard(name, Reshard.REPLICATED) for a value every rank"
          + " holds alike, Reshard.BLOCKS for an array whose parts in rank order form one array), make it a DistributedArray, or relaunch with "
          + n + " ranks", Map.of());
    if (inFlight > 0) {
      List<String> to = new ArrayList<>();
      for (int k = 0; k < n; k++) if (inFlightTo[k] > 0) to.add(inFlightTo[k] + " to old rank " + k);
      return new ReshardPlan(where + inFlight + " messages were in flight in it (" + String.join(", ", to)
          + "). They are addressed to old ranks and"
          + " Cairn cannot know which new rank owns what a message refers to, so a global with messages in flight is only restored by a job of "
          + n
          + " ranks (checkpoint at a point where no message is pending, e.g. at the end of a run, to restart elsewhere)",
          Map.of());
    }
    return new ReshardPlan(null, lengths);
  }

  /**
   * The newest committed global older than {@code g} that this rank could restore (its own part is there; or, for
   * another number of ranks, {@link #planReshard} finds no obstacle); 0 when there is none. Sent with a failed
   * restore, so the coordinator tries only globals still on disk.
   */
  long newestRestorableBefore(long g) {
    List<GlobalManifest.Entry> all = GlobalManifest.read(env.jobDir());
    for (int i = all.size() - 1; i >= 0; i--) {
      GlobalManifest.Entry e = all.get(i);
      if (e.global() >= g) continue;
      try {
        if (e.size() == env.size()) {
          long own = e.versions()[env.rank()];
          Version v = core.versions().stream().filter(x -> x.number() == own).findFirst().orElse(null);
          if (v == null) continue;
          checkConfiguration(v, e.global());
          checkArrayTypes(v, e.global());
          return e.global();
        }
        if (planReshard(e).obstacle() == null) return e.global();
      } catch (RuntimeException ex) {
        // not restorable either
      }
    }
    return 0;
  }

  /** Elastic restart: reads the ranges this rank now owns from the old ranks' parts; other regions as declared ({@link Reshard}). */
  private void reshard(GlobalManifest.Entry e, ReshardPlan plan) {
    int n = e.size();
    List<Distributed> arrays = new ArrayList<>();
    for (Object o : regions.values()) if (o instanceof Distributed a) arrays.add(a);
    long[] copied = new long[arrays.size()];
    // BLOCKS regions: this rank's block of the concatenation of the old parts
    Map<String, long[]> offsets = new LinkedHashMap<>();
    Map<String, long[]> mineRange = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> b : plan.oldLengths().entrySet()) {
      long[] off = new long[n + 1];
      for (int k = 0; k < n; k++) off[k + 1] = off[k] + b.getValue()[k];
      long[] r = DistributedArray.range(off[n], 1, env.rank(), env.size());
      int have = java.lang.reflect.Array.getLength(regions.get(b.getKey()));
      if (have != r[1] - r[0])
        throw new CairnException("resharding region '" + b.getKey() + "' (Reshard.BLOCKS) of global version "
            + e.global() + ": the " + n + " old parts hold "
            + off[n] + " elements; rank " + env.rank() + " of " + env.size() + " gets elements [" + r[0] + ", " + r[1]
            + "), " + (r[1] - r[0])
            + " of them, but this job's array has " + have
            + " (size it with DistributedArray.range(total, 1, rank, size))");
      offsets.put(b.getKey(), off);
      mineRange.put(b.getKey(), r);
    }
    for (int k = 0; k < n; k++) {
      boolean needed = k == 0;
      for (Distributed a : arrays) {
        long[] r = DistributedArray.range(a.globalLength(), a.unit(), k, n);
        if (Math.max(r[0], a.lo()) < Math.min(r[1], a.hi())) needed = true;
      }
      for (Map.Entry<String, long[]> b : offsets.entrySet()) {
        long[] off = b.getValue();
        long[] r = mineRange.get(b.getKey());
        if (Math.max(off[k], r[0]) < Math.min(off[k + 1], r[1])) needed = true;
      }
      if (!needed) continue;
      readOldRank(e, k, arrays, copied, offsets, mineRange);
    }
    for (int i = 0; i < arrays.size(); i++) {
      Distributed a = arrays.get(i);
      if (copied[i] != a.hi() - a.lo())
        throw new CairnException(
            "resharding '" + a.name() + "' from " + n + " to " + env.size() + " ranks: rank " + env.rank() + " found "
                + copied[i] + " of its " + (a.hi() - a.lo()) + " elements in global version " + e.global());
    }
    log.info("rank " + env.rank() + ": resharded global version " + e.global() + " from " + n + " to " + env.size()
        + " ranks");
  }

  private void readOldRank(GlobalManifest.Entry e, int k, List<Distributed> arrays, long[] copied,
      Map<String, long[]> offsets,
      Map<String, long[]> mineRange) {
    int n = e.size();
    long deadline = System.currentTimeMillis() + 60_000;
    while (true) {
      Checkpointer old;
      try {
        old = open(env, k, n, e.nodes()[k], false);
      } catch (CheckpointLockedException ex) {
        if (System.currentTimeMillis() < deadline) {
          sleep(20 + ThreadLocalRandom.current().nextInt(60)); // another rank is reading the same old part
          continue;
        }
        throw ex;
      }
      try (old) {
        long v = e.versions()[k];
        Version ver = old.versions().stream().filter(x -> x.number() == v).findFirst()
            .orElseThrow(() -> new CairnException(
                "old rank " + k + " of " + n + ": version " + v + " (global " + e.global() + ") is gone"));
        checkConfiguration(ver, e.global());
        String list = ver.metadata().getOrDefault("cairn.regions", "");
        List<String> mine = new ArrayList<>(regions.keySet());
        List<Runnable> afterRestore = new ArrayList<>();
        for (String spec : list.split(";")) {
          if (spec.isEmpty()) continue;
          String[] t = spec.split(":");
          String name = t[0];
          if (name.equals(COMM_REGION)) {
            old.protect(name, new EmptyChannels(k, e.global()));
          } else if (name.startsWith("darray.")) {
            Distributed mineArray = regions.get(name) instanceof Distributed a ? a : null;
            if (mineArray == null)
              throw new CairnException("resharding: the old job's distributed array '" + name.substring(7)
                  + "' is not protected by this job");
            checkArrayTypes(ver, e.global());
            SavedArray saved = SavedArray.parse(t, e.global());
            int slot = arrays.indexOf(mineArray);
            long[] r = DistributedArray.range(saved.globalLength(), saved.unit(), k, n);
            if (r[1] - r[0] != saved.length())
              throw new CairnException(
                  "global version " + e.global() + ": old rank " + k + "'s part of '" + name.substring(7) + "' has "
                      + saved.length() + " elements, its range [" + r[0] + "," + r[1] + ") has " + (r[1] - r[0]));
            Object part = saved.type() == Distributed.Type.DOUBLE
                ? new double[saved.length()]
                : new float[saved.length()];
            protectInto(old, name, part);
            afterRestore.add(() -> copied[slot] += mineArray
                .fill(new Distributed.Slice(saved.globalLength(), saved.unit(), r[0], r[1], part)));
            mine.remove(name);
          } else if (offsets.containsKey(name)) { // Reshard.BLOCKS: copy the overlap of old part k with this rank's block
            long[] off = offsets.get(name);
            long[] r = mineRange.get(name);
            long lo = Math.max(off[k], r[0]);
            long hi = Math.min(off[k + 1], r[1]);
            if (lo < hi) {
              Object target = regions.get(name);
              if (t.length < 3 || !t[1].equals(arrayKind(target)))
                throw new CairnException("resharding region '" + name + "' of global version " + e.global()
                    + ": old rank " + k + " saved it as '"
                    + (t.length > 1 ? t[1] : "?") + "', this job protects a " + arrayKind(target) + " array");
              Object part = newArray(t[1], Integer.parseInt(t[2]));
              protectInto(old, name, part);
              afterRestore
                  .add(() -> System.arraycopy(part, (int) (lo - off[k]), target, (int) (lo - r[0]), (int) (hi - lo)));
            } else {
              protectDummy(old, name, t);
            }
            mine.remove(name);
          } else if (k == 0) {
            Object r = regions.get(name);
            if (r == null)
              throw new CairnException("resharding: region '" + name + "' of the old job is not protected by this job");
            protectInto(old, name, r);
            mine.remove(name);
          } else {
            protectDummy(old, name, t);
          }
        }
        if (k != 0) mine.retainAll(offsets.keySet());
        if (!mine.isEmpty())
          throw new CairnException(
              "resharding: regions " + mine + " are protected by this job but not in global version " + e.global());
        old.restore(v);
        for (Runnable a : afterRestore) a.run();
        if (protocolOf(ver) == Protocol.CHANDY_LAMPORT) {
          for (List<Message> l : ChandyLamportProtocol.readChannelFile(env.jobDir(), e.global(), ver, k, n))
            if (!l.isEmpty())
              throw new CairnException(
                  "cannot reshard global version " + e.global() + ": it has messages in flight towards old rank " + k);
        }
        return;
      }
    }
  }

  private static String arrayKind(Object a) {
    return switch (a) {
      case double[] x -> "double";
      case float[] x -> "float";
      case long[] x -> "long";
      case int[] x -> "int";
      case byte[] x -> "byte";
      default -> "object";
    };
  }

  private static Object newArray(String kind, int len) {
    return switch (kind) {
      case "double" -> new double[len];
      case "float" -> new float[len];
      case "long" -> new long[len];
      case "int" -> new int[len];
      case "byte" -> new byte[len];
      default -> throw new CairnException("resharding: unknown region kind '" + kind + "'");
    };
  }

  private static Protocol protocolOf(Version v) {
    return Protocol.parse(v.metadata().getOrDefault("cairn.protocol", "blocking"));
  }

  /** The old job's channel state: resharding needs empty channels (checked), since the new ranks have other channels. */
  private record EmptyChannels(int rank, long global) implements Checkpointable {
    @Override
    public void save(StateWriter out) { throw new UnsupportedOperationException(); }
    @Override
    public void load(StateReader in) throws IOException {
      Endpoint.CommState s = Endpoint.CommState.read(new DataInputStream(new ByteArrayInputStream(in.readBytes())));
      if (s.inFlightCount() != 0)
        throw new IOException("cannot reshard global version " + global + ": " + s.inFlightCount()
            + " messages were in flight towards old rank "
            + rank + " (checkpoint where no message is pending, e.g. after a step's exchange)");
    }
  }

  static void protectInto(Checkpointer old, String name, Object r) {
    switch (r) {
      case double[] a -> old.protect(name, a);
      case float[] a -> old.protect(name, a);
      case long[] a -> old.protect(name, a);
      case int[] a -> old.protect(name, a);
      case byte[] a -> old.protect(name, a);
      case Checkpointable c -> old.protect(name, c);
      default -> throw new IllegalStateException("unexpected region type " + r.getClass());
    }
  }

  private static void protectDummy(Checkpointer old, String name, String[] t) {
    if (t.length < 3) {
      old.protect(name, new Checkpointable() {
        @Override
        public void save(StateWriter out) { throw new UnsupportedOperationException(); }
        @Override
        public void load(StateReader in) throws IOException { while (in.remaining() > 0) in.readByte(); }
      });
      return;
    }
    int len = Integer.parseInt(t[2]);
    switch (t[1]) {
      case "double" -> old.protect(name, new double[len]);
      case "float" -> old.protect(name, new float[len]);
      case "long" -> old.protect(name, new long[len]);
      case "int" -> old.protect(name, new int[len]);
      case "byte" -> old.protect(name, new byte[len]);
      default -> throw new CairnException("resharding: unknown region kind '" + t[1] + "' of '" + name + "'");
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CairnException("interrupted", e);
    }
  }

  /** Waits for background checkpoints and releases the rank's checkpoint directories. */
  @Override
  public void close() {
    Thread t;
    long tg;
    synchronized (pinLock) {
      t = pinner;
      tg = pinnerGlobal;
    }
    if (t != null && isCommitted(tg)) { // committed: its pin is being written; never wait for a commit that may not come
      try {
        t.join(5_000); // the pin of the last committed global
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
      }
    }
    core.close();
  }
}
