package io.cairn.cluster.internal.mpi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import io.cairn.cluster.internal.Wire;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * The communicator's frames over MPI. Cairn takes a communicator of its own ({@code MPI_Comm_dup} of
 * {@code MPI_COMM_WORLD}), so nothing the program itself might send over MPI can match Cairn's messages, and
 * sends every frame with the one tag {@link #TAG}. A frame is one MPI message of bytes: a 21-byte header
 * (type, Cairn tag, aux, epoch) and the payload.
 *
 * <p>FIFO: one thread of this process receives, always with {@code MPI_ANY_SOURCE} and {@code MPI_ANY_TAG} on
 * Cairn's communicator ({@code MPI_Improbe} + {@code MPI_Mrecv}). Two messages of one sender to this rank
 * therefore both match the same receive, and MPI's non-overtaking rule (MPI 4.0, 3.5) says the first is
 * matched first: each channel delivers data and markers in send order, which both checkpoint protocols need.
 *
 * <p>Threads: MPI is initialized with {@code MPI_THREAD_SERIALIZED} (at least), and every MPI call of this
 * process goes through one lock. Sends are {@code MPI_Isend} polled with {@code MPI_Test} (the lock is
 * released between polls), so a large send waiting for its receiver never keeps this process's receiving
 * thread away from MPI. The receiving thread polls ({@code MPI_Improbe}); after a message or a send it keeps
 * polling (yielding the CPU) for {@link #SPIN_NANOS}, then sleeps between polls, up to
 * {@code CAIRN_MPI_POLL_US} (default 200 us): ranks oversubscribing the cores do not burn them while idle.
 */
public final class MpiWire implements Wire {
  /** The MPI tag of every Cairn frame, on Cairn's own communicator. */
  public static final int TAG = 0xCA1;
  static final int HEADER = 1 + 4 + 8 + 8;
  static final long SPIN_NANOS = 300_000;
  private static final ValueLayout.OfInt INT = JAVA_INT.withOrder(ByteOrder.BIG_ENDIAN).withByteAlignment(1);
  private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG.withOrder(ByteOrder.BIG_ENDIAN)
      .withByteAlignment(1);

  private static MpiWire opened;

  private final Mpi mpi;
  private final MemorySegment comm;
  private final int rank;
  private final int size;
  private final int provided;
  private final long maxSleepNanos;
  private final ReentrantLock lock = new ReentrantLock();
  private volatile boolean stopping;
  private volatile long lastActivity = System.nanoTime();
  private Thread receiver;
  private volatile boolean closed;

  private MpiWire(Mpi mpi, int provided, long maxSleepNanos) {
    this.mpi = mpi;
    this.provided = provided;
    this.maxSleepNanos = maxSleepNanos;
    this.comm = mpi.dup(mpi.commWorld);
    this.rank = mpi.rank(comm);
    this.size = mpi.size(comm);
  }

  /**
   * Initializes MPI in this process (once: MPI cannot be initialized twice) with at least
   * {@code MPI_THREAD_SERIALIZED}, and checks that MPI's rank and size are the ones the environment gave.
   *
   * @param expectedRank the rank from the environment ({@code OMPI_COMM_WORLD_RANK}, ...)
   * @param expectedSize the job size from the environment
   * @param pollMicros   the longest sleep of the receiving thread between polls
   */
  public static synchronized MpiWire open(int expectedRank, int expectedSize, long pollMicros) {
    if (opened != null)
      throw new IllegalStateException("MPI is already in use by this process (one rank per process under mpirun)");
    Mpi mpi = Mpi.get();
    if (mpi.initialized())
      throw new IllegalStateException(
          "MPI was initialized by someone else in this process; Cairn initializes it itself");
    int provided = mpi.initThread(Mpi.THREAD_SERIALIZED);
    if (provided < Mpi.THREAD_SERIALIZED) {
      throw new IllegalStateException("this MPI library provides thread level " + provided
          + " but Cairn needs MPI_THREAD_SERIALIZED (2): its receiving thread and the rank's thread both call MPI");
    }
    MpiWire w = new MpiWire(mpi, provided, Math.max(1, pollMicros) * 1000);
    if (w.rank != expectedRank || w.size != expectedSize) {
      throw new IllegalStateException(
          "MPI says this is rank " + w.rank + " of " + w.size + " but the environment says rank "
              + expectedRank + " of " + expectedSize
              + " (CAIRN_RANK/SLURM_PROCID/OMPI_COMM_WORLD_RANK from another launch?)");
    }
    opened = w;
    return w;
  }

  public int rank() { return rank; }

  public int size() { return size; }

  /** The thread level MPI provides. */
  public int threadLevel() { return provided; }

  @Override
  public String name() { return "mpi"; }

  /**
   * Broadcasts a short string from rank 0 to every rank (collective; before {@link #start}). Start-up uses it
   * to hand every rank what rank 0 set up (the coordinator's address), instead of a file in the job directory.
   */
  public String broadcast(String value) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment len = a.allocate(JAVA_INT);
      byte[] b = rank == 0 ? value.getBytes(StandardCharsets.UTF_8) : null;
      if (rank == 0) len.set(JAVA_INT, 0, b.length);
      lock.lock();
      try {
        mpi.bcast(len, 4, 0, comm);
        int n = len.get(JAVA_INT, 0);
        MemorySegment buf = a.allocate(Math.max(1, n));
        if (rank == 0) MemorySegment.copy(b, 0, buf, JAVA_BYTE, 0, n);
        mpi.bcast(buf, n, 0, comm);
        return new String(buf.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
      } finally {
        lock.unlock();
      }
    }
  }

  @Override
  public void start(Receiver r) {
    receiver = Thread.ofPlatform().daemon(true).name("cairn-mpi-recv-" + rank).start(() -> receiveLoop(r));
  }

  private void receiveLoop(Receiver r) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment flag = a.allocate(JAVA_INT);
      MemorySegment message = a.allocate(ADDRESS);
      MemorySegment status = a.allocate(Mpi.STATUS_BYTES, 8);
      Arena bufArena = Arena.ofConfined();
      MemorySegment buf = bufArena.allocate(1 << 16, 16);
      long sleep = 0;
      while (!stopping) {
        byte[] frame = null;
        lock.lock();
        try {
          if (mpi.improbe(Mpi.ANY_SOURCE, Mpi.ANY_TAG, comm, flag, message, status)) {
            int n = mpi.byteCount(status);
            if (n > buf.byteSize()) {
              bufArena.close();
              bufArena = Arena.ofConfined();
              buf = bufArena.allocate(Math.max(n, buf.byteSize() * 2), 16);
            }
            mpi.mrecv(buf, n, message, status);
            frame = buf.asSlice(0, n).toArray(JAVA_BYTE);
          }
        } finally {
          lock.unlock();
        }
        if (frame != null) {
          int src = Mpi.source(status);
          if (Mpi.tag(status) == TAG && frame.length >= HEADER) {
            MemorySegment f = MemorySegment.ofArray(frame);
            byte type = f.get(JAVA_BYTE, 0);
            int tag = f.get(INT, 1);
            long aux = f.get(LONG, 5);
            long epoch = f.get(LONG, 13);
            byte[] data = java.util.Arrays.copyOfRange(frame, HEADER, frame.length);
            r.frame(src, epoch, type, tag, aux, data);
          } else {
            org.slf4j.LoggerFactory.getLogger(MpiWire.class).warn(
                "rank {}: dropped a malformed MPI message from rank {} (tag {}, {} bytes)",
                rank, src, Mpi.tag(status), frame.length);
          }
          lastActivity = System.nanoTime();
          sleep = 0;
        } else {
          idle(sleep);
          sleep = System.nanoTime() - lastActivity < SPIN_NANOS
              ? 0
              : Math.min(maxSleepNanos, Math.max(20_000, sleep * 2));
        }
      }
      bufArena.close();
    }
  }

  private static void idle(long sleepNanos) {
    if (sleepNanos == 0) Thread.yield();
    else
      LockSupport.parkNanos(sleepNanos);
  }

  @Override
  public void send(int dest, long epoch, byte type, int tag, long aux, byte[] data, BooleanSupplier abandon)
      throws IOException {
    if (dest < 0 || dest >= size || dest == rank)
      throw new IllegalArgumentException("bad destination rank " + dest + " for the MPI wire");
    Arena a = Arena.ofShared();
    boolean done = false;
    try {
      MemorySegment buf = a.allocate(HEADER + data.length, 16);
      buf.set(JAVA_BYTE, 0, type);
      buf.set(INT, 1, tag);
      buf.set(LONG, 5, aux);
      buf.set(LONG, 13, epoch);
      MemorySegment.copy(data, 0, buf, JAVA_BYTE, HEADER, data.length);
      MemorySegment request = a.allocate(ADDRESS);
      MemorySegment flag = a.allocate(JAVA_INT);
      lock.lock();
      try {
        if (closed) throw new IOException("the MPI wire is closed");
        mpi.isend(buf, (int) buf.byteSize(), dest, TAG, comm, request);
      } finally {
        lock.unlock();
      }
      lastActivity = System.nanoTime();
      Thread rcv = receiver;
      if (rcv != null) LockSupport.unpark(rcv); // a reply is likely: poll eagerly again
      long polls = 0;
      while (true) {
        lock.lock();
        try {
          done = mpi.test(request, flag, MemorySegment.NULL);
        } finally {
          lock.unlock();
        }
        if (done) return;
        if (++polls % 1024 == 0 && abandon.getAsBoolean()) {
          // the request stays posted: its buffer must outlive it, so the arena is deliberately not closed
          throw new IOException("gave up sending to rank " + dest + " over MPI");
        }
        if (polls < 64) Thread.yield();
        else
          LockSupport.parkNanos(Math.min(maxSleepNanos, 10_000 + polls * 100));
      }
    } finally {
      if (done) a.close();
    }
  }

  /**
   * Shuts Cairn's use of MPI down. {@code clean}: every rank finished, so this is collective: a barrier
   * ({@code MPI_Ibarrier}, polled while still receiving), then {@code MPI_Finalize}. Otherwise (the job failed
   * and this process is about to exit) only the receiving thread stops: mpirun then ends the job.
   */
  @Override
  public void close(boolean clean) {
    synchronized (MpiWire.class) {
      if (closed) return;
      closed = true;
    }
    if (clean) {
      try (Arena a = Arena.ofConfined()) {
        MemorySegment request = a.allocate(ADDRESS);
        MemorySegment flag = a.allocate(JAVA_INT);
        lock.lock();
        try {
          mpi.ibarrier(comm, request);
        } finally {
          lock.unlock();
        }
        while (true) {
          lock.lock();
          try {
            if (mpi.test(request, flag, MemorySegment.NULL)) break;
          } finally {
            lock.unlock();
          }
          LockSupport.parkNanos(200_000);
        }
      }
    }
    stopping = true;
    Thread rcv = receiver;
    if (rcv != null) {
      LockSupport.unpark(rcv);
      try {
        rcv.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (clean) {
      lock.lock();
      try {
        mpi.free(comm);
        mpi.finish();
      } finally {
        lock.unlock();
      }
    }
  }

}
