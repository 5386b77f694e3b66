package io.cairn.cluster;

import io.cairn.CairnException;
import io.cairn.cluster.internal.JobSecret;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One rank's side of the job: the point-to-point channels to every other rank (one TCP connection per
 * direction, so each channel is FIFO), the inboxes, the markers of the checkpoint protocols, and the
 * control state the coordinator drives (epoch, rollback, go, commits). One lock guards it all.
 *
 * <p>Channel (s -> me) holds, in arrival order, messages and markers. A message behind a marker for a
 * snapshot this rank has not taken yet is held back (not delivered) until the snapshot: this keeps the
 * cut consistent when a rank can only snapshot at its own safe points.
 *
 * <p>Every data connection first runs the job secret's mutual handshake (role {@code data}); this rank accepts
 * none before it knows the secret (set by {@link CoordClient} once the coordinator accepted it), and closes one
 * that fails the handshake with a warning naming the remote address. Frames declare their length, checked
 * against {@link #MAX_FRAME} before anything is read.
 */
final class Endpoint implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Endpoint.class);
  static final byte DATA = 1;
  static final byte MARKER = 2;
  /** Message logging control frame; the tag says which (below), aux carries a sequence number. */
  static final byte SYNC = 3;
  /** SYNC tags: a restarted rank asks for the messages after aux (data: its address) and for the peer's own position. */
  static final int SYNC_REQUEST = 1;
  /** The answer to a request: "I have everything from you up to aux": resend what follows. */
  static final int SYNC_REPLY = 0;
  /** "My newest checkpoint covers your messages up to aux": drop them from your log. */
  static final int SYNC_ACK = 2;
  /** "Your messages fill my log beyond its bound: checkpoint at your next checkpoint call". */
  static final int SYNC_CHECKPOINT = 3;
  /** Hierarchical: "I am at group checkpoint round n (data), having sent you aux messages": wait for them before capturing. */
  static final int SYNC_MARK = 4;
  /** Hierarchical: "my part of group checkpoint round aux is durable". */
  static final int SYNC_WRITTEN = 5;
  static final int HELLO = 0xCA1C0001;
  /** Largest message a frame may carry (1 GiB). */
  static final int MAX_FRAME = 1 << 30;

  record Marker(long global) {}

  /** What a rank's channels hold at a snapshot: message counters and the messages in flight towards it. */
  static final class CommState {
    final long[] sent;
    final long[] delivered;
    final List<List<Message>> inFlight;
    /** True when the rest of the in-flight messages are in a channel file (Chandy-Lamport). */
    boolean sideFile;

    CommState(int size) {
      sent = new long[size];
      delivered = new long[size];
      inFlight = new ArrayList<>();
      for (int i = 0; i < size; i++) inFlight.add(new ArrayList<>());
    }

    int inFlightCount() {
      int n = 0;
      for (List<Message> l : inFlight) n += l.size();
      return n;
    }

    void write(DataOutputStream o) throws IOException {
      o.writeInt(sent.length);
      for (long v : sent) o.writeLong(v);
      for (long v : delivered) o.writeLong(v);
      o.writeBoolean(sideFile);
      writeMessages(o, inFlight);
    }

    static void writeMessages(DataOutputStream o, List<List<Message>> lists) throws IOException {
      for (List<Message> l : lists) {
        o.writeInt(l.size());
        for (Message m : l) {
          o.writeInt(m.tag());
          o.writeInt(m.data().length);
          o.write(m.data());
        }
      }
    }

    static List<List<Message>> readMessages(DataInputStream in, int size) throws IOException {
      List<List<Message>> out = new ArrayList<>();
      for (int s = 0; s < size; s++) {
        int n = in.readInt();
        if (n < 0) throw new IOException("bad message count " + n);
        List<Message> l = new ArrayList<>(Math.min(n, 1 << 16));
        for (int i = 0; i < n; i++) {
          int tag = in.readInt();
          int len = in.readInt();
          if (len < 0 || len > (1 << 30)) throw new IOException("bad message length " + len);
          l.add(new Message(s, tag, in.readNBytes(len)));
        }
        out.add(l);
      }
      return out;
    }

    static CommState read(DataInputStream in) throws IOException {
      int n = in.readInt();
      if (n < 1 || n > (1 << 20)) throw new IOException("bad rank count " + n);
      CommState c = new CommState(n);
      for (int i = 0; i < n; i++) c.sent[i] = in.readLong();
      for (int i = 0; i < n; i++) c.delivered[i] = in.readLong();
      c.sideFile = in.readBoolean();
      List<List<Message>> l = readMessages(in, n);
      for (int i = 0; i < n; i++) c.inFlight.get(i).addAll(l.get(i));
      return c;
    }
  }

  /** A snapshot in progress: the state at the snapshot plus, for Chandy-Lamport, the messages recorded after it. */
  static final class Snapshot {
    final long global;
    final CommState state;
    final List<List<Message>> recorded;
    final Set<Integer> waiting = new HashSet<>();
    final CompletableFuture<List<List<Message>>> complete = new CompletableFuture<>();

    Snapshot(long global, int size) {
      this.global = global;
      this.state = new CommState(size);
      this.recorded = new ArrayList<>();
      for (int i = 0; i < size; i++) recorded.add(new ArrayList<>());
    }
  }

  private static final class Chan {
    final ArrayDeque<Object> queue = new ArrayDeque<>();
    /** Snapshots taken here whose marker has not arrived on this channel yet (several when this rank runs ahead). */
    final List<Snapshot> recording = new ArrayList<>();
  }

  private static final class Out {
    final ReentrantLock lock = new ReentrantLock();
    Socket socket;
    DataOutputStream out;
    long epoch = -1;
    /** Message logging: this channel lost messages (peer down or restarted); data waits in the log until the peer's SYNC. */
    volatile boolean needsResend;
  }

  private record Incoming(Socket socket, long epoch) {}

  final int rank;
  final int size;
  private final ServerSocket server;
  /** The transport when it is not Cairn's own TCP channels (MPI), else null. */
  private final io.cairn.cluster.internal.Wire wire;
  private final String advertisedHost;
  final ReentrantLock lock = new ReentrantLock();
  final Condition changed = lock.newCondition();
  private final Chan[] in;
  private final Out[] out;
  private final long[] sent;
  private final long[] delivered;
  private final Set<Incoming> incoming = new HashSet<>();
  private final long peerTimeoutMs;
  private String[] table;
  private String[] nodeTable;
  private java.util.Map<String, String>[] domainTable;
  private List<String> declaredLevels = List.of();
  private int rotate;

  // control state driven by the coordinator (guarded by lock)
  long epoch = -1;
  long rollbackEpoch = -1;
  long rollbackGlobal;
  long rollbackNext = 1;
  /** Independent protocol: each rank's version on the recovery line of the last rollback (null: none given, the initial state). */
  long[] rollbackLine;
  long goEpoch = -1;
  long handledEpoch = -1;
  boolean coordinatorLost;
  boolean finished;
  String aborted;
  final Set<Long> committed = new HashSet<>();
  /** Global versions committed while a halt request existed (the ranks stop after them). */
  final Set<Long> halted = new HashSet<>();
  private volatile boolean closed;
  private volatile JobSecret secret;
  /** Sender-based message logging ({@link Protocol#LOGGING}), else null. */
  private MessageLog mlog;
  private long incarnation;
  /** Cumulative payload bytes sent to other ranks by this process (all protocols). */
  long sentBytes;

  Endpoint(int rank, int size, String bindHost, long peerTimeoutMs) throws IOException {
    this(rank, size, bindHost, peerTimeoutMs, null, null);
  }

  /**
   * With the job's secret known from the start (needed when the job uses TLS: the server socket is a TLS one), and
   * with {@code wire} non-null the frames travel over it (e.g. MPI) instead of TCP connections; no port is opened.
   */
  Endpoint(int rank, int size, String bindHost, long peerTimeoutMs, JobSecret known,
      io.cairn.cluster.internal.Wire wire)
      throws IOException {
    this.secret = known;
    this.rank = rank;
    this.size = size;
    this.peerTimeoutMs = peerTimeoutMs;
    this.in = new Chan[size];
    this.out = new Out[size];
    for (int i = 0; i < size; i++) {
      in[i] = new Chan();
      out[i] = new Out();
    }
    this.sent = new long[size];
    this.delivered = new long[size];
    this.wire = wire;
    if (wire != null) {
      // no port: the coordinator gets the host name (never a loopback address, so it never kills a pid it takes for
      // one of this machine) and port 0; peers are reached through the wire
      this.server = null;
      this.advertisedHost = InetAddress.getLocalHost().getHostName();
      wire.start(this::deliver);
      return;
    }
    this.server = known != null ? known.newServerSocket() : new ServerSocket();
    server.bind(new InetSocketAddress(InetAddress.getByName(bindHost), 0), 256);
    this.advertisedHost = bindHost.equals("0.0.0.0") ? InetAddress.getLocalHost().getHostName() : bindHost;
    Thread.ofVirtual().name("cairn-accept-" + rank).start(this::acceptLoop);
  }

  /** The transport's name: "tcp" or the wire's. */
  String transport() { return wire == null ? "tcp" : wire.name(); }

  String host() { return advertisedHost; }

  /** The job's secret, once the coordinator accepted it: data connections are refused before. */
  void secret(JobSecret s) {
    this.secret = s;
  }

  /** The secret the coordinator accepted (null before). */
  JobSecret secret() { return secret; }

  /** The failure domains of each rank (always with "node"), from the coordinator's last GO (empty before the first). */
  List<java.util.Map<String, String>> domains() {
    lock.lock();
    try {
      return domainTable == null ? List.of() : List.of(domainTable);
    } finally {
      lock.unlock();
    }
  }

  /** The failure-domain levels, largest first: declared, else inferred from {@link #domains()} (empty before the first GO). */
  List<String> domainLevels() {
    lock.lock();
    try {
      return domainTable == null
          ? List.of()
          : io.cairn.cluster.internal.Domains.order(declaredLevels, List.of(domainTable));
    } finally {
      lock.unlock();
    }
  }

  /** The node of each rank, from the coordinator's last GO (empty before the first). */
  List<String> nodes() {
    lock.lock();
    try {
      return nodeTable == null ? List.of() : List.of(nodeTable);
    } finally {
      lock.unlock();
    }
  }
  int port() { return server == null ? 0 : server.getLocalPort(); }

  // ------------------------------------------------------------------ control (coordinator events)

  void onRollback(long e, long global, long next) { onRollback(e, global, next, null); }

  void onRollback(long e, long global, long next, long[] line) {
    lock.lock();
    try {
      if (e <= rollbackEpoch) return;
      rollbackEpoch = e;
      rollbackGlobal = global;
      rollbackNext = next;
      rollbackLine = line;
      coordinatorLost = false;
      resetChannels(e);
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  void onGo(long e, String[] addresses) {
    lock.lock();
    try {
      if (e != rollbackEpoch) {
        // message logging: the recovery of other ranks (their group's epoch): only their new addresses matter here
        if (mlog != null && table != null && addresses.length == table.length)
          for (int i = 0; i < addresses.length; i++) {
            int slash = addresses[i].indexOf('/');
            table[i] = slash < 0 ? addresses[i] : addresses[i].substring(0, slash);
          }
        return;
      }
      table = new String[addresses.length];
      nodeTable = new String[addresses.length];
      domainTable = new java.util.Map[addresses.length];
      for (int i = 0; i < addresses.length; i++) {
        int slash = addresses[i].indexOf('/');
        table[i] = slash < 0 ? addresses[i] : addresses[i].substring(0, slash);
        String nd = slash < 0 ? "?" : addresses[i].substring(slash + 1);
        String[] p = nd.split("\\|", -1); // node|domains|levels
        nodeTable[i] = p[0];
        domainTable[i] = io.cairn.cluster.internal.JobEnv.parseDomains(nodeTable[i], p.length > 1 ? p[1] : "");
        if (i == 0) declaredLevels = io.cairn.cluster.internal.Domains.parseLevels(p.length > 2 ? p[2] : "", "levels");
      }
      goEpoch = e;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  void onCommitted(long g, boolean halt) {
    lock.lock();
    try {
      committed.add(g);
      if (halt) halted.add(g);
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  void onFinished() {
    lock.lock();
    try {
      finished = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  void onAbort(String why) {
    lock.lock();
    try {
      aborted = why;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  void onCoordinatorLost() {
    lock.lock();
    try {
      coordinatorLost = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** This rank's version on the recovery line of the last rollback (independent protocol; 0: the initial state). */
  long lineVersion() {
    lock.lock();
    try {
      return rollbackLine == null || rollbackLine.length != size ? 0 : rollbackLine[rank];
    } finally {
      lock.unlock();
    }
  }

  /**
   * The channel counters now (messages sent to and delivered from each rank) and the messages this rank sent itself
   * and has not taken yet: what an independent checkpoint records (the application thread is between communicator
   * calls, so no send is half done).
   */
  CommState counters() {
    lock.lock();
    try {
      checkInterrupt();
      CommState c = new CommState(size);
      System.arraycopy(sent, 0, c.sent, 0, size);
      System.arraycopy(delivered, 0, c.delivered, 0, size);
      for (Object o : in[rank].queue) if (o instanceof Message m) c.inFlight.get(rank).add(m);
      return c;
    } finally {
      lock.unlock();
    }
  }

  /** Throws when the application must stop what it does (called with the lock held). */
  void checkInterrupt() {
    if (aborted != null) throw new CairnException("job aborted: " + aborted);
    if (rollbackEpoch > handledEpoch)
      throw new RollbackException(
          "rolling back to global version " + rollbackGlobal + " (epoch " + rollbackEpoch + ")");
    if (coordinatorLost) throw new RollbackException("lost the coordinator; waiting for it to come back");
  }

  /** Waits (with the lock held) for a change, at most 200 ms. */
  void await() {
    try {
      changed.await(200, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CairnException("rank " + rank + " interrupted while waiting", e);
    }
  }

  // ------------------------------------------------------------------ channels

  /** Closes every connection of the old epoch and empties the inboxes (called with the lock held). */
  private void resetChannels(long newEpoch) {
    epoch = newEpoch;
    for (Out o : out) closeQuietly(o.socket);
    for (Incoming i : incoming) closeQuietly(i.socket());
    incoming.clear();
    for (Chan c : in) {
      c.queue.clear();
      for (Snapshot snap : c.recording) snap.complete.completeExceptionally(new RollbackException("rolled back"));
      c.recording.clear();
    }
    java.util.Arrays.fill(sent, 0);
    java.util.Arrays.fill(delivered, 0);
  }

  /**
   * After a restore for the rollback of epoch {@code e}: the counters and in-flight messages of the restored
   * state (delivered again first). Replaces what the channels hold; does nothing (and throws
   * {@link RollbackException}) when a newer rollback arrived meanwhile, which will restore again.
   */
  void prefill(long e, CommState s) {
    if (mlog != null && s == null) {
      prefillLogging(e, null);
      return;
    }
    lock.lock();
    try {
      if (rollbackEpoch != e) checkInterrupt();
      if (s != null && s.sent.length != size)
        throw new CairnException("restored channel state is for " + s.sent.length + " ranks, this job has " + size);
      for (int i = 0; i < size; i++) {
        in[i].queue.clear();
        sent[i] = s == null ? 0 : s.sent[i];
        delivered[i] = s == null ? 0 : s.delivered[i];
        if (s != null) in[i].queue.addAll(s.inFlight.get(i));
      }
    } finally {
      lock.unlock();
    }
  }

  private void requireOpen() {
    checkInterrupt();
    if (goEpoch != epoch || table == null)
      throw new IllegalStateException("rank " + rank + ": communicator used outside Rank.run()");
  }

  void send(int dest, int tag, byte[] data) {
    if (dest < 0 || dest >= size)
      throw new IllegalArgumentException("destination rank " + dest + " is outside 0.." + (size - 1));
    if (mlog != null) {
      sendLogged(dest, tag, data);
      return;
    }
    long e;
    lock.lock();
    try {
      requireOpen();
      e = epoch;
      if (dest == rank) {
        in[rank].queue.add(new Message(rank, tag, data.clone()));
        sent[rank]++;
        changed.signalAll();
        return;
      }
    } finally {
      lock.unlock();
    }
    write(dest, e, DATA, tag, 0, data);
    lock.lock();
    try {
      if (epoch == e) sent[dest]++;
      sentBytes += data.length;
    } finally {
      lock.unlock();
    }
  }

  private void write(int dest, long e, byte type, int tag, long aux, byte[] data) {
    if (wire != null) {
      try {
        wire.send(dest, e, type, tag, aux, data, this::mustGiveUp);
      } catch (IOException ex) {
        waitForRollback(
            "rank " + rank + " cannot send to rank " + dest + " over " + wire.name() + " (" + ex.getMessage() + ")");
      }
      return;
    }
    Out o = out[dest];
    o.lock.lock();
    try {
      try {
        if (o.epoch != e || o.socket == null || o.socket.isClosed()) connect(dest, o, e);
        o.out.writeByte(type);
        o.out.writeInt(tag);
        o.out.writeLong(aux);
        o.out.writeInt(data.length);
        o.out.write(data);
        o.out.flush();
      } catch (IOException ex) {
        closeQuietly(o.socket);
        o.socket = null;
        waitForRollback("rank " + rank + " cannot send to rank " + dest + " (" + ex.getMessage() + ")");
      }
    } finally {
      o.lock.unlock();
    }
  }

  private void connect(int dest, Out o, long e) throws IOException {
    String addr;
    lock.lock();
    try {
      if (epoch != e) throw new IOException("epoch changed");
      addr = table[dest];
    } finally {
      lock.unlock();
    }
    int colon = addr.lastIndexOf(':');
    JobSecret k = secret;
    if (k == null) throw new IOException("the job secret is not known yet");
    Socket s = k.newSocket();
    try {
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress(addr.substring(0, colon), Integer.parseInt(addr.substring(colon + 1))),
          (int) Math.min(peerTimeoutMs, 10_000));
      k.authenticateAsClient(s, JobSecret.DATA);
    } catch (IOException | RuntimeException ex) {
      closeQuietly(s);
      if (ex instanceof JobSecret.AuthenticationException)
        log.warn("rank {}: the data port {} of rank {} failed the handshake: {}", rank, addr, dest, ex.getMessage());
      throw ex;
    }
    DataOutputStream d = new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), 1 << 16));
    d.writeInt(HELLO);
    d.writeInt(rank);
    d.writeLong(e);
    closeQuietly(o.socket);
    o.socket = s;
    o.out = d;
    o.epoch = e;
  }

  /** True when a send that waits for its peer should give up: the job aborts, rolls back or lost its coordinator. */
  private boolean mustGiveUp() {
    lock.lock();
    try {
      return aborted != null || rollbackEpoch > handledEpoch || coordinatorLost || closed;
    } finally {
      lock.unlock();
    }
  }

  /** A peer is unreachable: it failed, so the coordinator will order a rollback; wait for it (bounded). */
  private void waitForRollback(String what) {
    long deadline = System.currentTimeMillis() + peerTimeoutMs;
    lock.lock();
    try {
      while (System.currentTimeMillis() < deadline) {
        checkInterrupt();
        await();
      }
      throw new CairnException(what + " and no rollback was ordered within " + peerTimeoutMs + " ms");
    } finally {
      lock.unlock();
    }
  }

  /** The next message from {@code source} (or any rank: -1) with {@code tag} (or any application tag: -1). */
  Message recv(int source, int tag, boolean block) {
    if (source < -1 || source >= size)
      throw new IllegalArgumentException("source rank " + source + " is outside 0.." + (size - 1));
    if (mlog != null) return recvLogged(source, tag, block);
    lock.lock();
    try {
      while (true) {
        requireOpen();
        if (source >= 0) {
          Message m = take(source, tag);
          if (m != null) return m;
        } else {
          for (int k = 0; k < size; k++) {
            int s = (rotate + k) % size;
            Message m = take(s, tag);
            if (m != null) {
              rotate = s + 1;
              return m;
            }
          }
        }
        if (!block) return null;
        await();
      }
    } finally {
      lock.unlock();
    }
  }

  private Message take(int source, int tag) {
    Iterator<Object> it = in[source].queue.iterator();
    while (it.hasNext()) {
      Object o = it.next();
      if (o instanceof Marker) return null; // held back until this rank takes that snapshot
      Message m = (Message) o;
      if (tag == -1 ? m.tag() >= 0 : m.tag() == tag) {
        it.remove();
        delivered[source]++;
        return m;
      }
    }
    return null;
  }

  /** Sends the marker of global checkpoint {@code g} on every outgoing channel. */
  void sendMarkers(long g) {
    long e = currentEpoch();
    for (int d = 0; d < size; d++) if (d != rank) write(d, e, MARKER, 0, g, new byte[0]);
  }

  /** The epoch this endpoint sends in (read under the lock); throws when it is closed. */
  private long currentEpoch() {
    lock.lock();
    try {
      requireOpen();
      return epoch;
    } finally {
      lock.unlock();
    }
  }

  /** Blocking protocol: waits until the marker of {@code g} arrived on every incoming channel (all earlier messages are here). */
  void awaitMarkers(long g) {
    lock.lock();
    try {
      while (true) {
        checkInterrupt();
        boolean all = true;
        for (int s = 0; s < size && all; s++) if (s != rank && !in[s].queue.contains(new Marker(g))) all = false;
        if (all) return;
        await();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Takes this rank's snapshot of its channels for global checkpoint {@code g}: counters, the messages
   * queued before each channel's marker, and (for channels whose marker has not arrived) a recording of
   * what arrives until it does. {@link Snapshot#complete} completes when every channel's marker arrived.
   */
  Snapshot snapshot(long g) {
    lock.lock();
    try {
      checkInterrupt();
      Snapshot snap = new Snapshot(g, size);
      System.arraycopy(sent, 0, snap.state.sent, 0, size);
      System.arraycopy(delivered, 0, snap.state.delivered, 0, size);
      for (int s = 0; s < size; s++) {
        Chan c = in[s];
        boolean marker = false;
        for (Iterator<Object> it = c.queue.iterator(); it.hasNext();) {
          Object o = it.next();
          if (o instanceof Marker mk) {
            if (mk.global() == g) {
              it.remove();
              marker = true;
              break;
            }
            continue;
          }
          snap.state.inFlight.get(s).add((Message) o);
        }
        if (!marker && s != rank) {
          c.recording.add(snap);
          snap.waiting.add(s);
        }
      }
      if (snap.waiting.isEmpty()) snap.complete.complete(snap.recorded);
      changed.signalAll();
      return snap;
    } finally {
      lock.unlock();
    }
  }

  // ------------------------------------------------------------------ receiving

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket s = server.accept();
        s.setTcpNoDelay(true);
        Thread.ofVirtual().name("cairn-recv-" + rank).start(() -> receive(s));
      } catch (IOException e) {
        if (!closed) log.warn("rank {}: accept failed: {}", rank, e.toString());
      }
    }
  }

  private void receive(Socket s) {
    Incoming me = null;
    try {
      JobSecret k = secret;
      if (k == null) throw new JobSecret.AuthenticationException("this rank does not know the job secret yet");
      k.authenticateAsServer(s, JobSecret.DATA);
    } catch (IOException e) {
      if (!closed)
        log.warn("rank {}: refused a data connection from {}: {}", rank, s.getRemoteSocketAddress(), e.getMessage());
      closeQuietly(s);
      return;
    }
    try (DataInputStream d = new DataInputStream(new BufferedInputStream(s.getInputStream(), 1 << 16))) {
      if (d.readInt() != HELLO) return;
      int src = d.readInt();
      long e = d.readLong();
      if (src < 0 || src >= size) return;
      lock.lock();
      try {
        // a connection of an older epoch (or a stray one): dropped; under message logging epochs are per group and the
        // sequence numbers drop what is stale (a re-executed message is the same message)
        if (e != epoch && mlog == null) return;
        me = new Incoming(s, e);
        incoming.add(me);
      } finally {
        lock.unlock();
      }
      while (true) {
        byte type = d.readByte();
        int tag = d.readInt();
        long aux = d.readLong();
        int len = d.readInt();
        if (len < 0 || len > MAX_FRAME) throw new IOException("bad frame length " + len);
        if (type != DATA && type != MARKER && type != SYNC) throw new IOException("bad frame type " + type);
        byte[] data = d.readNBytes(len);
        if (data.length != len) throw new EOFException();
        if (!deliver(src, e, type, tag, aux, data)) return;
      }
    } catch (IOException ex) {
      // peer closed or died: the coordinator notices and orders a rollback
    } finally {
      closeQuietly(s);
      if (me != null) {
        lock.lock();
        try {
          incoming.remove(me);
        } finally {
          lock.unlock();
        }
      }
    }
  }

  /** A frame from {@code src} sent in epoch {@code e}: into the channel (false, and dropped, when from another epoch). */
  private boolean deliver(int src, long e, byte type, int tag, long aux, byte[] data) {
    lock.lock();
    try {
      if (mlog != null) {
        deliverLogged(src, e, type, tag, aux, data);
        return true;
      }
      Chan c = in[src];
      if (type == DATA) {
        Message m = new Message(src, tag, data);
        for (Snapshot snap : c.recording) snap.recorded.get(src).add(m);
        c.queue.add(m);
      } else if (type == MARKER) {
        Snapshot done = null;
        for (Snapshot snap : c.recording) if (snap.global == aux) done = snap;
        if (done != null) {
          c.recording.remove(done);
          done.waiting.remove(src);
          if (done.waiting.isEmpty()) done.complete.complete(done.recorded);
        } else {
          c.queue.add(new Marker(aux));
        }
      }
      changed.signalAll();
      return true;
    } finally {
      lock.unlock();
    }
  }

  // ------------------------------------------------------------------ message logging (protocol logging)

  /** Switches this endpoint to sender-based message logging (before the first restore). */
  void enableLogging(MessageLog l, long incarnation) {
    if (wire != null)
      throw new CairnException(
          "the logging protocol needs Cairn's own TCP channels (CAIRN_TRANSPORT=tcp), not " + wire.name());
    this.mlog = l;
    this.incarnation = incarnation;
  }

  MessageLog messageLog() { return mlog; }

  /** Hierarchical: the group of every rank (messages inside this rank's group are not logged from now on). */
  void groups(int[] g) {
    lock.lock();
    try {
      mlog.group = g.clone();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Restores the message-logging state of a checkpoint ({@code state}: null for the initial state) for epoch {@code e}:
   * sequence numbers, inbox, payload log; loads the determinants recorded after it for replay; every outgoing channel
   * waits for its peer's SYNC before sending data again.
   */
  void prefillLogging(long e, byte[] state) {
    lock.lock();
    try {
      if (rollbackEpoch != e) checkInterrupt();
      List<List<MessageLog.Logged>> inbox = new ArrayList<>();
      for (int i = 0; i < size; i++) inbox.add(new ArrayList<>());
      mlog.load(state, sent, delivered, inbox);
      for (int i = 0; i < size; i++) {
        in[i].queue.clear();
        in[i].queue.addAll(inbox.get(i));
      }
      mlog.replay.clear();
      mlog.replay.addAll(MessageLog.read(mlog.dir(), mlog.detIndex));
      for (Out o : out) o.needsResend = true;
      mlog.startSegment(mlog.detIndex + mlog.replay.size(), e, (int) incarnation);
      if (!mlog.replay.isEmpty())
        log.info("rank {}: replaying {} logged receive outcomes (determinants {}..{})", rank, mlog.replay.size(),
            mlog.detIndex,
            mlog.detIndex + mlog.replay.size() - 1);
    } finally {
      lock.unlock();
    }
  }

  /** The message-logging state for a checkpoint, and the receive positions it covers (for the acks once it is durable). */
  record LoggingCapture(byte[] state, long[] covered, long detIndex, long sentBytes, long loggedBytes, long heldBytes,
      long syncs) {}

  LoggingCapture captureLogging() {
    lock.lock();
    try {
      checkInterrupt();
      List<List<MessageLog.Logged>> inbox = new ArrayList<>();
      for (Chan c : in) {
        List<MessageLog.Logged> l = new ArrayList<>();
        for (Object o : c.queue) if (o instanceof MessageLog.Logged m) l.add(m);
        inbox.add(l);
      }
      return new LoggingCapture(mlog.capture(sent, delivered, inbox), mlog.recvSeq.clone(), mlog.detIndex,
          mlog.sentBytes, mlog.loggedBytes,
          mlog.unackedTotal, mlog.fsyncs);
    } finally {
      lock.unlock();
    }
  }

  /** This rank's checkpoint holding {@code c} is durable: tell every sender what it covers, and start a new determinant file. */
  void loggingCheckpointed(LoggingCapture c) {
    long e;
    lock.lock();
    try {
      e = epoch;
      mlog.checkpointRequested = false;
    } finally {
      lock.unlock();
    }
    mlog.checkpointed(c.detIndex(), e, (int) incarnation);
    for (int d = 0; d < size; d++)
      if (d != rank && c.covered()[d] > 0) control(d, e, SYNC_ACK, c.covered()[d], new byte[0]);
  }

  /** Whether a sender asked this rank to checkpoint (its log towards this rank hit the bound). */
  boolean checkpointRequested() {
    lock.lock();
    try {
      return mlog.checkpointRequested;
    } finally {
      lock.unlock();
    }
  }

  /** After the GO of a restore: asks every peer for what it logged for this rank since the restored state, and for its position. */
  void loggingStart() {
    long e;
    long[] have;
    lock.lock();
    try {
      e = epoch;
      have = mlog.recvSeq.clone();
    } finally {
      lock.unlock();
    }
    byte[] me = (advertisedHost + ":" + port()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    for (int d = 0; d < size; d++) {
      if (d == rank) continue;
      int dest = d;
      Thread.ofVirtual().name("cairn-sync-" + rank + "-" + d)
          .start(() -> control(dest, e, SYNC_REQUEST, have[dest], me));
    }
  }

  /**
   * Writes a control frame (never waits for a dead peer: a lost one is replaced by the peer's own SYNC when it is back);
   * false when it was not sent. An ack waits for the channel's SYNC (the next checkpoint acks again).
   */
  private boolean control(int dest, long e, int tag, long aux, byte[] data) {
    Out o = out[dest];
    o.lock.lock();
    try {
      if (tag == SYNC_ACK && o.needsResend) return false; // the peer is down or restarting: its SYNC will follow
      try {
        if (o.epoch != e || o.socket == null || o.socket.isClosed()) connect(dest, o, e);
        frame(o, SYNC, tag, aux, data);
        o.out.flush();
        return true;
      } catch (IOException ex) {
        closeQuietly(o.socket);
        o.socket = null;
        o.needsResend = true;
        return false;
      }
    } finally {
      o.lock.unlock();
    }
  }

  private static void frame(Out o, byte type, int tag, long aux, byte[] data) throws IOException {
    o.out.writeByte(type);
    o.out.writeInt(tag);
    o.out.writeLong(aux);
    o.out.writeInt(data.length);
    o.out.write(data);
  }

  private void sendLogged(int dest, int tag, byte[] data) {
    byte[] copy = data.clone(); // the log keeps the payload: the caller may reuse its array
    mlog.flushDeterminants(); // pessimistic: what this message may depend on is stable before it leaves
    long e;
    long seq;
    lock.lock();
    try {
      requireOpen();
      e = epoch;
      seq = ++mlog.sendSeq[dest];
      sent[dest]++;
      if (dest == rank) {
        mlog.recvSeq[rank] = seq;
        in[rank].queue.add(new MessageLog.Logged(new Message(rank, tag, copy), seq));
        changed.signalAll();
        return;
      }
      sentBytes += copy.length;
      mlog.add(dest, seq, tag, copy);
    } finally {
      lock.unlock();
    }
    boundLog(e);
    Out o = out[dest];
    o.lock.lock();
    try {
      if (o.needsResend) return; // kept in the log; resent when the peer asks
      try {
        if (o.epoch != e || o.socket == null || o.socket.isClosed()) connect(dest, o, e);
        frame(o, DATA, tag, seq, copy);
        o.out.flush();
      } catch (IOException ex) {
        closeQuietly(o.socket);
        o.socket = null;
        o.needsResend = true; // the peer died: the message stays in the log for its next incarnation
      }
    } finally {
      o.lock.unlock();
    }
  }

  /**
   * The bound of the payload log ({@code CAIRN_MESSAGE_LOG_LIMIT}): above it, every receiver holding unacknowledged
   * messages is asked to checkpoint at its next checkpoint call (which frees the log through its ack; asked again when
   * it restarted meanwhile); above twice it, this send waits for those acks, at most {@code CAIRN_PEER_TIMEOUT_MS}: a
   * receiver that makes no more checkpoint calls (e.g. a job's final reductions) cannot free it, and then the sender
   * goes on beyond the bound (said once) until the next ack.
   */
  private void boundLog(long e) {
    long deadline = System.currentTimeMillis() + peerTimeoutMs;
    while (true) {
      List<Integer> ask = new ArrayList<>();
      boolean wait;
      lock.lock();
      try {
        if (mlog.unackedTotal <= mlog.limit) return;
        for (int d = 0; d < size; d++) {
          if (d != rank && mlog.unacked[d] > 0 && !mlog.askedToCheckpoint[d]) {
            mlog.askedToCheckpoint[d] = true;
            ask.add(d);
          }
        }
        wait = mlog.unackedTotal > 2 * mlog.limit && !mlog.boundWaived;
      } finally {
        lock.unlock();
      }
      List<Integer> unsent = new ArrayList<>();
      for (int d : ask) if (!control(d, e, SYNC_CHECKPOINT, 0, new byte[0])) unsent.add(d);
      lock.lock();
      try {
        for (int d : unsent) mlog.askedToCheckpoint[d] = false; // down: asked again (its new incarnation) on a later round
        if (!wait) return;
        checkInterrupt();
        if (System.currentTimeMillis() > deadline) {
          mlog.boundWaived = true;
          log.warn(
              "rank {}: the message log holds {} bytes not covered by the receivers' checkpoints, twice CAIRN_MESSAGE_LOG_LIMIT ({}),"
                  + " and no receiver checkpointed within {} ms; going on beyond the bound until the next ack",
              rank, mlog.unackedTotal, mlog.limit,
              peerTimeoutMs);
          return;
        }
        await();
      } finally {
        lock.unlock();
      }
    }
  }

  /** A frame of the logging protocol from {@code src} (called with the lock held). */
  private void deliverLogged(int src, long e, byte type, int tag, long aux, byte[] data) {
    if (type == DATA) {
      // in sequence order only: a duplicate (re-sent by a recovering rank, or resent from a log) is dropped; so is
      // a message after a gap, which the sender resends after this rank's SYNC
      if (aux != mlog.recvSeq[src] + 1) return;
      mlog.recvSeq[src] = aux;
      in[src].queue.add(new MessageLog.Logged(new Message(src, tag, data), aux));
      changed.signalAll();
      return;
    }
    if (type != SYNC) return;
    switch (tag) {
      case SYNC_ACK -> {
        mlog.acked(src, aux);
        changed.signalAll();
      }
      case SYNC_CHECKPOINT -> mlog.checkpointRequested = true;
      case SYNC_MARK -> {
        if (data.length == 8 && e == epoch) { // a group's peers share its epoch: an older one's mark is stale
          long k = java.nio.ByteBuffer.wrap(data).getLong();
          if (k >= mlog.markRound[src]) {
            mlog.markRound[src] = k;
            mlog.markSeq[src] = aux;
          }
          changed.signalAll();
        }
      }
      case SYNC_WRITTEN -> {
        if (e == epoch) mlog.writtenRound[src] = Math.max(mlog.writtenRound[src], aux);
        changed.signalAll();
      }
      case SYNC_REQUEST, SYNC_REPLY -> {
        // before this rank's own restore is done (GO of this epoch) it ignores them: its own request covers both ways
        if (goEpoch != epoch || table == null) return;
        String addr = tag == SYNC_REQUEST ? new String(data, java.nio.charset.StandardCharsets.UTF_8) : null;
        if (addr != null && addr.lastIndexOf(':') > 0) table[src] = addr;
        if (tag == SYNC_REQUEST) mlog.askedToCheckpoint[src] = false; // restarted: a request it had is gone with its process
        long now = epoch;
        Thread.ofVirtual().name("cairn-resend-" + rank + "-" + src)
            .start(() -> resend(src, now, aux, tag == SYNC_REQUEST));
      }
      default -> {}
    }
  }

  /** Sends {@code dest} (a new connection) every logged message after {@code have}, and with {@code reply} this rank's position. */
  private void resend(int dest, long e, long have, boolean reply) {
    Out o = out[dest];
    o.lock.lock();
    try {
      List<MessageLog.Entry> todo;
      long mine;
      lock.lock();
      try {
        if (epoch != e) return;
        todo = mlog.entriesAfter(dest, have);
        mine = mlog.recvSeq[dest];
      } finally {
        lock.unlock();
      }
      try {
        closeQuietly(o.socket);
        o.socket = null;
        connect(dest, o, e);
        for (MessageLog.Entry x : todo) frame(o, DATA, x.tag(), x.seq(), x.data());
        if (reply) frame(o, SYNC, SYNC_REPLY, mine, new byte[0]);
        o.out.flush();
        o.needsResend = false;
        if (!todo.isEmpty())
          log.info("rank {}: resent {} logged messages to rank {} (seq {}..{})", rank, todo.size(), dest,
              todo.getFirst().seq(), todo.getLast().seq());
      } catch (IOException ex) {
        closeQuietly(o.socket);
        o.socket = null;
        o.needsResend = true;
      }
    } finally {
      o.lock.unlock();
    }
  }

  private CairnException diverged(String what) {
    return new CairnException("rank " + rank + " replaying its logged receives diverged: " + what
        + ". The rank program is not piecewise"
        + " deterministic (between receives it must compute the same thing: no wall clock, no unlogged randomness, one thread on the"
        + " communicator), which the logging protocol requires");
  }

  private Message recvLogged(int source, int tag, boolean block) {
    boolean nondeterministic = source < 0 || !block;
    lock.lock();
    try {
      while (true) {
        requireOpen();
        MessageLog.Det d = nondeterministic ? mlog.replay.peekFirst() : null;
        if (d != null) {
          if (d.source() < 0) {
            if (block)
              throw diverged("a blocking receive where the log has an empty poll (determinant " + d.index() + ")");
            mlog.replay.removeFirst();
            mlog.detIndex++;
            return null;
          }
          if (source >= 0 && source != d.source())
            throw diverged("a receive from rank " + source + " where the log has one from rank " + d.source()
                + " (determinant " + d.index() + ")");
          MessageLog.Logged l = takeSeq(d.source(), d.seq());
          if (l != null) {
            if (tag == -1 ? l.msg().tag() < 0 : l.msg().tag() != tag)
              throw diverged("message " + d.seq() + " from rank " + d.source() + " has tag " + l.msg().tag()
                  + ", the receive asks for " + tag);
            mlog.replay.removeFirst();
            mlog.detIndex++;
            delivered[d.source()]++;
            return l.msg();
          }
          await(); // it comes again from its sender's log (or its re-execution)
          continue;
        }
        MessageLog.Logged l = null;
        if (source >= 0) {
          l = takeLogged(source, tag);
        } else {
          for (int k = 0; k < size && l == null; k++) {
            int s = (rotate + k) % size;
            l = takeLogged(s, tag);
            if (l != null) rotate = s + 1;
          }
        }
        if (l != null) {
          delivered[l.msg().source()]++;
          if (nondeterministic) mlog.record(l.msg().source(), l.seq());
          return l.msg();
        }
        if (!block) {
          mlog.record(-1, 0);
          return null;
        }
        await();
      }
    } finally {
      lock.unlock();
    }
  }

  private MessageLog.Logged takeLogged(int source, int tag) {
    Iterator<Object> it = in[source].queue.iterator();
    while (it.hasNext()) {
      if (!(it.next() instanceof MessageLog.Logged l)) continue;
      if (tag == -1 ? l.msg().tag() >= 0 : l.msg().tag() == tag) {
        it.remove();
        return l;
      }
    }
    return null;
  }

  private MessageLog.Logged takeSeq(int source, long seq) {
    Iterator<Object> it = in[source].queue.iterator();
    while (it.hasNext()) {
      if (it.next() instanceof MessageLog.Logged l && l.seq() == seq) {
        it.remove();
        return l;
      }
    }
    return null;
  }

  // ------------------------------------------------------------------ hierarchical: checkpoints coordinated inside a group

  /** Round {@code k} of this group's checkpoint: tells every peer of the group how many messages it sent it, and waits for theirs. */
  void groupMark(long k, int[] peers) {
    long e;
    long[] seq = new long[size];
    lock.lock();
    try {
      requireOpen();
      e = epoch;
      System.arraycopy(mlog.sendSeq, 0, seq, 0, size);
    } finally {
      lock.unlock();
    }
    byte[] round = java.nio.ByteBuffer.allocate(8).putLong(k).array();
    for (int p : peers) control(p, e, SYNC_MARK, seq[p], round);
    lock.lock();
    try {
      while (true) {
        requireOpen();
        boolean all = true;
        for (int p : peers) if (mlog.markRound[p] < k || mlog.recvSeq[p] < mlog.markSeq[p]) all = false;
        if (all) return; // every message a group peer sent before its checkpoint is here (delivered or in the inbox)
        await();
      }
    } finally {
      lock.unlock();
    }
  }

  /** This rank's part of round {@code k} is durable: tells the group, and waits until every peer's is. */
  void groupWritten(long k, int[] peers) {
    long e = currentEpoch();
    for (int p : peers) control(p, e, SYNC_WRITTEN, k, new byte[0]);
    lock.lock();
    try {
      while (true) {
        requireOpen();
        boolean all = true;
        for (int p : peers) if (mlog.writtenRound[p] < k) all = false;
        if (all) return;
        await();
      }
    } finally {
      lock.unlock();
    }
  }

  private static void closeQuietly(Socket s) {
    if (s == null) return;
    try {
      s.close();
    } catch (IOException ignored) {
      /* closing */ }
  }

  @Override
  public void close() {
    closed = true;
    if (mlog != null) mlog.close();
    if (wire != null) {
      boolean clean;
      lock.lock();
      try {
        clean = finished && aborted == null;
      } finally {
        lock.unlock();
      }
      wire.close(clean);
      return;
    }
    try {
      server.close();
    } catch (IOException ignored) {
      /* closing */ }
    lock.lock();
    try {
      for (Out o : out) closeQuietly(o.socket);
      for (Incoming i : incoming) closeQuietly(i.socket());
    } finally {
      lock.unlock();
    }
  }
}
