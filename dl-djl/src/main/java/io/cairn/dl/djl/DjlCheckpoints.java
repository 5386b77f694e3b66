package io.cairn.dl.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListenerAdapter;
import ai.djl.training.optimizer.Adam;
import ai.djl.util.Pair;
import io.cairn.Checkpointable;
import io.cairn.Checkpointer;
import io.cairn.Metadata;
import io.cairn.StateReader;
import io.cairn.StateWriter;
import io.cairn.Version;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A DJL {@code TrainingListener} that checkpoints a DJL training run through Cairn and restores it.
 *
 * <p>Saved: every parameter of the block <em>by name</em> (DJL's parameter ids are random per run),
 * with its shape; Adam's first and second moments and update counts (by reflection, see
 * {@link AdamState}); the number of optimizer steps taken; and any extra {@link Checkpointable}
 * (e.g. Cairn's keyed {@code DataLoader}, so the data order resumes too).
 *
 * <p>DJL calls {@code onTrainingBatch} after the backward pass and before {@code trainer.step()}; the
 * listener counts those calls, so at call {@code c} the weights reflect {@code c - 1} steps and a
 * checkpoint taken there is resumed at that batch. The data source has already handed out that batch:
 * save it as of before the batch (for Cairn's loader: {@code extra("loader", loader.beforeLastBatch())}),
 * or the resume skips one batch.
 *
 * <pre>{@code
 * DjlCheckpoints ck = new DjlCheckpoints(checkpointer, block, adam, 10).extra("loader", loader.beforeLastBatch());
 * config.addTrainingListeners(ck);
 * Trainer trainer = model.newTrainer(config); trainer.initialize(shape);
 * long start = ck.restoreLatest().isPresent() ? ck.stepsDone() : 0;
 * }</pre>
 */
public final class DjlCheckpoints extends TrainingListenerAdapter {
  private final Checkpointer ck;
  private final Block block;
  private final Adam adam;
  private final AdamState reflect;
  private final int every;
  private long steps;

  /**
   * @param ck    the checkpointer (its regions: {@code djl.params}, {@code djl.adam}, {@code djl.progress}, extras)
   * @param block the model's block (initialised before a restore)
   * @param adam  the optimizer given to the training config
   * @param every checkpoint every this many optimizer steps (0: only when {@link #checkpoint()} is called)
   */
  public DjlCheckpoints(Checkpointer ck, Block block, Adam adam, int every) {
    this(ck, block, adam, every, true);
  }

  /** With {@code optimizerState == false} Adam's state is left out (only to show that it is needed). */
  DjlCheckpoints(Checkpointer ck, Block block, Adam adam, int every, boolean optimizerState) {
    this.ck = ck;
    this.block = block;
    this.adam = adam;
    this.every = every;
    this.reflect = new AdamState();
    ck.protect("djl.params", new Params());
    if (optimizerState) ck.protect("djl.adam", new AdamRegion());
    ck.protect("djl.progress", new Checkpointable() {
      @Override public void save(StateWriter out) { out.writeLong(steps); }
      @Override public void load(StateReader in) throws IOException { steps = in.readLong(); }
    });
  }

  /** Adds a user object (saved as {@code extra.<name>}). */
  public DjlCheckpoints extra(String name, Checkpointable object) {
    ck.protect("extra." + name, object);
    return this;
  }

  /** Optimizer steps taken (restored by {@link #restoreLatest()}). */
  public long stepsDone() { return steps; }

  @Override public void onTrainingBatch(Trainer trainer, BatchData batchData) {
    // called before trainer.step(): the state is that of `steps` completed updates
    if (every > 0 && steps > 0 && steps % every == 0) checkpoint();
    steps++;
  }

  /** Checkpoints now (the state of {@link #stepsDone()} completed steps). */
  public Version checkpoint() {
    return ck.checkpoint(Metadata.create().step(steps).label("djl")).await();
  }

  /** Restores the newest checkpoint into the (initialised) block and the optimizer; empty on a fresh start. */
  public Optional<Version> restoreLatest() { return ck.restoreLatest(); }

  private Map<String, Parameter> byName() {
    Map<String, Parameter> m = new LinkedHashMap<>();
    for (Pair<String, Parameter> p : block.getParameters()) m.put(p.getKey(), p.getValue());
    return m;
  }

  private static void writeShape(StateWriter out, Shape s) { out.writeLongs(s.getShape()); }

  /** Parameters by name: name, shape, values. */
  private final class Params implements Checkpointable {
    @Override public void save(StateWriter out) {
      Map<String, Parameter> ps = byName();
      out.writeInt(ps.size());
      for (var e : ps.entrySet()) {
        NDArray a = e.getValue().getArray();
        out.writeString(e.getKey());
        writeShape(out, a.getShape());
        out.writeFloats(a.toFloatArray());
      }
    }

    @Override public void load(StateReader in) throws IOException {
      Map<String, Parameter> ps = byName();
      int n = in.readInt();
      if (n != ps.size()) throw new IOException("djl.params: checkpoint has " + n + " parameters, the block " + ps.size());
      for (int i = 0; i < n; i++) {
        String name = in.readString();
        long[] shape = in.readLongs();
        float[] v = in.readFloats();
        Parameter p = ps.get(name);
        if (p == null) throw new IOException("djl.params: parameter '" + name + "' is not in the block (has " + ps.keySet() + ")");
        if (!p.isInitialized()) throw new IOException("djl.params: initialise the trainer before restoring ('" + name + "' has no array)");
        if (!new Shape(shape).equals(p.getArray().getShape()))
          throw new IOException("djl.params: '" + name + "' saved with shape " + new Shape(shape) + ", block has " + p.getArray().getShape());
        p.getArray().set(v);
      }
    }
  }

  /** Adam moments and update counts by parameter name (ids are mapped to names). */
  private final class AdamRegion implements Checkpointable {
    @Override public void save(StateWriter out) {
      Map<String, Parameter> ps = byName();
      Map<String, Map<Device, NDArray>> means = reflect.means(adam), vars = reflect.variances(adam);
      Map<String, Integer> counts = reflect.updateCounts(adam);
      out.writeInt(reflect.numUpdate(adam));
      out.writeInt(ps.size());
      for (var e : ps.entrySet()) {
        String id = e.getValue().getId();
        out.writeString(e.getKey());
        out.writeInt(counts.getOrDefault(id, -1));
        writeMoment(out, means.get(id));
        writeMoment(out, vars.get(id));
      }
    }

    private void writeMoment(StateWriter out, Map<Device, NDArray> m) {
      if (m == null || m.isEmpty()) {
        out.writeBoolean(false);
        return;
      }
      if (m.size() != 1) throw new IllegalStateException("DJL Adam state on " + m.size() + " devices: the adapter supports one device");
      NDArray a = m.values().iterator().next();
      out.writeBoolean(true);
      writeShape(out, a.getShape());
      out.writeFloats(a.toFloatArray());
    }

    @Override public void load(StateReader in) throws IOException {
      Map<String, Parameter> ps = byName();
      Map<String, Map<Device, NDArray>> means = reflect.means(adam), vars = reflect.variances(adam);
      Map<String, Integer> counts = reflect.updateCounts(adam);
      int num = in.readInt();
      int n = in.readInt();
      means.clear();
      vars.clear();
      counts.clear();
      for (int i = 0; i < n; i++) {
        String name = in.readString();
        Parameter p = ps.get(name);
        if (p == null) throw new IOException("djl.adam: parameter '" + name + "' is not in the block");
        int count = in.readInt();
        if (count >= 0) counts.put(p.getId(), count);
        readMoment(in, p, means);
        readMoment(in, p, vars);
      }
      reflect.setNumUpdate(adam, num);
    }

    private void readMoment(StateReader in, Parameter p, Map<String, Map<Device, NDArray>> into) throws IOException {
      if (!in.readBoolean()) return;
      Shape shape = new Shape(in.readLongs());
      float[] v = in.readFloats();
      NDArray w = p.getArray();
      if (!shape.equals(w.getShape())) throw new IOException("djl.adam: moment of '" + p.getName() + "' has shape " + shape + ", parameter " + w.getShape());
      NDArray a = w.zerosLike();
      a.set(v);
      a.detach(); // owned by the optimizer, as DJL's own withDefaultState does
      Map<Device, NDArray> m = new ConcurrentHashMap<>();
      m.put(w.getDevice(), a);
      into.put(p.getId(), m);
    }
  }
}
