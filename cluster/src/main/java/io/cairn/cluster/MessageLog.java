package io.cairn.cluster;

import io.cairn.CairnException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * One rank's state for the {@link Protocol#LOGGING} protocol (pessimistic sender-based message logging), guarded by
 * the endpoint's lock:
 * <ul>
 *   <li>per-channel sequence numbers: {@code sendSeq[d]} of the last message sent to d, {@code recvSeq[s]} of the
 *       last message from s taken into the inbox (channels deliver in sequence order: a duplicate or a gap is dropped);
 *   <li>the sender-based payload log: every message sent to d that d's newest checkpoint does not cover yet (d tells
 *       this rank with an ack after each of its checkpoints); saved with this rank's checkpoint;
 *   <li>the determinants: for every nondeterministic receive (any-source receive, any poll) the source and sequence
 *       number delivered, or "nothing" for an empty poll, appended to a file in the job directory and forced to disk
 *       before this rank sends its next message (so no other rank can depend on a delivery that is not stable);
 *   <li>the replay queue after a restore: the determinants recorded after the restored checkpoint, which the
 *       re-executing rank follows instead of choosing again.
 * </ul>
 */
final class MessageLog {
  /** A logged payload: sequence number on its channel, tag, data. */
  record Entry(long seq, int tag, byte[] data) {}

  /** A message in the inbox with its sequence number. */
  record Logged(Message msg, long seq) {}

  /** A determinant: the {@code index}-th nondeterministic receive of this rank delivered {@code seq} from {@code source} (-1: nothing). */
  record Det(long index, int source, long seq) {}

  private static final long STATE_MAGIC = 0x434149524E4C4731L; // "CAIRNLG1"
  private static final int DET_RECORD = 24;

  final int rank;
  final int size;
  final long[] sendSeq;
  final long[] recvSeq;
  final List<ArrayDeque<Entry>> log = new ArrayList<>();
  final long[] unacked;
  /** Hierarchical: the group of each rank (null: plain logging); messages inside a group are not logged. */
  int[] group;
  /** Hierarchical: the newest group-checkpoint round each peer announced, with how many messages it had sent us then, and wrote. */
  final long[] markRound;
  final long[] markSeq;
  final long[] writtenRound;
  final boolean[] askedToCheckpoint;
  /** Cumulative payload bytes this rank sent (to other ranks) and logged, over the job's logical execution. */
  long sentBytes;
  long loggedBytes;
  long unackedTotal;
  /** Index of the next determinant. */
  long detIndex;
  final ArrayDeque<Det> replay = new ArrayDeque<>();
  /** A sender asked this rank to checkpoint at its next {@code checkpoint} call (its log towards us hit the bound). */
  boolean checkpointRequested;
  /** The sender waited for acks above twice the bound until its time limit: it goes on beyond the bound until the next ack. */
  boolean boundWaived;
  /** Soft bound of the unacknowledged log (bytes): above it the receivers are asked to checkpoint; above twice it sends wait. */
  final long limit;
  private final Path dir;
  /** What this rank tells the coordinator at JOIN: {@code logging}, or {@code hierarchical <group key>}. */
  private final String mode;
  // determinant file (the application thread appends; synchronized on this)
  private FileChannel detFile;
  private final ByteBuffer detBuf = ByteBuffer.allocate(DET_RECORD * 256);
  private long lastCheckpointDet = -1;
  long fsyncs;

  MessageLog(int rank, int size, Path jobDir, long limit, String mode) {
    this.rank = rank;
    this.size = size;
    this.sendSeq = new long[size];
    this.recvSeq = new long[size];
    this.unacked = new long[size];
    this.askedToCheckpoint = new boolean[size];
    this.markRound = new long[size];
    this.markSeq = new long[size];
    this.writtenRound = new long[size];
    for (int i = 0; i < size; i++) log.add(new ArrayDeque<>());
    this.limit = limit;
    this.dir = jobDir.resolve("logging").resolve("r" + rank + "of" + size);
    this.mode = mode;
  }

  Path dir() { return dir; }

  // ------------------------------------------------------------------ payload log

  void add(int dest, long seq, int tag, byte[] data) {
    log.get(dest).add(new Entry(seq, tag, data));
    unacked[dest] += data.length;
    unackedTotal += data.length;
    sentBytes += data.length;
    if (!intraGroup(dest)) loggedBytes += data.length;
  }

