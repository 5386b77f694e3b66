package io.cairn.dl.train;

import io.cairn.Checkpointable;
import io.cairn.StateReader;
import io.cairn.StateWriter;
import java.io.IOException;
import java.util.Arrays;

/**
 * Per-step history of a run: loss, learning rate and a hash of the samples seen (their dataset
 * indices in batch order). Saved with the training state so a resumed run has the whole history.
 */
public final class Metrics implements Checkpointable {
  private double[] loss = new double[64];
  private double[] lr = new double[64];
  private long[] samples = new long[64];
  private int n;

  void record(long step, double l, double rate, long sampleHash) {
    if (step != n) throw new IllegalStateException("metrics: step " + step + " recorded after " + n + " steps");
    if (n == loss.length) {
      loss = Arrays.copyOf(loss, n * 2);
      lr = Arrays.copyOf(lr, n * 2);
      samples = Arrays.copyOf(samples, n * 2);
    }
    loss[n] = l;
    lr[n] = rate;
    samples[n] = sampleHash;
    n++;
  }

  public int size() { return n; }
  public double[] losses() { return Arrays.copyOf(loss, n); }
  public double[] learningRates() { return Arrays.copyOf(lr, n); }
  /** Per step, a 64-bit FNV-1a hash of the dataset indices of the batch, in order. */
  public long[] sampleHashes() {
    return Arrays.copyOf(samples, n);
  }

  /** A 64-bit FNV-1a hash over the bits of every step's loss, learning rate and sample hash: two runs with the same history have the same value. */
  public long historyHash() {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < n; i++) {
      for (long v : new long[]{Double.doubleToRawLongBits(loss[i]), Double.doubleToRawLongBits(lr[i]), samples[i]}) {
        h ^= v;
        h *= 0x100000001b3L;
      }
    }
    return h;
  }

  @Override
  public void save(StateWriter out) {
    out.writeDoubles(losses()).writeDoubles(learningRates()).writeLongs(sampleHashes());
  }

  @Override
  public void load(StateReader in) throws IOException {
    double[] l = in.readDoubles(), r = in.readDoubles();
    long[] s = in.readLongs();
    if (l.length != r.length || l.length != s.length)
      throw new IOException("metrics: history arrays of different lengths");
    n = l.length;
    loss = Arrays.copyOf(l, Math.max(64, n));
    lr = Arrays.copyOf(r, Math.max(64, n));
    samples = Arrays.copyOf(s, Math.max(64, n));
  }
}
