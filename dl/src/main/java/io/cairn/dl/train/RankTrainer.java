package io.cairn.dl.train;

import io.cairn.Checkpointable;
import io.cairn.StateReader;
import io.cairn.StateWriter;
import io.cairn.cluster.Comm;
import io.cairn.cluster.DistributedFloatArray;
import io.cairn.cluster.Message;
import io.cairn.cluster.ParallelCheckpointer;
import io.cairn.cluster.Rank;
import io.cairn.cluster.Reshard;
import io.cairn.dl.data.DataLoader;
import io.cairn.dl.nn.LrSchedule;
import io.cairn.dl.nn.Model;
import io.cairn.dl.nn.Optimizer;
import io.cairn.dl.rng.RngState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntFunction;

/**
 * Data-parallel training over the ranks (processes) of a parallel job of the {@code cluster} module,
 * with the same result, bit for bit, as {@link Trainer} with any number of threads, and across a
 * change of the number of ranks at a restart.
 *
 * <p>Each step, every rank draws the same batch (the loader's position is replicated state) and
 * computes the per-sample gradients of its contiguous share of the B slots. The gradients are then
 * reduced by parameter range, ZeRO-style: rank q owns parameters {@code [lo_q, hi_q)} (the split of
 * a {@link DistributedFloatArray}); every rank sends it its slots' gradients for that range, rank q
 * sums all B slots with the fixed slot-index tree of {@link Trainer}, updates its range of the
 * parameters with its shard of the optimizer state, and sends the updated range to every rank
 * (all-gather). Optimizer moments exist only as shards; parameters are replicated for the forward
 * and backward pass, and the rank's range is the master copy.
 *
 * <p>Checkpoints are global checkpoints of the job ({@link ParallelCheckpointer}): each rank saves its
 * shard of the parameters and of every optimizer state array as distributed float arrays, plus the
 * replicated state (optimizer step count, schedule, loader position, RNG offsets, step count,
 * metrics, and a manifest with the configuration fingerprint). With protocol {@code chandy-lamport}
 * the checkpoint is two-phase: {@link #checkpoint()} returns after the snapshot, the persist and the
 * global commit run in the background. A job restarted with another number of ranks reshards.
 *
 * <pre>{@code
 * try (Rank rank = Rank.join();
 *      RankTrainer t = new RankTrainer(rank, model, n -> new Adam(n), schedule, loader, new RngState(seed))) {
 *   t.run(() -> {                                  // restores the newest global checkpoint, re-runs after a rollback
 *     while (t.stepsDone() < steps) {
 *       t.step();                                   // collective
 *       if (t.stepsDone() % 50 == 0) t.checkpoint(); // collective
 *     }
 *   });
 * }
 * }</pre>
 */
public final class RankTrainer implements AutoCloseable {
  /** Called after each step on every rank (must not change the state). */
  public interface Listener {
    void afterStep(RankTrainer t, Trainer.Step s);
  }

  private static final int TAG_GRAD = 0x444C01;
  private static final int TAG_PARAMS = 0x444C02;
  private static final int FORMAT = 1;
  static final String MANIFEST = "dl.manifest";

  private final Rank rank;
  private final Comm comm;
  private final ParallelCheckpointer ck;
  private final Model model;
  private final Optimizer optimizer;
  private final LrSchedule schedule;
  private final DataLoader loader;
  private final RngState rng;
  private final Metrics metrics = new Metrics();
  private final long[] progress = new long[1];
  private final int size;
  private final int me;
  private final int batch;
  private final int[] plo;
  private final int[] phi;
  private final int[] slo;
  private final int[] shi;
  private final float[][] mine;
  private final float[][] part;
  private final double[] losses;
  private final float[] grad;
  private final DistributedFloatArray params;
  private final Model.Workspace workspace;
  private final List<Listener> listeners = new ArrayList<>();
  private final String fingerprint;
  private long lastGlobal;

