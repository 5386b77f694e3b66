package io.cairn.cluster.internal;

import java.io.IOException;
import java.util.function.BooleanSupplier;

/**
 * A transport for the communicator's frames other than Cairn's own TCP channels (today: MPI). A frame is
 * what the TCP channel carries (type, tag, aux, payload) plus the epoch it was sent in. The wire must keep
 * the frames of one sender to one receiver in send order (the checkpoint protocols rely on FIFO channels).
 * Frames to the sending rank itself never reach the wire.
 */
public interface Wire extends AutoCloseable {
  /** Where received frames go (called from the wire's receiving thread, in arrival order per source). */
  interface Receiver {
    void frame(int source, long epoch, byte type, int tag, long aux, byte[] data);
  }

  /** Starts delivering received frames to {@code receiver}. */
  void start(Receiver receiver);

  /**
   * Sends one frame and returns once it was handed over (the payload may be reused). {@code abandon} is polled
   * while the send waits: when it says true the send gives up with an {@link IOException}.
   */
  void send(int dest, long epoch, byte type, int tag, long aux, byte[] data, BooleanSupplier abandon)
      throws IOException;

  /** A short name for logs and errors ("mpi"). */
  String name();

  /**
   * Stops receiving and shuts the transport down. {@code clean}: the job finished and every rank closes it
   * (may be collective); otherwise this process is about to exit after a failure.
   */
  void close(boolean clean);

  @Override
  default void close() { close(true); }
}
