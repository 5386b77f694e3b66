package io.cairn.cluster;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.cairn.cluster.internal.mpi.Mpi;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Run under {@code mpirun -np N} (N >= 2) by {@link MpiTest}: exercises every call of the binding and prints
 * {@code OK rank r of n level t} when each result was right; anything wrong ends the process with a message.
 */
public final class MpiProbe {
  private MpiProbe() {}

  static void check(boolean ok, String what) {
    if (!ok) {
      System.err.println("MPI PROBE FAILED: " + what);
      System.exit(3);
    }
  }

  public static void main(String[] args) {
    Mpi mpi = Mpi.get();
    check(!mpi.initialized(), "not initialized before MPI_Init_thread");
    int level = mpi.initThread(Mpi.THREAD_SERIALIZED);
    check(level >= Mpi.THREAD_SERIALIZED, "thread level " + level);
    check(mpi.initialized(), "initialized after MPI_Init_thread");
    MemorySegment world = mpi.commWorld;
    int me = mpi.rank(world);
    int n = mpi.size(world);
    check(n >= 2, "size " + n);
    check(me == Integer.parseInt(System.getenv("OMPI_COMM_WORLD_RANK")), "rank agrees with OMPI_COMM_WORLD_RANK");
    MemorySegment comm = mpi.dup(world);
    try (Arena a = Arena.ofConfined()) {
      MemorySegment status = a.allocate(Mpi.STATUS_BYTES, 8);
      MemorySegment buf = a.allocate(1 << 20, 16);
      int next = (me + 1) % n;
      int prev = (me + n - 1) % n;
      // blocking ring: even ranks send first, odd ones receive first
      buf.set(JAVA_LONG, 0, 1000L + me);
      if (me % 2 == 0) {
        mpi.send(buf, 8, next, 7, comm);
        mpi.recv(buf, 8, prev, 7, comm, status);
      } else {
        MemorySegment tmp = a.allocate(8);
        mpi.recv(tmp, 8, prev, 7, comm, status);
        mpi.send(buf, 8, next, 7, comm);
        MemorySegment.copy(tmp, 0, buf, 0, 8);
      }
      check(buf.get(JAVA_LONG, 0) == 1000L + prev, "blocking ring value " + buf.get(JAVA_LONG, 0));
      check(Mpi.source(status) == prev && Mpi.tag(status) == 7,
          "status source/tag " + Mpi.source(status) + "/" + Mpi.tag(status));
      // non-blocking, 1 MiB (rendezvous protocol): Irecv + Isend + Wait
      MemorySegment out = a.allocate(1 << 20, 16);
      for (int i = 0; i < (1 << 20) / 4; i++) out.setAtIndex(JAVA_INT, i, i * 31 + me);
      MemorySegment rreq = a.allocate(ADDRESS);
      MemorySegment sreq = a.allocate(ADDRESS);
      mpi.irecv(buf, 1 << 20, prev, 8, comm, rreq);
      mpi.isend(out, 1 << 20, next, 8, comm, sreq);
      mpi.await(sreq, MemorySegment.NULL);
      while (!mpi.test(rreq, status)) Thread.onSpinWait();
      check(mpi.byteCount(status) == 1 << 20, "count " + mpi.byteCount(status));
      for (int i = 0; i < (1 << 20) / 4; i += 997)
        check(buf.getAtIndex(JAVA_INT, i) == i * 31 + prev, "large message element " + i);
      // probe, iprobe, improbe + mrecv: each sends 3 messages of growing size to next, with tags 20, 21, 22
      for (int k = 0; k < 3; k++) {
        MemorySegment m = a.allocate(100 * (k + 1));
        m.fill((byte) (k + me));
        mpi.isend(m, (int) m.byteSize(), next, 20 + k, comm, sreq);
        mpi.await(sreq, MemorySegment.NULL);
      }
      mpi.probe(prev, 20, comm, status);
      check(mpi.byteCount(status) == 100, "probe count");
      mpi.recv(buf, 100, prev, 20, comm, status);
      MemorySegment flag = a.allocate(JAVA_INT);
      while (!mpi.iprobe(Mpi.ANY_SOURCE, Mpi.ANY_TAG, comm, flag, status)) Thread.onSpinWait();
      check(Mpi.tag(status) == 21 && mpi.byteCount(status) == 200,
          "iprobe sees the next message in order: tag " + Mpi.tag(status));
      mpi.recv(buf, 200, prev, 21, comm, status);
      check(buf.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 199) == (byte) (1 + prev), "iprobed payload");
      MemorySegment msg = a.allocate(ADDRESS);
      while (!mpi.improbe(Mpi.ANY_SOURCE, Mpi.ANY_TAG, comm, flag, msg, status)) Thread.onSpinWait();
      check(Mpi.tag(status) == 22 && mpi.byteCount(status) == 300, "improbe");
      mpi.mrecv(buf, 300, msg, status);
      check(buf.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 299) == (byte) (2 + prev), "mrecv payload");
      // collectives
      mpi.barrier(comm);
      mpi.ibarrier(comm, rreq);
      mpi.await(rreq, MemorySegment.NULL);
      MemorySegment b = a.allocate(16);
      if (me == 0) b.set(JAVA_LONG, 0, 0x5EEDL);
      mpi.bcast(b, 8, 0, comm);
      check(b.get(JAVA_LONG, 0) == 0x5EEDL, "bcast");
      check(mpi.allreduce(me + 1, mpi.opSum, comm) == (long) n * (n + 1) / 2, "allreduce sum");
      check(mpi.allreduce(me * 10, mpi.opMax, comm) == (n - 1) * 10L, "allreduce max");
      MemorySegment din = a.allocate(JAVA_DOUBLE);
      MemorySegment dout = a.allocate(JAVA_DOUBLE);
      din.set(JAVA_DOUBLE, 0, 0.5);
      mpi.allreduce(din, dout, 1, mpi.doubleType, mpi.opSum, comm);
      check(dout.get(JAVA_DOUBLE, 0) == 0.5 * n, "allreduce double");
    }
    mpi.free(comm);
    System.out.println("OK rank " + me + " of " + n + " level " + level);
    mpi.finish();
    check(mpi.finalized(), "finalized");
  }
}