  /**
   * A trainer for this rank. Every rank passes the same configuration (model initialised from the same
   * keys, same optimizer hyperparameters, schedule, loader and seed). {@code optimizer} makes the
   * optimizer for this rank's shard: it is called with the shard's length.
   */
  public RankTrainer(Rank rank, Model model, IntFunction<Optimizer> optimizer, LrSchedule schedule, DataLoader loader,
      RngState rng) {
    this.rank = Objects.requireNonNull(rank);
    this.comm = rank.comm();
    this.model = Objects.requireNonNull(model);
    this.schedule = Objects.requireNonNull(schedule);
    this.loader = Objects.requireNonNull(loader);
    this.rng = Objects.requireNonNull(rng);
    Trainer.checkFits(model, loader);
    this.size = comm.size();
    this.me = comm.rank();
    this.batch = loader.batchSize();
    int p = model.paramCount();
    plo = new int[size];
    phi = new int[size];
    slo = new int[size];
    shi = new int[size];
    for (int q = 0; q < size; q++) {
      long[] r = DistributedFloatArray.range(p, 1, q, size);
      plo[q] = (int) r[0];
      phi[q] = (int) r[1];
      slo[q] = (int) ((long) batch * q / size);
      shi[q] = (int) ((long) batch * (q + 1) / size);
    }
    int len = phi[me] - plo[me];
    this.optimizer = Objects.requireNonNull(optimizer.apply(len), "optimizer factory returned null");
    this.mine = new float[shi[me] - slo[me]][p];
    this.part = new float[batch][len];
    this.losses = new double[batch];
    this.grad = new float[len];
    this.workspace = model.workspace();
    this.fingerprint = Trainer.fingerprint(model, this.optimizer, schedule, loader);
    this.params = DistributedFloatArray.wrap(comm, "model.params", p, 1,
        Arrays.copyOfRange(model.params(), plo[me], phi[me]));
    this.ck = rank.checkpointer();
    ck.configuration("training " + fingerprint); // a run with another configuration is told so before any array is read
    ck.protect(MANIFEST, new Manifest());
    ck.protect(params);
    for (Map.Entry<String, float[]> e : this.optimizer.stateArrays().entrySet()) {
      if (e.getValue().length != len)
        throw new IllegalArgumentException("optimizer state array '" + e.getKey() + "' has " + e.getValue().length
            + " elements; the factory must size it for the rank's shard of " + len + " parameters");
      ck.protect(DistributedFloatArray.wrap(comm, "optimizer." + e.getKey(), p, 1, e.getValue()));
    }
    ck.protect("optimizer", this.optimizer).protect("schedule", schedule).protect("loader", loader).protect("rng", rng)
        .protect("progress", Trainer.progressOf(progress)).protect("metrics", metrics);
    // data-parallel: every rank holds the same copy of these, so a restart with another number of ranks takes old rank 0's
    for (String r : List.of(MANIFEST, "optimizer", "schedule", "loader", "rng", "progress", "metrics"))
      ck.reshard(r, Reshard.REPLICATED);
  }

  public Model model() { return model; }
  public Optimizer optimizer() { return optimizer; }
  public Metrics metrics() { return metrics; }
  public DataLoader loader() { return loader; }
  public Rank rank() { return rank; }

  /** Steps taken so far. */
  public long stepsDone() { return progress[0]; }

  /** The configuration that must be the same for a faithful resume (not the number of ranks). */
  public String fingerprint() {
    return fingerprint;
  }

  /** The parameter range {@code [lo, hi)} this rank owns (reduces, updates, checkpoints). */
  public int[] ownedRange() {
    return new int[]{plo[me], phi[me]};
  }

  public RankTrainer addListener(Listener l) {
    listeners.add(l);
    return this;
  }

  /**
   * Runs the training loop resiliently ({@link Rank#run}): restores the newest committed global
   * checkpoint (resharding when the number of ranks changed), rebuilds the replicated parameters from
   * the restored shards, and runs {@code body}; after a rank failure every rank rolls back and runs it
   * again. The body must start from {@link #stepsDone()}.
   */
  public void run(Runnable body) {
    rank.run(() -> {
      gatherParams();
      body.run();
    });
  }

  /** One training step (collective: every rank calls it). */
  public Trainer.Step step() {
    long s = progress[0];
    DataLoader.Batch b = loader.next();
    double lr = schedule.lr(s);
    long dropout = rng.advance("dropout");
    for (int i = slo[me]; i < shi[me]; i++) {
      float[] g = mine[i - slo[me]];
      Arrays.fill(g, 0f);
      losses[i] = workspace.lossAndGradient(b.inputs()[i], b.labels()[i], g, true, rng.keys(), dropout, i);
    }
    // reduce-scatter by parameter range: every rank gets all B slots of its range
    for (int q = 0; q < size; q++) if (q != me) comm.send(q, TAG_GRAD, slotMessage(q));
    for (int i = slo[me]; i < shi[me]; i++) System.arraycopy(mine[i - slo[me]], plo[me], part[i], 0, part[i].length);
    for (int q = 0; q < size; q++) if (q != me) readSlots(q, comm.recv(q, TAG_GRAD));
    Reduce.mean(part, batch, 0, grad.length, grad, 1f / batch);
    double loss = Reduce.sum(losses, batch) / batch;
    optimizer.update(params.local(), grad, lr);
    gatherParams();
    schedule.observe(s, loss);
    metrics.record(s, loss, lr, Trainer.hash(b.samples()));
    progress[0] = s + 1;
    Trainer.Step out = new Trainer.Step(s, loss, lr, b.samples());
    for (Listener l : listeners) l.afterStep(this, out);
    return out;
  }

  /** This rank's slot losses and their gradients over rank {@code q}'s parameter range. */
  private byte[] slotMessage(int q) {
    int n = shi[me] - slo[me], len = phi[q] - plo[q];
    ByteBuffer bb = ByteBuffer.allocate(8 * n + 4 * n * len);
    for (int i = slo[me]; i < shi[me]; i++) bb.putDouble(losses[i]);
    var fb = bb.asFloatBuffer();
    for (float[] g : mine) fb.put(g, plo[q], len);
    return bb.array();
  }

