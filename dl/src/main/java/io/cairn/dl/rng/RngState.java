package io.cairn.dl.rng;

import io.cairn.Checkpointable;
import io.cairn.StateReader;
import io.cairn.StateWriter;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * The random-number state of a training run that must be saved: the root seed (the key of every
 * stream) and one offset counter per purpose that is not indexed by the step, e.g. the dropout
 * offset that advances once per step (the analogue of PyTorch's Philox {@code (seed, offset)}).
 * Everything else (the position inside a stream, per-sample streams) is regenerated from these.
 */
public final class RngState implements Checkpointable {
  private Keys keys;
  private final TreeMap<String, Long> counters = new TreeMap<>();

  public RngState(long seed) { this.keys = new Keys(seed); }

  public Keys keys() { return keys; }

  /** The current offset of {@code purpose} (0 at the start). */
  public long counter(String purpose) {
    return counters.getOrDefault(purpose, 0L);
  }

  /** Returns the current offset of {@code purpose} and advances it by one. */
  public long advance(String purpose) {
    long c = counter(purpose);
    counters.put(purpose, c + 1);
    return c;
  }

  public Map<String, Long> counters() { return Map.copyOf(counters); }

  @Override
  public void save(StateWriter out) {
    out.writeLong(keys.seed());
    out.writeInt(counters.size());
    for (var e : counters.entrySet()) out.writeString(e.getKey()).writeLong(e.getValue());
  }

  @Override
  public void load(StateReader in) throws IOException {
    keys = new Keys(in.readLong());
    counters.clear();
    int n = in.readInt();
    if (n < 0 || n > 1 << 16) throw new IOException("rng state: bad counter count " + n);
    for (int i = 0; i < n; i++) counters.put(in.readString(), in.readLong());
  }
}
