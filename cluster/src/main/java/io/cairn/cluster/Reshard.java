package io.cairn.cluster;

/**
 * How a protected region that is not a {@link DistributedArray} is given to the ranks when a job restarts with
 * another number of ranks ({@link ParallelCheckpointer#reshard}). Cairn cannot guess it: a {@code long[]} may be a
 * value every rank holds alike (a step counter), one rank's own accounts, or a block of a larger array.
 */
public enum Reshard {
  /**
   * The default: the region is this rank's own state. A restart with another number of ranks is refused, naming
   * the region, rather than inventing state (copying old rank 0's value into every new rank would, e.g., create
   * money).
   */
  PER_RANK,
  /** Every rank holds the same value (a step counter, hyper-parameters): each new rank gets old rank 0's. */
  REPLICATED,
  /**
   * An array whose parts, in rank order, form one array of {@code T} elements (the sum of the old parts' lengths):
   * new rank {@code r} of {@code n} gets elements {@code DistributedArray.range(T, 1, r, n)}, and its array must
   * have exactly that length (else the restart is refused). Element type must match.
   */
  BLOCKS
}