  private void readSlots(int q, Message m) {
    int n = shi[q] - slo[q], len = grad.length;
    ByteBuffer bb = ByteBuffer.wrap(m.data());
    if (bb.remaining() != 8 * n + 4 * n * len)
      throw new IllegalStateException("rank " + me + ": gradient message of " + bb.remaining() + " bytes from rank " + q
          + ", expected " + (8 * n + 4 * n * len)
          + " (do all ranks use the same model and batch size?)");
    for (int i = slo[q]; i < shi[q]; i++) losses[i] = bb.getDouble();
    var fb = bb.asFloatBuffer();
    for (int i = slo[q]; i < shi[q]; i++) fb.get(part[i], 0, len);
  }

  /**
   * All-gather: every rank's range of the parameters into the replicated {@code model.params()}. Each
   * message ends with the sender's checkpoint proposal (one byte), so agreeing on a checkpoint costs no
   * extra message.
   */
  private void gatherParams() {
    float[] own = params.local();
    boolean any = proposal;
    if (size > 1) {
      ByteBuffer bb = ByteBuffer.allocate(4 * own.length + 1);
      bb.asFloatBuffer().put(own);
      bb.put(4 * own.length, (byte) (proposal ? 1 : 0));
      byte[] msg = bb.array();
      for (int q = 0; q < size; q++) if (q != me) comm.send(q, TAG_PARAMS, msg);
    }
    float[] w = model.params();
    System.arraycopy(own, 0, w, plo[me], own.length);
    for (int q = 0; q < size; q++) {
      if (q == me) continue;
      byte[] d = comm.recv(q, TAG_PARAMS).data();
      int n = phi[q] - plo[q];
      if (d.length != 4 * n + 1)
        throw new IllegalStateException("rank " + me + ": parameter message of " + d.length + " bytes from rank " + q);
      ByteBuffer.wrap(d).asFloatBuffer().get(w, plo[q], n);
      any |= d[4 * n] != 0;
    }
    proposed = any;
    proposal = false;
  }

  private boolean proposal;
  private boolean proposed;

  /**
   * Proposes a checkpoint after the next step (each rank may, from its own measurements). The proposals
   * travel with the step's all-gather; after the step, {@link #checkpointProposed()} is the same on
   * every rank: whether any rank proposed one. No extra message, unlike {@link #anyRank}.
   */
  public void proposeCheckpoint(boolean yes) { this.proposal = yes; }

  /** Whether any rank proposed a checkpoint for the step just taken (identical on every rank). */
  public boolean checkpointProposed() {
    return proposed;
  }

  /**
   * Takes this rank's part of a global checkpoint of the whole training state (collective: every rank
   * calls it after the same step). With protocol {@code chandy-lamport} it returns after the snapshot
   * and the commit completes in the background; with {@code blocking}, once committed.
   *
   * @return the global version number
   */
  public long checkpoint() {
    lastGlobal = ck.checkpoint(progress[0]);
    return lastGlobal;
  }

  /** Waits until the last checkpoint is committed (e.g. before stopping a job that another will continue). */
  public void awaitCheckpoint() {
    if (lastGlobal > 0) ck.awaitCommitted(lastGlobal);
  }

  /** Whether the last checkpoint is committed (true when none was taken); does not wait. */
  public boolean checkpointCommitted() {
    return lastGlobal <= 0 || ck.isCommitted(lastGlobal);
  }

  /** The arrays this rank owns and checkpoints: its shard of the parameters, then its shards of the optimizer state. */
  public List<float[]> ownedArrays() {
    List<float[]> out = new ArrayList<>();
    out.add(params.local());
    out.addAll(optimizer.stateArrays().values());
    return out;
  }

  /** Whether any rank says {@code due} (collective): lets ranks with their own measurements agree on when to checkpoint. */
  public boolean anyRank(boolean due) {
    return comm.allreduceLong(due ? 1 : 0, Math::max) != 0;
  }

  /** The global version restored at the last (re)start (0: fresh start). */
  public long restoredGlobal() {
    return ck.restoredGlobal();
  }

  /** What the checkpoint says about itself; a restore into a differently configured run is refused with the difference. */
  private final class Manifest implements Checkpointable {
    @Override
    public void save(StateWriter out) { out.writeInt(FORMAT).writeString(fingerprint).writeInt(size); }

    @Override
    public void load(StateReader in) throws IOException {
      int format = in.readInt();
      if (format != FORMAT)
        throw new IOException(MANIFEST + ": training-state format " + format + ", this library reads " + FORMAT);
      String saved = in.readString();
      in.readInt(); // ranks that wrote it: resharding makes any count fit
      if (!fingerprint.equals(saved))
        throw new IOException(
            "training configuration differs: checkpoint has [" + saved + "], this run [" + fingerprint + "]");
    }
  }

  @Override
  public void close() { loader.close(); }
}
