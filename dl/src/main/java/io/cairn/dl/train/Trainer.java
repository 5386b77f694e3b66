package io.cairn.dl.train;

import io.cairn.dl.data.DataLoader;
import io.cairn.dl.nn.LrSchedule;
import io.cairn.dl.nn.Model;
import io.cairn.dl.nn.Optimizer;
import io.cairn.dl.rng.RngState;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Data-parallel training with a result that does not depend on the number of workers.
 *
 * <p>Each step: the loader gives a batch of B samples; W worker threads compute the loss and the
 * gradient of each sample into its own slot (worker w takes slots w, w+W, ...); the B slot gradients
 * are summed by a fixed binary tree keyed by slot index (slot i += slot i+s for s = 1, 2, 4, ...),
 * split across workers by parameter range; the optimizer then updates the weights. Since every
 * floating-point operation and its order are fixed by the slot index, the weights are bit-identical
 * for W = 1, 2, 4, 8, and across a change of W at a restart. Dropout masks are keyed by
 * (seed, layer, dropout offset, slot), never by worker.
 */
public final class Trainer implements AutoCloseable {
  /** Result of one step. */
  public record Step(long step, double loss, double lr, int[] samples) {}

  /** Called after each step (e.g. extra logging during a replay; must not change the state). */
  public interface Listener {
    void afterStep(Trainer t, Step s);
  }

  private final Model model;
  private final Optimizer optimizer;
  private final LrSchedule schedule;
  private final DataLoader loader;
  private final RngState rng;
  private final Metrics metrics = new Metrics();
  private final long[] progress = new long[1];
  private final float[][] slots;
  private final float[] grad;
  private final double[] losses;
  private int workers;
  private ExecutorService pool;
  private final List<Model.Workspace> spaces = new ArrayList<>();
  private final List<Listener> listeners = new ArrayList<>();

  public Trainer(Model model, Optimizer optimizer, LrSchedule schedule, DataLoader loader, RngState rng, int workers) {
    this.model = Objects.requireNonNull(model);
    this.optimizer = Objects.requireNonNull(optimizer);
    this.schedule = Objects.requireNonNull(schedule);
    this.loader = Objects.requireNonNull(loader);
    this.rng = Objects.requireNonNull(rng);
    checkFits(model, loader);
    int b = loader.batchSize();
    this.slots = new float[b][model.paramCount()];
    this.grad = new float[model.paramCount()];
    this.losses = new double[b];
    setWorkers(workers);
  }

  /** Changes the number of worker threads (any time between steps; the results do not change). */
  public void setWorkers(int w) {
    if (w < 1 || w > 1024) throw new IllegalArgumentException("workers must be in 1..1024, got " + w);
    if (pool != null) pool.shutdownNow();
    this.workers = w;
    this.pool = w == 1
        ? null
        : Executors.newFixedThreadPool(w, Thread.ofPlatform().name("cairn-dl-worker-", 0).daemon(true).factory());
    spaces.clear();
    for (int i = 0; i < w; i++) spaces.add(model.workspace());
  }

  public int workers() { return workers; }
  public Model model() { return model; }
  public Optimizer optimizer() { return optimizer; }
  public LrSchedule schedule() { return schedule; }
  public DataLoader loader() { return loader; }
  public RngState rng() { return rng; }
  public Metrics metrics() { return metrics; }

  /** Steps taken so far. */
  public long stepsDone() { return progress[0]; }

  /** The step count as a checkpointable object (part of the training state). */
  public io.cairn.Checkpointable progress() {
    return progressOf(progress);
  }

  /** {@code progress[0]}, the step count, as a checkpointable object. */
  static io.cairn.Checkpointable progressOf(long[] progress) {
    return new io.cairn.Checkpointable() {
      @Override
      public void save(io.cairn.StateWriter out) { out.writeLong(progress[0]); }
      @Override
      public void load(io.cairn.StateReader in) throws java.io.IOException {
        long s = in.readLong();
        if (s < 0) throw new java.io.IOException("progress: negative step " + s);
        progress[0] = s;
      }
    };
  }