  /**
   * Hierarchical: {@code d} is in this rank's group. Messages to it are kept in memory only until its next group
   * checkpoint acks them (to retransmit after a broken connection), never saved with the checkpoint nor counted as
   * logged: the group rolls back together, and its re-execution sends them again.
   */
  boolean intraGroup(int d) { return group != null && group[d] == group[rank]; }

  /** {@code dest}'s checkpoint covers everything up to {@code seq}: those entries are dropped. */
  void acked(int dest, long seq) {
    ArrayDeque<Entry> l = log.get(dest);
    while (!l.isEmpty() && l.peekFirst().seq() <= seq) {
      Entry x = l.removeFirst();
      unacked[dest] -= x.data().length;
      unackedTotal -= x.data().length;
    }
    askedToCheckpoint[dest] = false;
    boundWaived = false;
  }

  List<Entry> entriesAfter(int dest, long seq) {
    List<Entry> out = new ArrayList<>();
    for (Entry x : log.get(dest)) if (x.seq() > seq) out.add(x);
    return out;
  }

  // ------------------------------------------------------------------ state saved with the rank's checkpoint

  /** The state at a checkpoint (counters of the endpoint and its inbox included), as bytes. */
  byte[] capture(long[] sent, long[] delivered, List<List<Logged>> inbox) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (DataOutputStream o = new DataOutputStream(b)) {
      o.writeLong(STATE_MAGIC);
      o.writeInt(size);
      for (int i = 0; i < size; i++) {
        o.writeLong(sendSeq[i]);
        o.writeLong(recvSeq[i]);
        o.writeLong(sent[i]);
        o.writeLong(delivered[i]);
      }
      o.writeLong(sentBytes);
      o.writeLong(loggedBytes);
      o.writeLong(detIndex);
      for (List<Logged> l : inbox) {
        o.writeInt(l.size());
        for (Logged m : l) writeEntry(o, m.seq(), m.msg().tag(), m.msg().data());
      }
      for (int d = 0; d < size; d++) {
        ArrayDeque<Entry> l = log.get(d);
        if (intraGroup(d)) {
          o.writeInt(0);
          continue;
        }
        o.writeInt(l.size());
        for (Entry x : l) writeEntry(o, x.seq(), x.tag(), x.data());
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return b.toByteArray();
  }

  private static void writeEntry(DataOutputStream o, long seq, int tag, byte[] data) throws IOException {
    o.writeLong(seq);
    o.writeInt(tag);
    o.writeInt(data.length);
    o.write(data);
  }

  /** Restores the state saved by {@link #capture} (null: the initial state); fills the endpoint's counters and inbox. */
  void load(byte[] state, long[] sent, long[] delivered, List<List<Logged>> inbox) {
    java.util.Arrays.fill(sendSeq, 0);
    java.util.Arrays.fill(recvSeq, 0);
    java.util.Arrays.fill(sent, 0);
    java.util.Arrays.fill(delivered, 0);
    java.util.Arrays.fill(unacked, 0);
    java.util.Arrays.fill(askedToCheckpoint, false);
    java.util.Arrays.fill(markRound, 0);
    java.util.Arrays.fill(markSeq, 0);
    java.util.Arrays.fill(writtenRound, 0);
    unackedTotal = 0;
    sentBytes = loggedBytes = detIndex = 0;
    checkpointRequested = false;
    for (ArrayDeque<Entry> l : log) l.clear();
    for (List<Logged> l : inbox) l.clear();
    if (state == null) return;
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(state))) {
      if (in.readLong() != STATE_MAGIC) throw new IOException("not a message-logging state");
      int n = in.readInt();
      if (n != size)
        throw new IOException("saved by a job of " + n + " ranks, this job has " + size
            + " (the logging protocol restarts with the same number of ranks)");
      for (int i = 0; i < n; i++) {
        sendSeq[i] = in.readLong();
        recvSeq[i] = in.readLong();
        sent[i] = in.readLong();
        delivered[i] = in.readLong();
      }
      sentBytes = in.readLong();
      loggedBytes = in.readLong();
      detIndex = in.readLong();
      for (int s = 0; s < n; s++) {
        int k = count(in);
        for (int i = 0; i < k; i++) {
          Entry x = readEntry(in);
          inbox.get(s).add(new Logged(new Message(s, x.tag(), x.data()), x.seq()));
        }
      }
      for (int d = 0; d < n; d++) {
        int k = count(in);
        for (int i = 0; i < k; i++) {
          Entry x = readEntry(in);
          log.get(d).add(x);
          unacked[d] += x.data().length;
          unackedTotal += x.data().length;
        }
      }
    } catch (IOException e) {
      throw new CairnException(
          "rank " + rank + ": the message-logging state of its checkpoint cannot be read: " + e.getMessage(), e);
    }
  }

  private static int count(DataInputStream in) throws IOException {
    int k = in.readInt();
    if (k < 0) throw new IOException("bad count " + k);
    return k;
  }

  private static Entry readEntry(DataInputStream in) throws IOException {
    long seq = in.readLong();
    int tag = in.readInt();
    int len = in.readInt();
    if (len < 0 || len > Endpoint.MAX_FRAME) throw new IOException("bad message length " + len);
    byte[] d = in.readNBytes(len);
    if (d.length != len) throw new IOException("truncated message");
    return new Entry(seq, tag, d);
  }

  // ------------------------------------------------------------------ determinants on stable storage

  /** Records the outcome of a nondeterministic receive (appended; forced to disk before the next send). */
  synchronized void record(int source, long seq) {
    if (detBuf.remaining() < DET_RECORD) writeBuffered();
    CRC32C crc = new CRC32C();
    int start = detBuf.position();
    detBuf.putLong(detIndex).putInt(source).putLong(seq);
    crc.update(detBuf.array(), start, 20);
    detBuf.putInt((int) crc.getValue());
    detIndex++;
  }

  /** Pessimistic: every determinant recorded so far is on disk (fsync) before an effect of it can leave the rank. */
  synchronized void flushDeterminants() {
    if (detBuf.position() == 0) return;
    writeBuffered();
    try {
      detFile.force(false);
      fsyncs++;
    } catch (IOException e) {
      throw new CairnException(
          "rank " + rank + ": cannot force the determinant log in " + dir + " to disk: " + e.getMessage()
              + " (the logging protocol cannot go on without stable determinants)",
          e);
    }
  }

  private void writeBuffered() {
    detBuf.flip();
    try {
      if (detFile == null) throw new IOException("no determinant file open");
      while (detBuf.hasRemaining()) detFile.write(detBuf);
    } catch (IOException e) {
      throw new CairnException("rank " + rank + ": cannot write the determinant log in " + dir + ": " + e.getMessage(),
          e);
    } finally {
      detBuf.clear();
    }
  }

  /** Starts a new determinant file whose first record has index {@code start}; removes files no longer needed. */
  synchronized void startSegment(long start, long epoch, int incarnation) {
    try {
      if (detFile != null) {
        if (detBuf.position() > 0) writeBuffered();
        detFile.force(false);
        detFile.close();
      }
      Files.createDirectories(dir);
      Path f = dir.resolve(String.format("d%020d-e%d-i%d.%s", start, epoch, incarnation, "det"));
      detFile = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING);
      try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
        d.force(true); // the new name is durable too
      } catch (IOException ignored) {
        // some file systems cannot open directories; the records themselves are forced
      }
    } catch (IOException e) {
      throw new CairnException("rank " + rank + ": cannot open a determinant log in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** After a checkpoint whose state has determinant index {@code d}: new segment, and the files older than the previous checkpoint go. */
  synchronized void checkpointed(long d, long epoch, int incarnation) {
    startSegment(d, epoch, incarnation);
    if (lastCheckpointDet >= 0) removeBelow(lastCheckpointDet);
    lastCheckpointDet = d;
  }

  private void removeBelow(long d) {
    TreeMap<Long, List<Path>> files = segments(dir);
    List<Long> starts = new ArrayList<>(files.keySet());
    for (int i = 0; i + 1 < starts.size(); i++) {
      if (starts.get(i + 1) > d) break;
      for (Path p : files.get(starts.get(i))) {
        try {
          Files.deleteIfExists(p);
        } catch (IOException ignored) {
          // kept: read and skipped at the next restore
        }
      }
    }
  }

  private static TreeMap<Long, List<Path>> segments(Path dir) {
    TreeMap<Long, List<Path>> m = new TreeMap<>();
    if (!Files.isDirectory(dir)) return m;
    try (var s = Files.list(dir)) {
      for (Path p : s.toList()) {
        String n = p.getFileName().toString();
        if (!n.startsWith("d") || !n.endsWith(".det") || n.length() < 21) continue;
        try {
          m.computeIfAbsent(Long.parseLong(n.substring(1, 21)), k -> new ArrayList<>()).add(p);
        } catch (NumberFormatException ignored) {
          // not ours
        }
      }
    } catch (IOException e) {
      throw new CairnException("cannot list the determinant logs in " + dir + ": " + e.getMessage(), e);
    }
    return m;
  }

  /**
   * The determinants recorded from index {@code from} on, in order, as the files hold them (a torn last record,
   * from a kill during its write, ends the sequence: its receive never had an effect outside the rank).
   */
  static List<Det> read(Path dir, long from) {
    TreeMap<Long, Det> byIndex = new TreeMap<>();
    for (List<Path> ps : segments(dir).values()) {
      for (Path p : ps) {
        byte[] all;
        try {
          all = Files.readAllBytes(p);
        } catch (IOException e) {
          throw new CairnException("cannot read the determinant log " + p + ": " + e.getMessage(), e);
        }
        ByteBuffer b = ByteBuffer.wrap(all);
        while (b.remaining() >= DET_RECORD) {
          int at = b.position();
          long idx = b.getLong();
          int src = b.getInt();
          long seq = b.getLong();
          int c = b.getInt();
          CRC32C crc = new CRC32C();
          crc.update(all, at, 20);
          if ((int) crc.getValue() != c) break; // torn
          if (idx >= from) byIndex.putIfAbsent(idx, new Det(idx, src, seq));
        }
      }
    }
    List<Det> out = new ArrayList<>();
    long next = from;
    for (Det d : byIndex.values()) {
      if (d.index() != next) break;
      out.add(d);
      next++;
    }
    return out;
  }

  synchronized void close() {
    if (detFile == null) return;
    try {
      if (detBuf.position() > 0) writeBuffered();
      detFile.force(false);
      detFile.close();
    } catch (IOException | RuntimeException ignored) {
      // closing
    }
    detFile = null;
  }

  /** {@code logging}, or {@code hierarchical <group key>} (the group key goes to the coordinator in JOIN, after the protocol). */
  String mode() {
    return mode;
  }

  boolean hierarchical() { return mode.startsWith("hierarchical"); }

  /**
   * The group of each rank for the hierarchical protocol: {@code spec} ({@code CAIRN_GROUPS}, e.g. {@code 0-3;4-7} or
   * {@code 0,1;2,3}: every rank in exactly one group), else one group per node ({@code nodes}, may be null before the
   * job runs: then only {@code rank}'s own group can be named, by its node).
   */
  static int[] groups(String spec, List<String> nodes, int size) {
    int[] g = new int[size];
    java.util.Arrays.fill(g, -1);
    if (spec == null || spec.isBlank()) {
      if (nodes == null || nodes.size() != size)
        throw new IllegalStateException("the node of every rank is not known yet");
      List<String> names = new ArrayList<>();
      for (int r = 0; r < size; r++) {
        int i = names.indexOf(nodes.get(r));
        if (i < 0) {
          names.add(nodes.get(r));
          i = names.size() - 1;
        }
        g[r] = i;
      }
      return g;
    }
    String[] parts = spec.trim().split(";");
    for (int k = 0; k < parts.length; k++) {
      for (String item : parts[k].split(",")) {
        String t = item.trim();
        if (t.isEmpty()) continue;
        int lo;
        int hi;
        try {
          int dash = t.indexOf('-');
          lo = Integer.parseInt(dash < 0 ? t : t.substring(0, dash).trim());
          hi = dash < 0 ? lo : Integer.parseInt(t.substring(dash + 1).trim());
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(
              "CAIRN_GROUPS='" + spec + "': '" + t + "' is not a rank or a range a-b (groups are separated by ';')");
        }
        if (lo < 0 || hi >= size || lo > hi)
          throw new IllegalArgumentException(
              "CAIRN_GROUPS='" + spec + "': '" + t + "' is outside ranks 0.." + (size - 1));
        for (int r = lo; r <= hi; r++) {
          if (g[r] >= 0)
            throw new IllegalArgumentException("CAIRN_GROUPS='" + spec + "': rank " + r + " is in two groups");
          g[r] = k;
        }
      }
    }
    for (int r = 0; r < size; r++)
      if (g[r] < 0) throw new IllegalArgumentException("CAIRN_GROUPS='" + spec + "': rank " + r + " is in no group");
    return g;
  }
}
