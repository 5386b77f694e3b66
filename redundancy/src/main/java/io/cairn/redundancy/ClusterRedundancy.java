package io.cairn.redundancy;

import io.cairn.internal.util.FileTrees;
import io.cairn.CairnException;
import io.cairn.cluster.Comm;
import io.cairn.cluster.GlobalVersion;
import io.cairn.cluster.Message;
import io.cairn.cluster.ParallelCheckpointer;
import io.cairn.cluster.Rank;
import io.cairn.redundancy.internal.Bundle;
import io.cairn.redundancy.internal.PeerFiles;
import io.cairn.redundancy.internal.RedFile.Member;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Redundancy levels for a job run with the {@code cluster} module: the ranks exchange their committed
 * data over Cairn's communicator and each stores what it holds (partner copies, parity pieces) in its
 * own node's directory ({@code <job>/nodes/<node>/redundancy/job/...}).
 *
 * <pre>{@code
 * try (Rank rank = Rank.join()) {
 *   ClusterRedundancy red = ClusterRedundancy.attach(rank, List.of(Scheme.xor(4)), 2);
 *   red.recoverOwn();                        // a respawned rank rebuilds its lost node-local data first
 *   ParallelCheckpointer ck = rank.checkpointer(); ...
 *   rank.run(() -> { ... ck.checkpoint(step); red.protect(); ... });   // blocking protocol
 * }
 * }</pre>
 *
 * <p>With the Chandy-Lamport protocol {@link #protect} first waits until the global version is committed.
 *
 * <p>Placement follows the job's failure domains, the cluster module's one table ({@link Comm#domains()},
 * {@link Comm#domainLevels()}: {@code cairn launch --domain/--domain-levels/--domains-file}, or
 * {@code CAIRN_DOMAINS}, {@code CAIRN_DOMAIN_LEVELS} and the {@value #DOMAINS_VARIABLE} file under srun). The
 * coordinator records that table with each global version ({@link GlobalVersion#domains()}), and a version
 * is always planned from its record, so a respawned rank, which plans before {@link Rank#run} (before it
 * knows the communicator's table), places and finds the copies exactly where the ranks that protected the
 * version put them.
 *
 * <p>Encoding is distributed: each rank reads only its own version files, sends each of its pieces to
 * the m ranks that hold parity for that piece's stripe, and computes the parity rows it holds itself.
 * A rank killed during encoding leaves that id incomplete; recovery then uses the previous id (keep
 * at least 2). The persistent level should be written less often than every checkpoint
 * ({@code CAIRN_CLUSTER_PERSISTENT_EVERY}), which is the point of these levels.
 */
public final class ClusterRedundancy implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterRedundancy.class);
  private static final int TAG = 0x7CA10000;
  /**
   * Path of a {@link FailureDomains} properties file for the job's nodes (optional), read by every rank of the
   * cluster module (with {@code CAIRN_DOMAINS} and {@code CAIRN_DOMAIN_LEVELS}; {@code cairn launch --domains-file}
   * is the launcher's way); here only for global versions committed before the table was recorded with them.
   */
  public static final String DOMAINS_VARIABLE = "CAIRN_CLUSTER_DOMAINS";
  /**
   * How a restarted rank gets the surviving nodes' data: {@code peers} (default) fetches it from the
   * surviving ranks' file servers over TCP, as it must when node-local disks are only readable on their
   * node; {@code shared} reads the other nodes' directories directly (simulated nodes, shared storage).
   */
  public static final String FETCH_VARIABLE = "CAIRN_CLUSTER_REDUNDANCY_FETCH";
  /**
   * A fault-injection hook for tests (the way core's tests inject a failing {@code Storage}): called at named points
   * of the protocol; a test's hook may halt the process there, like {@code kill -9}. Production code passes
   * {@link #NO_FAULTS}; nothing in this module reads an environment variable for it.
   */
  @FunctionalInterface
  public interface FaultHook {
    /** Reached {@code point} (today: {@code "encode"}, halfway through sending the encoding) for {@code global}. */
    void at(String point, long global);
  }

  /** The hook that does nothing. */
  public static final FaultHook NO_FAULTS = (point, global) -> {};

  private final Rank rank;
  private final Comm comm;
  private final List<Scheme> schemes;
  private final int keep;
  private final Map<String, String> env;
  private final FaultHook faults;
  private final FailureDomains legacyDomains;
  private final boolean sharedNodes;
  private final PeerFiles server;
  private Redundancy red;
  private List<Layout> layouts;
  private List<String> nodes;
  private GlobalVersion planned;

  private ClusterRedundancy(Rank rank, List<Scheme> schemes, int keep, Map<String, String> env, FaultHook faults) {
    if (schemes.isEmpty()) throw new IllegalArgumentException("no redundancy scheme given");
    this.rank = rank;
    this.comm = rank.comm();
    this.schemes = List.copyOf(schemes);
    this.keep = keep;
    this.env = env;
    this.faults = faults;
    this.legacyDomains = env.containsKey(DOMAINS_VARIABLE)
        ? FailureDomains.load(Path.of(env.get(DOMAINS_VARIABLE)))
        : FailureDomains.none();
    String fetch = env.getOrDefault(FETCH_VARIABLE, "peers");
    if (!fetch.equals("peers") && !fetch.equals("shared"))
      throw new IllegalArgumentException(FETCH_VARIABLE + "='" + fetch + "': expected 'peers' or 'shared'");
    this.sharedNodes = fetch.equals("shared");
    PeerFiles srv = null;
    if (!sharedNodes) {
      try {
        srv = new PeerFiles(env.getOrDefault("CAIRN_BIND", "127.0.0.1"), rank.connections(),
            nodeDir(rank.node()).resolve("redundancy").resolve("job"), v -> {
              try {
                return Bundle.pack(ownRunDir(), v);
              } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
              }
            });
        Path addr = jobDir().resolve("redundancy-peers").resolve("r" + comm.rank() + ".addr");
        Bundle.writeDurably(addr, srv.address().getBytes(java.nio.charset.StandardCharsets.UTF_8), 0,
            srv.address().length());
      } catch (IOException e) {
        if (srv != null) srv.close();
        throw new UncheckedIOException(
            "redundancy: rank " + comm.rank() + " cannot start its peer file server: " + e.getMessage(), e);
      }
    }
    this.server = srv;
  }

  private Path nodeDir(String node) { return jobDir().resolve("nodes").resolve(node); }

  private Path ownRunDir() { return nodeDir(rank.node()).resolve("local").resolve(runName(comm.rank(), comm.size())); }

  /** Stops this rank's peer file server. */
  @Override
  public void close() {
    if (server != null) server.close();
  }

  /**
   * Redundancy for this rank's job; levels are tried in the given order at recovery (cheapest first).
   * Failure domains are the job's ({@link Comm#domains()}, recorded with each global version).
   */
  public static ClusterRedundancy attach(Rank rank, List<Scheme> schemes, int keep) {
    return attach(rank, schemes, keep, NO_FAULTS);
  }

  /** {@link #attach(Rank, List, int)} with a fault-injection hook (tests). */
  public static ClusterRedundancy attach(Rank rank, List<Scheme> schemes, int keep, FaultHook faults) {
    return new ClusterRedundancy(rank, schemes, keep, System.getenv(),
        java.util.Objects.requireNonNull(faults, "faults"));
  }

  private Path jobDir() { return rank.jobDir().toAbsolutePath(); }

  private static String runName(int r, int size) { return String.format(Locale.ROOT, "r%dof%d", r, size); }

  private Redundancy redundancy(GlobalVersion gv) {
    if (red != null && planned != null && gv.nodes().equals(planned.nodes()) && gv.domains().equals(planned.domains())
        && gv.domainLevels().equals(planned.domainLevels()))
      return red;
    int size = gv.ranks();
    red = build(gv, this::nodeDir, l -> nodeDir(l.node()).resolve("local").resolve(runName(l.rank(), size)));
    nodes = List.copyOf(gv.nodes());
    planned = gv;
    return red;
  }

  /**
   * Where the ranks of {@code gv} were, with their failure domains and the levels in force, as recorded
   * when it was committed; versions committed before domains were recorded use the {@value #DOMAINS_VARIABLE}
   * file, as they did then.
   */
  private record Where(List<RankLocation> ranks, List<String> levels) {}

  private Where where(GlobalVersion gv) {
    List<RankLocation> locs = new ArrayList<>();
    boolean recorded = !gv.domainLevels().isEmpty();
    for (int r = 0; r < gv.ranks(); r++) {
      String node = gv.nodes().get(r);
      if (!recorded) {
        locs.add(legacyDomains.locate(r, node));
        continue;
      }
      Map<String, String> d = new java.util.TreeMap<>(gv.domains().get(r));
      d.remove("node");
      locs.add(new RankLocation(r, node, d));
    }
    return new Where(locs, recorded ? gv.domainLevels() : legacyDomains.levels());
  }

  private Redundancy build(GlobalVersion gv, java.util.function.Function<String, Path> nodeDirs,
      java.util.function.Function<RankLocation, Path> runDirs) {
    Where w = where(gv);
    int size = gv.ranks();
    Redundancy.Builder b = Redundancy.builder().nodeDir(nodeDirs).run("job").keep(keep).runDir(runDirs)
        .persistentRunDir(r -> jobDir().resolve("persistent").resolve(runName(r, size)));
    List<Layout> ls = new ArrayList<>();
    for (Scheme s : schemes) {
      Layout l = Placement.plan(w.ranks(), s, w.levels());
      ls.add(l);
      b.level(l);
    }
    if (layouts == null && comm.rank() == 0 && !w.levels().isEmpty())
      LOG.info("redundancy: placement over the failure domains {} (largest first) of global version {}", w.levels(),
          gv.number());
    layouts = ls;
    return b.build();
  }

  /** The layouts in use (after the first {@link #protect} or {@link #recoverOwn}). */
  public List<Layout> layouts() {
    return layouts == null ? List.of() : layouts;
  }

  /**
   * Before {@link Rank#run}: for each committed global version of the job (newest first) whose data this
   * rank lacks in its node-local level, rebuilds it from the surviving nodes. Returns the report of the
   * newest version it could provide, or null when nothing was needed or possible.
   */
  public RecoveryReport recoverOwn() {
    ParallelCheckpointer ck = rank.checkpointer();
    List<GlobalVersion> gvs = new ArrayList<>(ck.globalVersions());
    java.util.Collections.reverse(gvs);
    RecoveryReport newest = null;
    for (GlobalVersion gv : gvs) {
      if (gv.ranks() != comm.size()) continue;
      if (Bundle.exists(ownRunDir(), gv.versions().get(comm.rank()))) continue;
      RecoveryReport rep;
      String how;
      if (sharedNodes) {
        rep = redundancy(gv).recoverRank(gv.number(), comm.rank());
        how = "read from the other nodes' directories";
      } else {
        Path mirror = nodeDir(rank.node()).resolve("redundancy-fetch").resolve("g" + gv.number());
        try {
          FileTrees.deleteTree(mirror);
          how = fetch(gv, mirror);
          rep = build(gv, n -> n.equals(rank.node()) ? nodeDir(n) : mirror.resolve(n),
              l -> l.rank() == comm.rank()
                  ? ownRunDir()
                  : mirror.resolve(l.node()).resolve("local").resolve(runName(l.rank(), comm.size())))
              .recoverRank(gv.number(), comm.rank());
        } catch (IOException e) {
          LOG.warn("rank {}: fetching global version {} from peers failed: {}", comm.rank(), gv.number(), e.toString());
          continue;
        } finally {
          try {
            FileTrees.deleteTree(mirror);
          } catch (IOException e) {
            LOG.warn("rank {}: cannot delete {}: {}", comm.rank(), mirror, e.toString());
          }
        }
      }
      LOG.info("rank {}: global version {}: {} ({})", comm.rank(), gv.number(), rep.message(), how);
      System.out.println(
          "cairn redundancy: rank " + comm.rank() + " global " + gv.number() + ": " + rep.message() + " (" + how + ")");
      if (rep.complete() && newest == null) newest = rep;
    }
    return newest;
  }

  /**
   * Copies from every reachable peer its node's redundancy files of {@code gv} and, for the members of
   * this rank's sets, their committed version, into {@code mirror/<node>/...}. Unreachable peers are
   * left out: recovery then treats their nodes as lost.
   */
  private String fetch(GlobalVersion gv, Path mirror) throws IOException {
    int me = comm.rank();
    redundancy(gv);
    java.util.Set<Integer> wanted = new java.util.TreeSet<>();
    for (Layout l : layouts) {
      Layout.Group g = l.groupOf(me);
      if (g != null) wanted.addAll(g.ranks());
    }
    java.util.Set<String> nodesDone = new java.util.HashSet<>();
    int files = 0, bundles = 0;
    java.util.Set<Integer> peers = new java.util.TreeSet<>();
    for (int r = 0; r < gv.ranks(); r++) {
      if (r == me) continue;
      String node = gv.nodes().get(r);
      if (node.equals(rank.node())) continue; // lost with this node
      Path addr = jobDir().resolve("redundancy-peers").resolve("r" + r + ".addr");
      if (!java.nio.file.Files.isRegularFile(addr)) continue;
      try (PeerFiles.Client c = new PeerFiles.Client(java.nio.file.Files.readString(addr).trim(), 2_000,
          rank.connections())) {
        if (nodesDone.add(node)) {
          for (String rel : c.list(gv.number())) {
            byte[] b = c.request("GET " + rel);
            Bundle.writeDurably(mirror.resolve(node).resolve("redundancy").resolve("job").resolve(rel), b, 0, b.length);
            files++;
          }
        }
        if (wanted.contains(r)) {
          try {
            byte[] b = c.request("BUNDLE " + gv.versions().get(r));
            Bundle.unpack(b, b.length, mirror.resolve(node).resolve("local").resolve(runName(r, gv.ranks())),
                "bundle of rank " + r);
            bundles++;
          } catch (IOException e) {
            LOG.info("rank {}: peer rank {} has no version {}: {}", me, r, gv.versions().get(r), e.getMessage());
          }
        }
        peers.add(r);
      } catch (IOException e) {
        LOG.info("rank {}: peer rank {} unreachable ({}); its node counts as lost", me, r, e.getMessage());
      }
    }
    return "fetched " + files + " files and " + bundles + " versions from peers " + peers;
  }

  /**
   * Protects the global version of the last {@code checkpoint()} (waiting for its commit when the
   * protocol commits in the background). Collective: every rank calls it right after the checkpoint.
   */
  public Redundancy.Protected protect() {
    ParallelCheckpointer ck = rank.checkpointer();
    long g = ck.lastGlobal();
    GlobalVersion gv = awaitCommitted(ck, g);
    Redundancy r = redundancy(gv);
    int me = comm.rank(), size = comm.size();
    long t0 = System.nanoTime();
    Path own = jobDir().resolve("nodes").resolve(rank.node()).resolve("local").resolve(runName(me, size));
    byte[] mine;
    try {
      mine = Bundle.pack(own, gv.versions().get(me));
    } catch (IOException e) {
      throw new CairnException("redundancy: rank " + me + " cannot read its version " + gv.versions().get(me) + " in "
          + own + ": " + e.getMessage(), e);
    }
    List<Member> table = allgather(
        new Member(me, rank.node(), gv.versions().get(me), mine.length, Bundle.crc(mine, 0, mine.length)));
    double read = (System.nanoTime() - t0) / 1e9;
    Map<String, Double> secs = new java.util.LinkedHashMap<>();
    Map<String, Long> bytes = new java.util.LinkedHashMap<>();
    try {
      for (int li = 0; li < layouts.size(); li++) {
        long s = System.nanoTime();
        Layout l = layouts.get(li);
        long written = l.scheme().kind() == Scheme.Kind.PARTNER
            ? partner(r, l, li, g, mine, table)
            : set(r, l, li, g, mine, table);
        boolean firstOnNode = true;
        for (int x = 0; x < me; x++) if (nodes.get(x).equals(rank.node())) firstOnNode = false;
        if (firstOnNode) r.writeCatalog(l, g, rank.node(), table);
        secs.put(Redundancy.levelDir(l), (System.nanoTime() - s) / 1e9);
        bytes.put(Redundancy.levelDir(l), written);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "redundancy: rank " + me + " could not store its part of global version " + g + ": " + e.getMessage(), e);
    }
    comm.barrier(); // every part of id g is durable on its node
    boolean firstOnNode = true;
    for (int x = 0; x < me; x++) if (nodes.get(x).equals(rank.node())) firstOnNode = false;
    if (firstOnNode) r.pruneNode(rank.node());
    return new Redundancy.Protected(g, read, secs, bytes);
  }

  /**
   * The committed global version {@code g}: at once after a blocking checkpoint; after a Chandy-Lamport
   * one, once the coordinator committed it (a rollback meanwhile ends the wait with the communicator's
   * RollbackException, as any communicator call would).
   */
  private GlobalVersion awaitCommitted(ParallelCheckpointer ck, long g) {
    if (g < 1)
      throw new CairnException("redundancy: no global checkpoint taken yet; call protect() after checkpoint()");
    while (true) {
      for (GlobalVersion v : ck.globalVersions()) if (v.number() == g) return v;
      comm.poll(Comm.ANY_SOURCE, TAG + 15); // never sent: only checks for a rollback or an abort
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CairnException("redundancy: interrupted while waiting for global version " + g + " to commit");
      }
    }
  }

  private List<Member> allgather(Member mine) {
    if (comm.rank() != 0) comm.send(0, TAG, encode(List.of(mine)));
    byte[] all = null;
    if (comm.rank() == 0) {
      Member[] t = new Member[comm.size()];
      t[0] = mine;
      for (int i = 1; i < comm.size(); i++) {
        Member m = decode(comm.recv(Comm.ANY_SOURCE, TAG).data()).get(0);
        t[m.rank()] = m;
      }
      all = encode(Arrays.asList(t));
    }
    return decode(comm.broadcast(0, all));
  }

  private static byte[] encode(List<Member> ms) {
    try {
      ByteArrayOutputStream bo = new ByteArrayOutputStream();
      DataOutputStream o = new DataOutputStream(bo);
      o.writeInt(ms.size());
      for (Member m : ms) {
        o.writeInt(m.rank());
        o.writeUTF(m.node());
        o.writeLong(m.version());
        o.writeLong(m.length());
        o.writeInt(m.crc());
      }
      o.flush();
      return bo.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<Member> decode(byte[] b) {
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(b));
      int n = in.readInt();
      List<Member> out = new ArrayList<>();
      for (int i = 0; i < n; i++)
        out.add(new Member(in.readInt(), in.readUTF(), in.readLong(), in.readLong(), in.readInt()));
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void fault(long g) {
    faults.at("encode", g);
  }

  private long partner(Redundancy r, Layout l, int li, long g, byte[] mine, List<Member> table) throws IOException {
    int me = comm.rank();
    Integer holder = l.partners().get(me);
    if (holder != null) comm.send(holder, TAG + 1 + li, mine);
    fault(g);
    long written = 0;
    for (var e : l.partners().entrySet()) {
      if (e.getValue() != me) continue;
      byte[] b = comm.recv(e.getKey(), TAG + 1 + li).data();
      Member owner = table.get(e.getKey());
      if (b.length != owner.length() || Bundle.crc(b, 0, b.length) != owner.crc())
        throw new IOException("partner data received from rank " + e.getKey() + " does not match its checksum");
      r.writePartner(l, g, me, owner, b);
      written += b.length;
    }
    return written;
  }

  private long set(Redundancy r, Layout l, int li, long g, byte[] mine, List<Member> table) throws IOException {
    int me = comm.rank();
    Layout.Group grp = l.groupOf(me);
    if (grp == null) return 0;
    int n = grp.ranks().size(), m = grp.m(), k = n - m, p = grp.ranks().indexOf(me);
    long max = 0;
    for (int x : grp.ranks()) max = Math.max(max, table.get(x).length());
    int pl = (int) r.pieceLength(grp, max);
    byte[] padded = Arrays.copyOf(mine, k * pl);
    int tag = TAG + 16 + li;
    int sent = 0;
    // my piece u belongs to stripe s = p - m - u; its parity rows live on members s .. s+m-1
    for (int u = 0; u < k; u++) {
      int s = Math.floorMod(p - m - u, n);
      byte[] msg = ByteBuffer.allocate(8 + pl).putInt(s).putInt(u).put(padded, u * pl, pl).array();
      for (int t = 0; t < m; t++) {
        comm.send(grp.ranks().get((s + t) % n), tag, msg);
        if (++sent == Math.max(1, k * m / 2)) fault(g);
      }
    }
    // I hold row t of stripe (p - t): k pieces each
    byte[][][] pieces = new byte[m][k][];
    for (int i = 0; i < k * m; i++) {
      Message msg = comm.recv(Comm.ANY_SOURCE, tag);
      ByteBuffer b = ByteBuffer.wrap(msg.data());
      int s = b.getInt(), u = b.getInt();
      int t = Math.floorMod(p - s, n);
      if (t >= m || u < 0 || u >= k || msg.data().length != 8 + pl)
        throw new IOException("unexpected piece (stripe " + s + ", piece " + u + ") from rank " + msg.source());
      pieces[t][u] = msg.data();
    }
    ErasureCode code = r.codeOf(grp);
    byte[] par = new byte[m * pl];
    int[] offs = new int[k];
    Arrays.fill(offs, 8);
    for (int t = 0; t < m; t++) code.encodeRow(t, pieces[t], offs, par, t * pl, pl);
    List<Member> mem = grp.ranks().stream().map(table::get).toList();
    r.writeParity(l, g, grp, p, mem, pl, par);
    return (long) m * pl;
  }
}
