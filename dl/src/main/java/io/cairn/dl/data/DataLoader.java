package io.cairn.dl.data;

import io.cairn.Checkpointable;
import io.cairn.StateReader;
import io.cairn.StateWriter;
import io.cairn.dl.rng.Keys;
import io.cairn.dl.rng.Stream;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Batches from a {@link Dataset} in a fresh random order every epoch (drop-last), with optional
 * augmentation (additive noise) and a background prefetch of {@code prefetch} batches.
 *
 * <p>Its checkpointed state is the <em>consumed</em> position: {@code (epoch, index within the epoch,
 * permutation key)}, plus the prefetch depth for checking. The permutation of an epoch comes from the
 * keyed stream {@code (seed, "shuffle", epoch, 0, 0)} and the prefetched batches are pure functions of
 * their positions, so both are regenerated on restore instead of saved: a restart neither repeats nor
 * skips a sample. (Saving the <em>producer</em> position instead would skip the prefetched batches.)
 */
public final class DataLoader implements Checkpointable, AutoCloseable {
  /** One batch: dataset indices, inputs [batch][inputSize], labels, and the position it was taken from. */
  public record Batch(long epoch, int index, int[] samples, float[][] inputs, int[] labels) {}

  private final Dataset data;
  private final int batch;
  private final int prefetch;
  private final double augmentNoise;
  private Keys keys;
  private long epoch;
  private int index;
  private int[] perm;
  private long permEpoch = -1;
  private final ArrayDeque<CompletableFuture<Batch>> queue = new ArrayDeque<>();
  private long nextEpoch;
  private int nextIndex;
  private long lastEpoch;
  private int lastIndex;
  private final ExecutorService producer;

  public DataLoader(Dataset data, int batchSize, long seed, int prefetch, double augmentNoise) {
    if (batchSize < 1 || batchSize > data.size())
      throw new IllegalArgumentException("batch size " + batchSize + " must be in 1.." + data.size());
    if (prefetch < 0) throw new IllegalArgumentException("prefetch must be >= 0");
    this.data = data;
    this.batch = batchSize;
    this.prefetch = prefetch;
    this.augmentNoise = augmentNoise;
    this.keys = new Keys(seed);
    this.producer = prefetch == 0
        ? null
        : Executors.newSingleThreadExecutor(Thread.ofPlatform().name("cairn-dl-prefetch").daemon(true).factory());
  }

  public int batchSize() { return batch; }
  public int batchesPerEpoch() { return data.size() / batch; }
  public Dataset dataset() { return data; }
  public long epoch() { return epoch; }
  public int index() { return index; }
  public long seed() { return keys.seed(); }

  /** Configuration for the fingerprint. */
  public String describe() {
    return "loader(" + data.describe() + ",batch=" + batch + ",augment=" + augmentNoise + ")";
  }

  /** The next batch; advances the consumed position. */
  public Batch next() {
    lastEpoch = epoch;
    lastIndex = index;
    Batch b;
    if (producer == null) {
      b = make(epoch, index);
    } else {
      while (queue.size() < prefetch + 1) enqueue();
      try {
        b = queue.poll().get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for a prefetched batch", e);
      } catch (ExecutionException e) {
        throw new IllegalStateException("prefetching batch failed: " + e.getCause(), e.getCause());
      }
      if (b.epoch() != epoch || b.index() != index)
        throw new IllegalStateException(
            "prefetch out of order: got " + b.epoch() + "/" + b.index() + ", expected " + epoch + "/" + index);
      enqueue();
    }
    index += batch;
    if (index + batch > data.size()) {
      epoch++;
      index = 0;
    }
    return b;
  }

  private void enqueue() {
    if (queue.isEmpty()) { nextEpoch = epoch; nextIndex = index; }
    long e = nextEpoch;
    int i = nextIndex;
    queue.add(CompletableFuture.supplyAsync(() -> make(e, i), producer));
    nextIndex += batch;
    if (nextIndex + batch > data.size()) { nextEpoch++; nextIndex = 0; }
  }

  private synchronized int[] permutation(long e) {
    if (permEpoch != e) {
      perm = keys.stream("shuffle", e, 0, 0).permutation(data.size());
      permEpoch = e;
    }
    return perm;
  }

  /** The batch at a position: a pure function of (seed, epoch, index). */
  private Batch make(long e, int i) {
    int[] p = permutation(e);
    int[] samples = new int[batch];
    float[][] xs = new float[batch][data.inputSize()];
    int[] labels = new int[batch];
    for (int k = 0; k < batch; k++) {
      int s = p[i + k];
      samples[k] = s;
      labels[k] = data.get(s, xs[k]);
      if (augmentNoise > 0) {
        Stream a = keys.stream("augment", e, 0, s);
        for (int j = 0; j < xs[k].length; j++) xs[k][j] += (float) (augmentNoise * a.normal());
      }
    }
    return new Batch(e, i, samples, xs, labels);
  }

  private void dropPrefetched() {
    for (CompletableFuture<Batch> f : queue) f.cancel(false);
    queue.clear();
  }

  @Override
  public void save(StateWriter out) { save(out, epoch, index); }

  private void save(StateWriter out, long e, int i) {
    out.writeLong(keys.seed()).writeLong(e).writeInt(i).writeInt(batch).writeInt(data.size()).writeInt(prefetch);
  }

  /**
   * This loader as of <em>before</em> the batch last returned by {@link #next()}: for frameworks that
   * checkpoint after drawing a batch and before applying its update (DJL calls its listeners there),
   * so a resume trains that batch again instead of skipping it. Loads like the loader itself.
   */
  public Checkpointable beforeLastBatch() {
    DataLoader self = this;
    return new Checkpointable() {
      @Override
      public void save(StateWriter out) { self.save(out, lastEpoch, lastIndex); }
      @Override
      public void load(StateReader in) throws IOException { self.load(in); }
    };
  }

  @Override
  public void load(StateReader in) throws IOException {
    long seed = in.readLong();
    long e = in.readLong();
    int i = in.readInt();
    int b = in.readInt(), n = in.readInt();
    in.readInt(); // prefetch depth: not replay-relevant (batches are regenerated)
    if (b != batch || n != data.size())
      // a refusal (another configuration), not damage: not counted against the checkpoint, no fallback to older versions
      throw new io.cairn.StateMismatchException(-1,
          java.util.List.of("data loader: checkpoint has batch " + b + " over " + n
              + " samples, this run " + batch + " over " + data.size()));
    dropPrefetched();
    keys = new Keys(seed);
    permEpoch = -1;
    epoch = e;
    index = i;
    lastEpoch = e;
    lastIndex = i;
  }

  @Override
  public void close() {
    dropPrefetched();
    if (producer != null) producer.shutdownNow();
  }
}