  /** Refuses a loader whose samples do not fit the model. */
  static void checkFits(Model model, DataLoader loader) {
    if (loader.dataset().inputSize() != model.inputSize())
      throw new IllegalArgumentException(
          "dataset gives " + loader.dataset().inputSize() + " inputs, model takes " + model.inputSize());
    if (loader.dataset().classes() > model.classes())
      throw new IllegalArgumentException(
          "dataset has " + loader.dataset().classes() + " classes, model outputs " + model.classes());
  }

  /** The configuration that must be the same for a faithful resume. */
  static String fingerprint(Model model, Optimizer optimizer, LrSchedule schedule, DataLoader loader) {
    return model.describe() + "|" + optimizer.describe() + "|" + schedule.describe() + "|" + loader.describe();
  }

  public Trainer addListener(Listener l) {
    listeners.add(l);
    return this;
  }

  /** The configuration that must be the same for a faithful resume (not the worker count). */
  public String fingerprint() {
    return fingerprint(model, optimizer, schedule, loader);
  }

  /** Runs one training step. */
  public Step step() {
    long s = progress[0];
    DataLoader.Batch batch = loader.next();
    double lr = schedule.lr(s);
    long dropout = rng.advance("dropout");
    int b = batch.samples().length;
    parallel(w -> {
      Model.Workspace ws = spaces.get(w);
      for (int i = w; i < b; i += workers) {
        float[] g = slots[i];
        java.util.Arrays.fill(g, 0f);
        losses[i] = ws.lossAndGradient(batch.inputs()[i], batch.labels()[i], g, true, rng.keys(), dropout, i);
      }
    });
    // fixed-order tree reduction of the slot gradients, split by parameter range
    int p = grad.length;
    float inv = 1f / b;
    parallel(
        w -> Reduce.mean(slots, b, (int) ((long) p * w / workers), (int) ((long) p * (w + 1) / workers), grad, inv));
    double loss = Reduce.sum(losses, b) / b;
    optimizer.update(model.params(), grad, lr);
    schedule.observe(s, loss);
    metrics.record(s, loss, lr, hash(batch.samples()));
    progress[0] = s + 1;
    Step out = new Step(s, loss, lr, batch.samples());
    for (Listener l : listeners) l.afterStep(this, out);
    return out;
  }

  /** Accuracy of the current weights on the first {@code n} samples of the dataset (no dropout). */
  public double accuracy(int n) {
    var data = loader.dataset();
    n = Math.min(n, data.size());
    float[] x = new float[data.inputSize()];
    Model.Workspace ws = model.workspace();
    int ok = 0;
    for (int i = 0; i < n; i++) {
      int label = data.get(i, x);
      if (ws.predict(x, rng.keys()) == label) ok++;
    }
    return (double) ok / n;
  }

  private interface Work { void run(int worker); }

  private void parallel(Work work) {
    if (pool == null) {
      work.run(0);
      return;
    }
    List<Future<?>> fs = new ArrayList<>(workers);
    for (int w = 0; w < workers; w++) {
      int id = w;
      fs.add(pool.submit(() -> work.run(id)));
    }
    for (Future<?> f : fs) {
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted during a training step", e);
      } catch (ExecutionException e) {
        throw new IllegalStateException("a worker failed in step " + progress[0] + ": " + e.getCause(), e.getCause());
      }
    }
  }

  static long hash(int[] samples) {
    long h = 0xcbf29ce484222325L;
    for (int s : samples) {
      for (int k = 0; k < 4; k++) {
        h ^= (s >>> (8 * k)) & 0xFF;
        h *= 0x100000001b3L;
      }
    }
    return h;
  }

  @Override
  public void close() {
    if (pool != null) pool.shutdownNow();
    loader.close();
  }
}
