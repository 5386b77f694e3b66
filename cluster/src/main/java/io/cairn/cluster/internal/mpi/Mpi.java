package io.cairn.cluster.internal.mpi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * Open MPI's C library ({@code libmpi.so.40}) bound with the JDK's foreign function API: no JNI, no
 * {@code mpi.jar}. Only what Cairn needs: initialization with a thread level, rank and size, blocking and
 * non-blocking point-to-point, (matched) probes, barrier, broadcast and all-reduce, communicator
 * duplication, abort and finalize.
 *
 * <p>Open MPI's predefined handles ({@code MPI_COMM_WORLD}, {@code MPI_BYTE}, {@code MPI_SUM}, ...) are
 * the addresses of global objects of the library ({@code ompi_mpi_comm_world}, ...), looked up by name.
 * {@code MPI_Status} is Open MPI's {@code struct ompi_status_public_t} (source, tag, error, two private
 * fields: 24 bytes). Other MPI implementations (MPICH: integer handles) are not supported.
 *
 * <p>Every method is a thin call; the caller ensures the thread level it asked for (Cairn's transport makes
 * one call at a time per process, {@link #THREAD_SERIALIZED}). Error codes other than {@code MPI_SUCCESS}
 * become {@link MpiException} naming the call (the default error handler of Open MPI aborts the job before
 * that for most errors).
 */
public final class Mpi {
  public static final int THREAD_SINGLE = 0;
  public static final int THREAD_FUNNELED = 1;
  public static final int THREAD_SERIALIZED = 2;
  public static final int THREAD_MULTIPLE = 3;
  public static final int ANY_SOURCE = -1;
  public static final int ANY_TAG = -1;
  /** Size of Open MPI's {@code MPI_Status}. */
  public static final long STATUS_BYTES = 24;
  /** The library Cairn loads (the runtime package's versioned name; the unversioned one is a -dev symlink). */
  public static final String LIBRARY = "libmpi.so.40";

  /** An MPI call returned an error code. */
  public static final class MpiException extends RuntimeException {
    public MpiException(String message) { super(message); }
  }

  private static volatile Mpi instance;
  private static volatile String unavailable;

  private final Arena arena = Arena.global();
  /** Handles: addresses of Open MPI's predefined objects. */
  public final MemorySegment commWorld;
  public final MemorySegment byteType;
  public final MemorySegment longType;
  public final MemorySegment doubleType;
  public final MemorySegment opSum;
  public final MemorySegment opMax;
  private final MemorySegment requestNull;
  private final MethodHandle initThread;
  private final MethodHandle initialized;
  private final MethodHandle finalized;
  private final MethodHandle finalizeH;
  private final MethodHandle abort;
  private final MethodHandle commRank;
  private final MethodHandle commSize;
  private final MethodHandle commDup;
  private final MethodHandle commFree;
  private final MethodHandle send;
  private final MethodHandle recv;
  private final MethodHandle isend;
  private final MethodHandle irecv;
  private final MethodHandle test;
  private final MethodHandle waitH;
  private final MethodHandle cancel;
  private final MethodHandle requestFree;
  private final MethodHandle probe;
  private final MethodHandle iprobe;
  private final MethodHandle improbe;
  private final MethodHandle mrecv;
  private final MethodHandle getCount;
  private final MethodHandle barrier;
  private final MethodHandle ibarrier;
  private final MethodHandle bcast;
  private final MethodHandle allreduce;

  private Mpi(SymbolLookup lib) {
    Linker l = Linker.nativeLinker();
    commWorld = sym(lib, "ompi_mpi_comm_world");
    byteType = sym(lib, "ompi_mpi_byte");
    longType = sym(lib, "ompi_mpi_int64_t");
    doubleType = sym(lib, "ompi_mpi_double");
    opSum = sym(lib, "ompi_mpi_op_sum");
    opMax = sym(lib, "ompi_mpi_op_max");
    requestNull = sym(lib, "ompi_request_null");
    initThread = fn(l, lib, "MPI_Init_thread", JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS);
    initialized = fn(l, lib, "MPI_Initialized", JAVA_INT, ADDRESS);
    finalized = fn(l, lib, "MPI_Finalized", JAVA_INT, ADDRESS);
    finalizeH = fn(l, lib, "MPI_Finalize", JAVA_INT);
    abort = fn(l, lib, "MPI_Abort", JAVA_INT, ADDRESS, JAVA_INT);
    commRank = fn(l, lib, "MPI_Comm_rank", JAVA_INT, ADDRESS, ADDRESS);
    commSize = fn(l, lib, "MPI_Comm_size", JAVA_INT, ADDRESS, ADDRESS);
    commDup = fn(l, lib, "MPI_Comm_dup", JAVA_INT, ADDRESS, ADDRESS);
    commFree = fn(l, lib, "MPI_Comm_free", JAVA_INT, ADDRESS);
    // (buf, count, datatype, peer, tag, comm[, status | request])
    send = fn(l, lib, "MPI_Send", JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS);
    recv = fn(l, lib, "MPI_Recv", JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    isend = fn(l, lib, "MPI_Isend", JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    irecv = fn(l, lib, "MPI_Irecv", JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    test = fn(l, lib, "MPI_Test", JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
    waitH = fn(l, lib, "MPI_Wait", JAVA_INT, ADDRESS, ADDRESS);
    cancel = fn(l, lib, "MPI_Cancel", JAVA_INT, ADDRESS);
    requestFree = fn(l, lib, "MPI_Request_free", JAVA_INT, ADDRESS);
    probe = fn(l, lib, "MPI_Probe", JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    iprobe = fn(l, lib, "MPI_Iprobe", JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
    improbe = fn(l, lib, "MPI_Improbe", JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
    mrecv = fn(l, lib, "MPI_Mrecv", JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
    getCount = fn(l, lib, "MPI_Get_count", JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
    barrier = fn(l, lib, "MPI_Barrier", JAVA_INT, ADDRESS);
    ibarrier = fn(l, lib, "MPI_Ibarrier", JAVA_INT, ADDRESS, ADDRESS);
    bcast = fn(l, lib, "MPI_Bcast", JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS);
    allreduce = fn(l, lib, "MPI_Allreduce", JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
  }

  private static MemorySegment sym(SymbolLookup lib, String name) {
    return lib.find(name)
        .orElseThrow(() -> new IllegalStateException(LIBRARY + " has no symbol " + name + " (not Open MPI?)"));
  }

  private static MethodHandle fn(Linker l, SymbolLookup lib, String name, java.lang.foreign.MemoryLayout ret,
      java.lang.foreign.MemoryLayout... args) {
    return l.downcallHandle(sym(lib, name), FunctionDescriptor.of(ret, args));
  }

  /** The bound library, or empty with the reason in {@link #unavailableReason()} (not installed, not Open MPI). */
  public static Optional<Mpi> load() {
    if (instance != null) return Optional.of(instance);
    if (unavailable != null) return Optional.empty();
    synchronized (Mpi.class) {
      if (instance == null && unavailable == null) {
        try {
          instance = new Mpi(SymbolLookup.libraryLookup(LIBRARY, Arena.global()));
        } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException
            | IllegalCallerException e) {
          unavailable = "cannot load Open MPI's " + LIBRARY + " (" + e.getMessage()
              + "); install openmpi-bin / libopenmpi3";
        }
      }
    }
    return Optional.ofNullable(instance);
  }

  /** Why {@link #load()} is empty (null when it is not). */
  public static String unavailableReason() {
    load();
    return unavailable;
  }

  /** The bound library; throws with the reason when it cannot be loaded. */
  public static Mpi get() {
    return load().orElseThrow(() -> new IllegalStateException(unavailable));
  }

  private static int call(String what, int rc) {
    if (rc != 0) throw new MpiException(what + " failed with MPI error code " + rc);
    return rc;
  }

  private static RuntimeException wrap(Throwable t) {
    if (t instanceof RuntimeException r) return r;
    if (t instanceof Error e) throw e;
    return new IllegalStateException(t);
  }

  /** {@code MPI_Init_thread(NULL, NULL, required, &provided)}: returns the provided thread level. */
  public int initThread(int required) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment p = a.allocate(JAVA_INT);
      call("MPI_Init_thread", (int) initThread.invokeExact(MemorySegment.NULL, MemorySegment.NULL, required, p));
      return p.get(JAVA_INT, 0);
    } catch (Throwable t) {
      throw wrap(t);
    }
  }

  public boolean initialized() { return flag(initialized, "MPI_Initialized"); }

  public boolean finalized() { return flag(finalized, "MPI_Finalized"); }

  private static boolean flag(MethodHandle h, String what) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment p = a.allocate(JAVA_INT);
      call(what, (int) h.invokeExact(p));
      return p.get(JAVA_INT, 0) != 0;
    } catch (Throwable t) {
      throw wrap(t);
    }
  }

  public void finish() {
    try {
      call("MPI_Finalize", (int) finalizeH.invokeExact());
    } catch (Throwable t) {
      throw wrap(t);
    }
  }

  /** {@code MPI_Abort(comm, code)}: ends every process of the job. */
  public void abort(MemorySegment comm, int code) {
    try {
      call("MPI_Abort", (int) abort.invokeExact(comm, code));
    } catch (Throwable t) {
      throw wrap(t);
    }
  }

  public int rank(MemorySegment comm) { return intOut(commRank, "MPI_Comm_rank", comm); }

  public int size(MemorySegment comm) { return intOut(commSize, "MPI_Comm_size", comm); }

  private static int intOut(MethodHandle h, String what, MemorySegment comm) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment p = a.allocate(JAVA_INT);
      call(what, (int) h.invokeExact(comm, p));
      return p.get(JAVA_INT, 0);
    } catch (Throwable t) {
      throw wrap(t);
    }
  }

  /** {@code MPI_Comm_dup}: a communicator of its own (its messages never match the original's). */
  public MemorySegment dup(MemorySegment comm) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment p = a.allocate(ADDRESS);
      call("MPI_Comm_dup", (int) commDup.invokeExact(comm, p));
      return p.get(ADDRESS, 0);
    } catch (Throwable t) {
      throw wrap(t);
    }
  }

  public void free(MemorySegment comm) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment p = a.allocate(ADDRESS);
      p.set(ADDRESS, 0, comm);
      call("MPI_Comm_free", (int) commFree.invokeExact(p));
    } catch (Throwable t) {
      throw wrap(t);
    }
  }

  /** Blocking send of {@code count} bytes of {@code buf}. */
  public void send(MemorySegment buf, int count, int dest, int tag, MemorySegment comm) {
    try {
      call("MPI_Send", (int) send.invokeExact(buf, count, byteType, dest, tag, comm));
    } catch (Throwable t) {
      throw wrap(t);
    }
  }

  /** Blocking receive into {@code buf}; {@code status} may be {@link MemorySegment#NULL} (MPI_STATUS_IGNORE). */
  public void recv(MemorySegment buf, int count, int source, int tag, MemorySegment comm, MemorySegment status) {
    try {
      call("MPI_Recv", (int) recv.invokeExact(buf, count, byteType, source, tag, comm, status));
    } catch (Throwable t) {
      throw wrap(t);
    }
  }

  /** Non-blocking send; the request handle is written to {@code request} (one pointer). Keep {@code buf} alive until it completes. */
  public void isend(MemorySegment buf, int count, int dest, int tag, MemorySegment comm, MemorySegment request) {
    try {
      call("MPI_Isend", (int) isend.invokeExact(buf, count, byteType, dest, tag, comm, request));
    } catch (Throwable t) {
      throw wrap(t);
    }
  }

  /** Non-blocking receive of bytes. */
  public void irecv(MemorySegment buf, int count, int source, int tag, MemorySegment comm, MemorySegment request) {
    try {
      call("MPI_Irecv", (int) irecv.invokeExact(buf, count, byteType, source, tag, comm, request));
    } catch (Throwable t) {
      throw wrap(t);
    }
  }

  /** {@code MPI_Test}: true when the request completed (it is then freed and set to MPI_REQUEST_NULL). */
  public boolean test(MemorySegment request, MemorySegment status) {
    try (Arena a = Arena.ofConfined()) {
      return test(request, a.allocate(JAVA_INT), status);
    }
  }

  /** {@link #test(MemorySegment, MemorySegment)} with a caller-owned flag (one int), for polling loops. */
  public boolean test(MemorySegment request, MemorySegment flag, MemorySegment status) {
    try {
      call("MPI_Test", (int) test.invokeExact(request, flag, status));
      return flag.get(JAVA_INT, 0) != 0;
    } catch (Throwable t) {
      throw wrap(t);
    }
  }

  public void await(MemorySegment request, MemorySegment status) {
    try {
      call("MPI_Wait", (int) waitH.invokeExact(request, status));
    } catch (Throwable t) {
      throw wrap(t);
    }
  }

  /** Cancels a pending request and frees it (its buffer must stay alive: the library may still touch it). */
  public void cancelAndFree(MemorySegment request) {
    try {
      call("MPI_Cancel", (int) cancel.invokeExact(request));
      call("MPI_Request_free", (int) requestFree.invokeExact(request));
    } catch (Throwable t) {
      throw wrap(t);
    }
  }

  /** Blocking probe: fills {@code status}. */
  public void probe(int source, int tag, MemorySegment comm, MemorySegment status) {
    try {
      call("MPI_Probe", (int) probe.invokeExact(source, tag, comm, status));
    } catch (Throwable t) {
      throw wrap(t);
    }
  }

  /** Non-blocking probe: true (and {@code status} filled) when a matching message is there. */
  public boolean iprobe(int source, int tag, MemorySegment comm, MemorySegment flag, MemorySegment status) {
    try {
      call("MPI_Iprobe", (int) iprobe.invokeExact(source, tag, comm, flag, status));
      return flag.get(JAVA_INT, 0) != 0;
    } catch (Throwable t) {
      throw wrap(t);
    }
  }

  /**
   * Matched non-blocking probe: when a matching message is there, it is removed from matching (no other probe
   * or receive can take it), its handle written to {@code message}, and true returned.
   */
  public boolean improbe(int source, int tag, MemorySegment comm, MemorySegment flag, MemorySegment message,
      MemorySegment status) {
    try {
      call("MPI_Improbe", (int) improbe.invokeExact(source, tag, comm, flag, message, status));
      return flag.get(JAVA_INT, 0) != 0;
    } catch (Throwable t) {
      throw wrap(t);
    }
  }

  /** Receives the message matched by {@link #improbe}. */
  public void mrecv(MemorySegment buf, int count, MemorySegment message, MemorySegment status) {
    try {
      call("MPI_Mrecv", (int) mrecv.invokeExact(buf, count, byteType, message, status));
    } catch (Throwable t) {
      throw wrap(t);
    }
  }

  /** The number of bytes of a probed or received message. */
  public int byteCount(MemorySegment status) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment c = a.allocate(JAVA_INT);
      call("MPI_Get_count", (int) getCount.invokeExact(status, byteType, c));
      return c.get(JAVA_INT, 0);
    } catch (Throwable t) {
      throw wrap(t);
    }
  }

  public static int source(MemorySegment status) { return status.get(JAVA_INT, 0); }

  public static int tag(MemorySegment status) { return status.get(JAVA_INT, 4); }

  public void barrier(MemorySegment comm) {
    try {
      call("MPI_Barrier", (int) barrier.invokeExact(comm));
    } catch (Throwable t) {
      throw wrap(t);
    }
  }

  public void ibarrier(MemorySegment comm, MemorySegment request) {
    try {
      call("MPI_Ibarrier", (int) ibarrier.invokeExact(comm, request));
    } catch (Throwable t) {
      throw wrap(t);
    }
  }

  /** {@code MPI_Bcast} of {@code count} bytes from {@code root}. */
  public void bcast(MemorySegment buf, int count, int root, MemorySegment comm) {
    try {
      call("MPI_Bcast", (int) bcast.invokeExact(buf, count, byteType, root, comm));
    } catch (Throwable t) {
      throw wrap(t);
    }
  }

  /** {@code MPI_Allreduce} of {@code count} elements of {@code type} with {@code op}. */
  public void allreduce(MemorySegment in, MemorySegment out, int count, MemorySegment type, MemorySegment op,
      MemorySegment comm) {
    try {
      call("MPI_Allreduce", (int) allreduce.invokeExact(in, out, count, type, op, comm));
    } catch (Throwable t) {
      throw wrap(t);
    }
  }

  /** {@code MPI_Allreduce} of one 64-bit integer. */
  public long allreduce(long value, MemorySegment op, MemorySegment comm) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment in = a.allocate(JAVA_LONG);
      MemorySegment out = a.allocate(JAVA_LONG);
      in.set(JAVA_LONG, 0, value);
      allreduce(in, out, 1, longType, op, comm);
      return out.get(JAVA_LONG, 0);
    }
  }

  /** MPI_REQUEST_NULL (a request handle that {@link #test} has completed and freed equals it). */
  public MemorySegment requestNull() {
    return requestNull;
  }
}
