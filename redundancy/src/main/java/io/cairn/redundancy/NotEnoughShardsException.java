package io.cairn.redundancy;

import io.cairn.CairnException;
import java.util.List;

/** More shards are missing than the code can rebuild. */
public final class NotEnoughShardsException extends CairnException {
  private final List<Integer> missing;

  NotEnoughShardsException(int k, int m, List<Integer> missing) {
    super(missing.size() + " of " + (k + m) + " shards are missing (" + missing + "), but RS(" + k + "+" + m
        + ") can rebuild at most " + m);
    this.missing = List.copyOf(missing);
  }

  /** Indices of the missing shards (data first, then parity). */
  public List<Integer> missing() { return missing; }
}
