package io.cairn.cluster;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.function.DoubleBinaryOperator;
import java.util.function.LongBinaryOperator;

/**
 * The communicator of a parallel job: point-to-point messages with tags between ranks, and a few
 * collectives built on them (barrier, broadcast, all-reduce). Every message goes through Cairn, so
 * the checkpoint protocols see it. Channels are FIFO per pair of ranks. Use it from one thread per
 * rank, inside {@link Rank#run}; any call throws {@link RollbackException} when the job must roll back.
 *
 * <pre>{@code
 * Comm comm = rank.comm();
 * if (comm.rank() > 0) comm.sendDoubles(comm.rank() - 1, TAG_HALO, u, 0, n);
 * double[] halo = comm.recvDoubles(comm.rank() + 1, TAG_HALO);
 * double norm = comm.allreduceDouble(local, Double::sum);
 * }</pre>
 */
public final class Comm {
  /** Receive from any rank. */
  public static final int ANY_SOURCE = -1;
  /** Receive any application tag (>= 0). */
  public static final int ANY_TAG = -1;
  private static final int TAG_BARRIER = -2;
  private static final int TAG_BCAST = -3;
  private static final int TAG_REDUCE = -4;

  private final Endpoint ep;
  private final String node;

  Comm(Endpoint ep, String node) {
    this.ep = ep;
    this.node = node;
  }

  /** This rank, 0..size-1. */
  public int rank() { return ep.rank; }

  /** Number of ranks in the job. */
  public int size() { return ep.size; }

  /** The node (failure domain) this rank runs on. */
  public String node() { return node; }

  private static void checkTag(int tag) {
    if (tag < 0) throw new IllegalArgumentException("application tags must be >= 0, got " + tag);
  }

  /** Sends {@code data} to rank {@code dest}; returns once handed to the channel. */
  public void send(int dest, int tag, byte[] data) {
    checkTag(tag);
    ep.send(dest, tag, data);
  }

  /** Receives the next message from {@code source} (or {@link #ANY_SOURCE}) with {@code tag} (or {@link #ANY_TAG}); blocks. */
  public Message recv(int source, int tag) {
    if (tag < ANY_TAG) throw new IllegalArgumentException("bad tag " + tag);
    return ep.recv(source, tag, true);
  }

  /** Like {@link #recv} but returns at once, empty when no matching message has arrived. */
  public Optional<Message> poll(int source, int tag) {
    if (tag < ANY_TAG) throw new IllegalArgumentException("bad tag " + tag);
    return Optional.ofNullable(ep.recv(source, tag, false));
  }

  public void sendDoubles(int dest, int tag, double[] a, int offset, int length) {
    ByteBuffer b = ByteBuffer.allocate(length * 8);
    b.asDoubleBuffer().put(a, offset, length);
    send(dest, tag, b.array());
  }

  public double[] recvDoubles(int source, int tag) {
    byte[] d = recv(source, tag).data();
    double[] a = new double[d.length / 8];
    ByteBuffer.wrap(d).asDoubleBuffer().get(a);
    return a;
  }

  public void sendLong(int dest, int tag, long v) {
    send(dest, tag, ByteBuffer.allocate(8).putLong(v).array());
  }

  public static long asLong(Message m) { return ByteBuffer.wrap(m.data()).getLong(); }

  /** Returns once every rank called it. */
  public void barrier() {
    int me = rank();
    if (me == 0) {
      for (int r = 1; r < size(); r++) ep.recv(r, TAG_BARRIER, true);
      for (int r = 1; r < size(); r++) ep.send(r, TAG_BARRIER, new byte[0]);
    } else {
      ep.send(0, TAG_BARRIER, new byte[0]);
      ep.recv(0, TAG_BARRIER, true);
    }
  }

  /** The root's {@code data} on every rank (others pass anything, e.g. null). */
  public byte[] broadcast(int root, byte[] data) {
    if (rank() == root) {
      for (int r = 0; r < size(); r++) if (r != root) ep.send(r, TAG_BCAST, data);
      return data.clone();
    }
    return ep.recv(root, TAG_BCAST, true).data();
  }

  /** Combines one value per rank, in rank order (so floating-point results are the same on every run), on every rank. */
  public long allreduceLong(long value, LongBinaryOperator op) {
    if (rank() != 0) {
      ep.send(0, TAG_REDUCE, ByteBuffer.allocate(8).putLong(value).array());
      return ByteBuffer.wrap(ep.recv(0, TAG_REDUCE, true).data()).getLong();
    }
    long acc = value;
    for (int r = 1; r < size(); r++)
      acc = op.applyAsLong(acc, ByteBuffer.wrap(ep.recv(r, TAG_REDUCE, true).data()).getLong());
    byte[] out = ByteBuffer.allocate(8).putLong(acc).array();
    for (int r = 1; r < size(); r++) ep.send(r, TAG_REDUCE, out);
    return acc;
  }

  /** Combines one value per rank, in rank order, on every rank. */
  public double allreduceDouble(double value, DoubleBinaryOperator op) {
    return Double.longBitsToDouble(allreduceLong(Double.doubleToRawLongBits(value),
        (a, b) -> Double
            .doubleToRawLongBits(op.applyAsDouble(Double.longBitsToDouble(a), Double.longBitsToDouble(b)))));
  }

  /**
   * The failure domains of each rank, indexed by rank: always {@code node}, plus what the job gave for the
   * rank's node ({@code cairn launch --domain} / {@code --domains-file}, or {@code CAIRN_DOMAINS} / the
   * {@code CAIRN_CLUSTER_DOMAINS} file under srun), e.g. {@code rack}, {@code switch}, {@code power}. Known
   * inside {@link Rank#run}. The redundancy levels place copies and sets by this table.
   */
  public List<java.util.Map<String, String>> domains() { return ep.domains(); }

  /**
   * The levels of {@link #domains()}, largest first (the node, always the smallest, is not listed): as
   * declared ({@code --domain-levels}, {@code CAIRN_DOMAIN_LEVELS} or the domains file's {@code levels}),
   * else inferred: a level with fewer distinct names over the job's ranks is larger, ties by name. Empty
   * without domains; known inside {@link Rank#run}.
   */
  public List<String> domainLevels() { return ep.domainLevels(); }

  /** The node each rank runs on, indexed by rank (known once the job runs, inside {@link Rank#run}). */
  public List<String> nodes() {
    return ep.nodes();
  }
}
