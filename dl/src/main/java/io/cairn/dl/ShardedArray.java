package io.cairn.dl;

import io.cairn.CairnException;
import io.cairn.Checkpointer;
import io.cairn.Metadata;
import io.cairn.Version;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A logical {@code float} array split into W contiguous shards, one per worker (as a ZeRO-style
 * optimizer splits its moments): each worker updates and checkpoints only its shard, as region
 * {@code <name>.shard-<i>-of-<W>}, and the layout goes into the checkpoint's metadata. A run with a
 * different worker count restores the saved layout and re-splits it ({@link #restoreResharded}).
 * Shard i covers {@code [N*i/W, N*(i+1)/W)}.
 */
public final class ShardedArray {
  private final String name;
  private final int length;
  private final float[][] shards;

  /** A zero array of {@code length} split into {@code workers} shards. */
  public ShardedArray(String name, int length, int workers) {
    if (!name.matches("[A-Za-z0-9._-]{1,100}"))
      throw new IllegalArgumentException("shard name '" + name + "': use letters, digits, '.', '_', '-'");
    if (length < 0 || workers < 1) throw new IllegalArgumentException("need length >= 0 and workers >= 1");
    this.name = name;
    this.length = length;
    this.shards = new float[workers][];
    for (int i = 0; i < workers; i++) shards[i] = new float[end(i) - start(i)];
  }

  /** Splits a full array. */
  public static ShardedArray of(String name, float[] full, int workers) {
    ShardedArray s = new ShardedArray(name, full.length, workers);
    s.scatter(full);
    return s;
  }

  public String name() { return name; }
  public int length() { return length; }
  public int workers() { return shards.length; }

  /** First index of shard {@code i}. */
  public int start(int i) { return (int) ((long) length * i / shards.length); }

  /** One past the last index of shard {@code i}. */
  public int end(int i) {
    return (int) ((long) length * (i + 1) / shards.length);
  }

  /** The live shard of worker {@code i}. */
  public float[] shard(int i) { return shards[i]; }

  /** The whole array, assembled. */
  public float[] gather() {
    float[] full = new float[length];
    for (int i = 0; i < shards.length; i++) System.arraycopy(shards[i], 0, full, start(i), shards[i].length);
    return full;
  }

  /** Overwrites the shards from a full array. */
  public void scatter(float[] full) {
    if (full.length != length)
      throw new IllegalArgumentException("array of " + full.length + " for a sharded array of " + length);
    for (int i = 0; i < shards.length; i++) System.arraycopy(full, start(i), shards[i], 0, shards[i].length);
  }

  private static String region(String name, int i, int w) { return name + ".shard-" + i + "-of-" + w; }

  private static String key(String name) { return "dl.shards." + name; }

  /** Protects every shard with {@code ck} (each worker's shard is its own region). */
  public ShardedArray protect(Checkpointer ck) {
    for (int i = 0; i < shards.length; i++) ck.protect(region(name, i, shards.length), shards[i]);
    return this;
  }

  /** Stops protecting the shards. */
  public void unprotect(Checkpointer ck) {
    for (int i = 0; i < shards.length; i++) ck.unprotect(region(name, i, shards.length));
  }

  /** Adds the layout to a checkpoint's metadata (needed by {@link #restoreResharded}). */
  public Metadata annotate(Metadata m) {
    return m.put(key(name), shards.length + ":" + length);
  }

  /**
   * Restores the newest version of {@code ck} into a new sharded array with {@code workers} shards,
   * whatever the worker count that saved it, and leaves the new shards protected (later checkpoints
   * use the new layout). Only the sharded arrays in {@code names} may be protected in {@code ck};
   * other regions must be protected (matching the checkpoint) before the call.
   *
   * @return the arrays, in the order of {@code names}; empty on a fresh start
   */
  public static Optional<List<ShardedArray>> restoreResharded(Checkpointer ck, List<String> names, int workers) {
    List<Version> vs = ck.versions();
    if (vs.isEmpty()) return Optional.empty();
    Version latest = vs.getLast();
    ShardedArray[] saved = new ShardedArray[names.size()];
    for (int k = 0; k < names.size(); k++) {
      String layout = latest.metadata().get(key(names.get(k)));
      if (layout == null)
        throw new CairnException(
            "version " + latest.number() + " has no shard layout for '" + names.get(k) + "' (metadata key "
                + key(names.get(k)) + "); it was not saved with ShardedArray.annotate");
      String[] p = layout.split(":");
      saved[k] = new ShardedArray(names.get(k), Integer.parseInt(p[1]), Integer.parseInt(p[0]));
      saved[k].protect(ck);
    }
    ck.restore(latest.number());
    ShardedArray[] out = new ShardedArray[names.size()];
    for (int k = 0; k < names.size(); k++) {
      saved[k].unprotect(ck);
      out[k] = of(names.get(k), saved[k].gather(), workers).protect(ck);
    }
    return Optional.of(Arrays.asList(out));
  }
}
