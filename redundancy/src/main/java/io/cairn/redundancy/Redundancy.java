package io.cairn.redundancy;

import io.cairn.internal.util.FileTrees;
import io.cairn.CairnException;
import io.cairn.redundancy.RecoveryReport.Source;
import io.cairn.redundancy.internal.Bundle;
import io.cairn.redundancy.internal.RedFile;
import io.cairn.redundancy.internal.RedFile.Member;
import io.cairn.redundancy.internal.RedFile.Section;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cross-node redundancy levels for the committed Cairn versions of a job's ranks.
 *
 * <p>Each rank keeps its run in a node-local level ({@code runDir(rank)}, e.g.
 * {@code nodes/node-3/local/heat-r5}). After the ranks committed the versions that make checkpoint
 * {@code id} (a global version), {@link #protect} reads each rank's version files (its bundle) and
 * writes, for every configured level, partner copies or XOR/Reed-Solomon parity into the other ranks'
 * node directories ({@code <node>/redundancy/<run>/<level>/i<id>/}). After node losses,
 * {@link #recover} gives every rank its data back from the cheapest intact source and says which.
 *
 * <pre>{@code
 * Layout rs = Placement.plan(locations, Scheme.reedSolomon(4, 2), List.of("rack"));
 * Redundancy red = Redundancy.builder().nodes(root).run("heat").level(rs)
 *     .runDir(loc -> root.resolve(loc.node()).resolve("local/heat-r" + loc.rank())).keep(2).build();
 * red.protect(7, Map.of(0, 7L, 1, 7L, ...));     // after the ranks committed their version 7
 * RecoveryReport r = red.recoverLatest();        // after a restart: rebuilds what is missing
 * }</pre>
 */
public final class Redundancy {
  private static final Logger LOG = LoggerFactory.getLogger(Redundancy.class);

  private final Function<String, Path> nodeDir;
  private final String run;
  private final List<Layout> levels;
  private final Function<RankLocation, Path> runDir;
  private final Function<Integer, Path> persistentRunDir;
  private final int keep;
  private final int packet;
  private final Map<Integer, RankLocation> ranks;
  private final Map<Long, ErasureCode> codes = new ConcurrentHashMap<>();

  private Redundancy(Builder b) {
    this.nodeDir = Objects.requireNonNull(b.nodeDir, "nodes directory");
    this.run = b.run;
    this.levels = List.copyOf(b.levels);
    if (levels.isEmpty()) throw new IllegalArgumentException("no redundancy level given");
    this.runDir = Objects.requireNonNull(b.runDir, "runDir");
    this.persistentRunDir = b.persistentRunDir;
    this.keep = b.keep;
    this.packet = b.packet;
    this.ranks = levels.get(0).ranks();
    for (Layout l : levels)
      if (!l.ranks().equals(ranks))
        throw new IllegalArgumentException("all levels must be planned for the same ranks and nodes");
  }

  public static Builder builder() { return new Builder(); }

  /** Configures a {@link Redundancy}. */
  public static final class Builder {
    private Function<String, Path> nodeDir;
    private String run = "cairn";
    private final List<Layout> levels = new ArrayList<>();
    private Function<RankLocation, Path> runDir;
    private Function<Integer, Path> persistentRunDir;
    private int keep = 2;
    private int packet = ErasureCode.DEFAULT_PACKET;

    /** Node directories are {@code root/<node name>}. */
    public Builder nodes(Path root) {
      return nodeDir(n -> root.resolve(n));
    }

    /** Where each node's storage is (a lost node is a missing directory). */
    public Builder nodeDir(Function<String, Path> f) {
      this.nodeDir = f;
      return this;
    }

    public Builder run(String name) {
      if (!name.matches("[A-Za-z0-9._-]+")) throw new IllegalArgumentException("bad run name '" + name + "'");
      this.run = name;
      return this;
    }

    /** Adds a level (a planned scheme). Recovery tries levels in the order added: add the cheapest first. */
    public Builder level(Layout layout) {
      levels.add(Objects.requireNonNull(layout));
      return this;
    }

    /** The node-local Cairn run directory of a rank (holding {@code vNNNNNNNNNN/} directories). */
    public Builder runDir(Function<RankLocation, Path> f) {
      this.runDir = f;
      return this;
    }

    /** The rank's run directory in the persistent level, checked as the last resort. */
    public Builder persistentRunDir(Function<Integer, Path> f) {
      this.persistentRunDir = f;
      return this;
    }

    /** Checkpoint ids kept per level (older ones are deleted after a successful protect). */
    public Builder keep(int n) {
      if (n < 1) throw new IllegalArgumentException("keep must be >= 1");
      this.keep = n;
      return this;
    }

    /** Packet size of the erasure code (bytes, a multiple of 8). */
    public Builder packetSize(int p) {
      this.packet = p;
      return this;
    }

    public Redundancy build() { return new Redundancy(this); }
  }

  /** What {@link #protect} did: seconds per level (encode + write) and bytes written per level. */
  public record Protected(long id, double readSeconds, Map<String, Double> secondsPerLevel,
      Map<String, Long> bytesPerLevel) {}

  static String levelDir(Layout l) { return l.scheme().toString().replace(':', '-'); }

  private Path idDir(String node, Layout l, long id) {
    return nodeDir.apply(node).resolve("redundancy").resolve(run).resolve(levelDir(l))
        .resolve(String.format("i%010d", id));
  }

  private ErasureCode code(int k, int m) {
    return codes.computeIfAbsent((long) k << 32 | m, x -> ErasureCode.reedSolomon(k, m, packet));
  }

  // ------------------------------------------------------------------ protect

  /**
   * Protects checkpoint {@code id}: {@code rankVersions} gives, for each rank, the committed Cairn
   * version of its run that belongs to it. Returns once every level's files are durable; then prunes
   * ids beyond {@code keep}.
   *
   * @throws CairnException when a rank's version cannot be read or a file cannot be written (names which)
   */
  public Protected protect(long id, Map<Integer, Long> rankVersions) {
    if (id < 0) throw new IllegalArgumentException("id must be >= 0");
    long t0 = System.nanoTime();
    Map<Integer, byte[]> bundles = new TreeMap<>();
    Map<Integer, Member> members = new TreeMap<>();
    for (var e : rankVersions.entrySet()) {
      RankLocation loc = ranks.get(e.getKey());
      if (loc == null) throw new IllegalArgumentException("rank " + e.getKey() + " is not in the layout");
      Path dir = runDir.apply(loc);
      try {
        byte[] b = Bundle.pack(dir, e.getValue());
        bundles.put(loc.rank(), b);
        members.put(loc.rank(), new Member(loc.rank(), loc.node(), e.getValue(), b.length, Bundle.crc(b, 0, b.length)));
      } catch (IOException ex) {
        throw new CairnException("redundancy: cannot read version " + e.getValue() + " of rank " + loc.rank() + " in "
            + dir + ": " + ex.getMessage(), ex);
      }
    }
    double read = (System.nanoTime() - t0) / 1e9;
    Map<String, Double> secs = new LinkedHashMap<>();
    Map<String, Long> bytes = new LinkedHashMap<>();
    for (Layout l : levels) {
      long s = System.nanoTime();
      long written;
      try {
        written = l.scheme().kind() == Scheme.Kind.PARTNER
            ? writePartners(l, id, bundles, members)
            : writeSets(l, id, bundles, members);
      } catch (IOException ex) {
        throw new CairnException(
            "redundancy level " + l.scheme() + ": writing checkpoint " + id + " failed: " + ex.getMessage(), ex);
      }
      try {
        written += writeCatalogs(l, id, members);
      } catch (IOException ex) {
        throw new CairnException("redundancy level " + l.scheme() + ": writing the catalog of checkpoint " + id
            + " failed: " + ex.getMessage(), ex);
      }
      secs.put(levelDir(l), (System.nanoTime() - s) / 1e9);
      bytes.put(levelDir(l), written);
    }
    prune();
    return new Protected(id, read, secs, bytes);
  }

  /** Every node gets the table of all members: a rank whose copies died still learns what its data must be. */
  private long writeCatalogs(Layout l, long id, Map<Integer, Member> members) throws IOException {
    long written = 0;
    List<Member> all = new ArrayList<>(members.values());
    for (String node : nodeNames()) {
      writeCatalog(l, id, node, all);
      written += 64L * all.size();
    }
    return written;
  }

  /** Stores the partner copy of {@code owner}'s bundle on {@code holder}'s node. */
  void writePartner(Layout l, long id, int holder, Member owner, byte[] b) throws IOException {
    RankLocation h = l.location(holder);
    RedFile f = new RedFile(RedFile.PARTNER, run, id, l.scheme().toString(), 0, 1, 1, packet, holder,
        List.of(owner), b.length, List.of(new Section(0, 0, 0, 0, 0)));
    f.write(idDir(h.node(), l, id).resolve(String.format("copy-r%06d.red", owner.rank())), new byte[][]{b},
        new int[]{0}, new int[]{b.length});
  }

  /** Stores the m parity pieces member {@code p} of set {@code g} holds ({@code par} = m pieces of {@code pl} bytes). */
  void writeParity(Layout l, long id, Layout.Group g, int p, List<Member> mem, int pl, byte[] par) throws IOException {
    int n = g.ranks().size(), m = g.m(), k = n - m;
    RankLocation holder = l.location(g.ranks().get(p));
    List<Section> secs = new ArrayList<>();
    byte[][] bodies = new byte[m][];
    int[] offs = new int[m], lens = new int[m];
    for (int t = 0; t < m; t++) {
      secs.add(new Section(Math.floorMod(p - t, n), t, 0, 0, 0));
      bodies[t] = par;
      offs[t] = t * pl;
      lens[t] = pl;
    }
    new RedFile(RedFile.PARITY, run, id, l.scheme().toString(), g.id(), k, m, packet, holder.rank(), mem, pl, secs)
        .write(idDir(holder.node(), l, id).resolve(String.format("parity-r%06d.red", holder.rank())), bodies, offs,
            lens);
  }

  /** Bytes of one piece of set {@code g} whose largest member bundle has {@code maxLength} bytes. */
  long pieceLength(Layout.Group g, long maxLength) {
    int k = g.k();
    return code(k, g.m()).paddedLength((maxLength + k - 1) / k);
  }

  ErasureCode codeOf(Layout.Group g) { return code(g.k(), g.m()); }

  void writeCatalog(Layout l, long id, String node, List<Member> all) throws IOException {
    RedFile f = new RedFile(RedFile.CATALOG, run, id, l.scheme().toString(), 0, 1, 1, packet, -1, all, 0, List.of());
    f.write(idDir(node, l, id).resolve("catalog.red"), new byte[0][], new int[0], new int[0]);
  }

  private long writePartners(Layout l, long id, Map<Integer, byte[]> bundles, Map<Integer, Member> members)
      throws IOException {
    long written = 0;
    for (var e : l.partners().entrySet()) {
      byte[] b = bundles.get(e.getKey());
      if (b == null) continue;
      writePartner(l, id, e.getValue(), members.get(e.getKey()), b);
      written += b.length;
    }
    return written;
  }

  private long writeSets(Layout l, long id, Map<Integer, byte[]> bundles, Map<Integer, Member> members)
      throws IOException {
    long written = 0;
    for (Layout.Group g : l.groups()) {
      int n = g.ranks().size(), m = g.m(), k = n - m;
      if (!bundles.keySet().containsAll(g.ranks())) {
        LOG.warn("redundancy {}: set {} skipped for checkpoint {}: not every member's version was given", l.scheme(),
            g.id(), id);
        continue;
      }
      ErasureCode code = code(k, m);
      long max = 0;
      for (int r : g.ranks()) max = Math.max(max, bundles.get(r).length);
      long piece = code.paddedLength((max + k - 1) / k);
      if (piece * k > Integer.MAX_VALUE - 16)
        throw new IOException("set " + g.id() + ": " + max + " bytes per rank is too large for one stripe set");
      int pl = (int) piece;
      byte[][] data = new byte[n][];
      for (int p = 0; p < n; p++) data[p] = Arrays.copyOf(bundles.get(g.ranks().get(p)), k * pl);
      byte[][] par = new byte[n][m * pl];
      encodeSet(code, data, par, n, m, pl);
      List<Member> mem = g.ranks().stream().map(members::get).toList();
      for (int p = 0; p < n; p++) {
        writeParity(l, id, g, p, mem, pl, par[p]);
        written += (long) m * pl;
      }
    }
    return written;
  }

  /**
   * Rotated stripes over a set of n members: stripe s has its m parity rows on members s..s+m-1 and its
   * k data pieces from members s+m..s+n-1 (mod n); member p's piece u is stripe p-m-u. Each member stores
   * m parity pieces, so the parity is spread evenly and losing any m members loses at most m shards of
   * every stripe.
   */
  static void encodeSet(ErasureCode code, byte[][] data, byte[][] par, int n, int m, int pl) {
    int k = n - m;
    for (int s = 0; s < n; s++) {
      byte[][] d = new byte[k][];
      int[] dOff = new int[k];
      for (int u = 0; u < k; u++) { d[u] = data[(s + m + u) % n]; dOff[u] = u * pl; }
      byte[][] pp = new byte[m][];
      int[] pOff = new int[m];
      for (int t = 0; t < m; t++) { pp[t] = par[(s + t) % n]; pOff[t] = t * pl; }
      code.encode(d, dOff, pp, pOff, pl);
    }
  }

  private void prune() {
    for (String node : nodeNames()) pruneNode(node);
  }

  /** Deletes the ids beyond {@code keep} of every level on one node. */
  void pruneNode(String node) {
    for (Layout l : levels) {
      Path dir = nodeDir.apply(node).resolve("redundancy").resolve(run).resolve(levelDir(l));
      if (!Files.isDirectory(dir)) continue;
      try (Stream<Path> s = Files.list(dir)) {
        List<Path> ids = s.filter(p -> p.getFileName().toString().matches("i\\d{10}")).sorted().toList();
        for (int i = 0; i < ids.size() - keep; i++) FileTrees.deleteTree(ids.get(i));
      } catch (IOException e) {
        LOG.warn("redundancy: pruning {} failed: {}", dir, e.toString());
      }
    }
  }

  // ------------------------------------------------------------------ discover

  /** Checkpoint ids for which some surviving node holds redundancy files, newest first. */
  public List<Long> ids() {
    TreeSet<Long> ids = new TreeSet<>();
    for (String node : nodeNames())
      for (Layout l : levels) {
        Path dir = nodeDir.apply(node).resolve("redundancy").resolve(run).resolve(levelDir(l));
        if (!Files.isDirectory(dir)) continue;
        try (Stream<Path> s = Files.list(dir)) {
          s.map(p -> p.getFileName().toString()).filter(n -> n.matches("i\\d{10}"))
              .forEach(n -> ids.add(Long.parseLong(n.substring(1))));
        } catch (IOException e) {
          LOG.warn("redundancy: cannot list {}: {}", dir, e.toString());
        }
      }
    return new ArrayList<>(ids.descendingSet());
  }

  private Set<String> nodeNames() {
    Set<String> nodes = new TreeSet<>();
    for (RankLocation r : ranks.values()) nodes.add(r.node());
    return nodes;
  }

  /** Nodes of the layout whose directory is gone. */
  public List<String> lostNodes() {
    return nodeNames().stream().filter(n -> !Files.isDirectory(nodeDir.apply(n))).toList();
  }

  private List<RedFile.Opened> files(Layout l, long id, String prefix, List<String> problems) {
    List<RedFile.Opened> out = new ArrayList<>();
    for (String node : nodeNames()) {
      Path dir = idDir(node, l, id);
      if (!Files.isDirectory(dir)) continue;
      try (Stream<Path> s = Files.list(dir)) {
        for (Path p : s
            .filter(x -> x.getFileName().toString().startsWith(prefix) && x.getFileName().toString().endsWith(".red"))
            .sorted().toList()) {
          try {
            RedFile.Opened o = RedFile.open(p);
            if (o.file().id() != id || !o.file().run().equals(run))
              problems.add(p + ": belongs to run " + o.file().run() + " checkpoint " + o.file().id() + ", ignored");
            else
              out.add(o);
          } catch (IOException e) {
            problems.add(e.getMessage() + " — ignored");
          }
        }
      } catch (IOException e) {
        problems.add("cannot list " + dir + ": " + e.getMessage());
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ recover

  /**
   * Recovers the newest checkpoint id that can be recovered for every rank. When none can, the report
   * is not complete: it names the lost nodes and the newest version the persistent level holds for all
   * ranks ({@link RecoveryReport#fallbackVersion()}), or -1.
   */
  public RecoveryReport recoverLatest() {
    List<String> failures = new ArrayList<>();
    RecoveryReport last = null;
    for (long id : ids()) {
      RecoveryReport r = recover(id);
      if (r.complete()) {
        if (failures.isEmpty()) return r;
        List<String> probs = new ArrayList<>(failures);
        probs.addAll(r.problems());
        return new RecoveryReport(r.id(), true, r.sources(), r.versions(), r.lostNodes(), probs,
            String.join("; ", failures) + "; " + r.message(), -1);
      }
      failures.add(r.message());
      last = r;
    }
    long fb = persistentFallback();
    String lost = lostNodes().toString();
    String msg = (last == null
        ? (lostNodes().size() == nodeNames().size()
            ? "every node is lost (" + lostNodes() + ")"
            : "no redundancy files survive on nodes " + nodeNames())
        : String.join("; ", failures))
        + (fb >= 0
            ? "; falling back to version " + fb + " of the persistent level"
            : "; the persistent level holds no version for every rank either");
    LOG.error("redundancy: {} (lost nodes {})", msg, lost);
    Map<Integer, Source> src = new TreeMap<>();
    Map<Integer, Long> ver = new TreeMap<>();
    for (int r : ranks.keySet()) {
      src.put(r, fb >= 0 ? Source.PERSISTENT : Source.NONE);
      if (fb >= 0) ver.put(r, fb);
    }
    return new RecoveryReport(last == null ? -1 : last.id(), false, src, ver, lostNodes(),
        last == null ? List.of() : last.problems(), msg, fb);
  }

  private long persistentFallback() {
    if (persistentRunDir == null) return -1;
    TreeSet<Long> common = null;
    for (int r : ranks.keySet()) {
      TreeSet<Long> vs = new TreeSet<>();
      Path dir = persistentRunDir.apply(r);
      if (Files.isDirectory(dir)) {
        try (Stream<Path> s = Files.list(dir)) {
          s.map(p -> p.getFileName().toString()).filter(n -> n.matches("v\\d{10}"))
              .map(n -> Long.parseLong(n.substring(1)))
              .filter(v -> Bundle.exists(dir, v)).forEach(vs::add);
        } catch (IOException e) {
          LOG.warn("redundancy: cannot list persistent {}: {}", dir, e.toString());
        }
      }
      if (common == null) common = vs;
      else
        common.retainAll(vs);
    }
    return common == null || common.isEmpty() ? -1 : common.last();
  }

  /**
   * Gives every rank its data of checkpoint {@code id}: keeps intact local copies, copies partner
   * copies back, rebuilds from XOR/RS sets, and writes what it got into the rank's run directory
   * (packs first, manifest last). Never throws for missing data: the report says what is missing.
   */
  public RecoveryReport recover(long id) { return recover(id, null); }

  /**
   * Like {@link #recover(long)}, but writes recovered data only into the run directory of {@code rank}
   * (what a restarted rank does for itself while other ranks may be doing the same); the report is
   * complete when {@code rank}'s data is available.
   */
  public RecoveryReport recoverRank(long id, int rank) {
    if (!ranks.containsKey(rank)) throw new IllegalArgumentException("rank " + rank + " is not in the layout");
    return recover(id, rank);
  }

  private RecoveryReport recover(long id, Integer only) {
    List<String> problems = new ArrayList<>();
    List<String> lost = lostNodes();
    Map<Integer, Source> src = new TreeMap<>();
    Map<Integer, byte[]> have = new HashMap<>();
    List<Integer> rebuilt = new ArrayList<>(); // written into the run directories only when every rank is covered
    // what each rank's data must be: the member tables of the surviving files
    Map<Integer, Member> expected = new TreeMap<>();
    Map<Layout, List<RedFile.Opened>> byLevel = new LinkedHashMap<>();
    for (Layout l : levels) {
      List<RedFile.Opened> fs = files(l, id, l.scheme().kind() == Scheme.Kind.PARTNER ? "copy-" : "parity-", problems);
      byLevel.put(l, fs);
      for (RedFile.Opened o : fs) for (Member mb : o.file().members()) expected.putIfAbsent(mb.rank(), mb);
      for (RedFile.Opened o : files(l, id, "catalog", problems))
        for (Member mb : o.file().members()) expected.putIfAbsent(mb.rank(), mb);
    }
    Map<Integer, Long> versions = new TreeMap<>();
    expected.forEach((r, mb) -> versions.put(r, mb.version()));

    // 1. own local copy
    for (int r : ranks.keySet()) {
      Member mb = expected.get(r);
      if (mb == null) continue;
      Path dir = runDir.apply(ranks.get(r));
      if (!Bundle.exists(dir, mb.version())) continue;
      try {
        byte[] b = Bundle.pack(dir, mb.version());
        if (b.length == mb.length() && Bundle.crc(b, 0, b.length) == mb.crc()) {
          have.put(r, b);
          src.put(r, Source.LOCAL);
        } else {
          problems.add("rank " + r + ": local version " + mb.version() + " in " + dir
              + " differs from the protected one (CRC32C), not used");
        }
      } catch (IOException e) {
        problems.add("rank " + r + ": local version " + mb.version() + " unreadable: " + e.getMessage());
      }
    }
    // 2. partner copies, 3. sets, in level order
    for (var e : byLevel.entrySet()) {
      Layout l = e.getKey();
      if (l.scheme().kind() == Scheme.Kind.PARTNER) {
        for (RedFile.Opened o : e.getValue()) {
          Member mb = o.file().members().get(0);
          if (have.containsKey(mb.rank()) || !mb.equals(expected.get(mb.rank()))) continue;
          try {
            byte[] b = new byte[(int) mb.length()];
            Section s = o.file().sections().get(0);
            if (s.length() != mb.length())
              throw new IOException(
                  o.path() + ": section length " + s.length() + " differs from the bundle's " + mb.length());
            o.read(s, b, 0);
            if (Bundle.crc(b, 0, b.length) != mb.crc())
              throw new IOException(o.path() + ": partner copy does not match the member checksum");
            have.put(mb.rank(), b);
            rebuilt.add(mb.rank());
            src.put(mb.rank(), Source.PARTNER);
          } catch (IOException ex) {
            problems.add("rank " + mb.rank() + ": partner copy unusable: " + ex.getMessage());
          }
        }
      } else {
        rebuildSets(l, e.getValue(), expected, have, src, problems, rebuilt);
      }
    }
    // 4. persistent level
    List<Integer> missing = new ArrayList<>();
    for (int r : ranks.keySet()) {
      if (src.containsKey(r)) continue;
      Member mb = expected.get(r);
      if (mb != null && persistentRunDir != null && Bundle.exists(persistentRunDir.apply(r), mb.version())) {
        src.put(r, Source.PERSISTENT);
        continue;
      }
      src.put(r, Source.NONE);
      missing.add(r);
    }
    if (only != null) {
      boolean mine = !missing.contains(only);
      if (mine && rebuilt.contains(only)) {
        try {
          install(expected.get(only), have.get(only), have.get(only).length);
        } catch (IOException ex) {
          problems.add("rank " + only + ": writing its recovered data failed: " + ex.getMessage());
          mine = false;
          src.put(only, Source.NONE);
        }
      }
      String msg = mine
          ? "rank " + only + ": checkpoint " + id + " from " + src.get(only)
          : "rank " + only + ": checkpoint " + id + " cannot be restored (lost nodes " + lost + ")";
      return new RecoveryReport(id, mine, src, versions, lost, problems, msg, -1);
    }
    if (missing.isEmpty()) {
      for (int r : rebuilt) {
        try {
          install(expected.get(r), have.get(r), have.get(r).length);
        } catch (IOException ex) {
          problems.add("rank " + r + ": writing its recovered data into " + runDir.apply(ranks.get(r)) + " failed: "
              + ex.getMessage());
          src.put(r, Source.NONE);
          missing.add(r);
        }
      }
    }
    boolean complete = missing.isEmpty();
    String msg;
    if (complete) {
      Map<Source, List<Integer>> by = new TreeMap<>();
      src.forEach((r, s) -> by.computeIfAbsent(s, x -> new ArrayList<>()).add(r));
      msg = "checkpoint " + id + " recovered: " + by + (lost.isEmpty() ? "" : " (lost nodes " + lost + ")");
      LOG.info("redundancy: {}", msg);
    } else {
      List<String> nodesOfMissing = missing.stream().map(r -> ranks.get(r).node()).distinct().sorted().toList();
      msg = "checkpoint " + id + " cannot be restored: ranks " + missing + " on nodes " + nodesOfMissing
          + " have no intact copy"
          + " (lost nodes " + lost + "; more losses than " + levels.stream().map(l -> l.scheme().toString()).toList()
          + " cover)";
      LOG.warn("redundancy: {}", msg);
    }
    return new RecoveryReport(id, complete, src, versions, lost, problems, msg, complete ? -1 : persistentFallback());
  }

  private void install(Member mb, byte[] b, int len) throws IOException {
    Path dir = runDir.apply(ranks.get(mb.rank()));
    Bundle.unpack(b, len, dir, "rank " + mb.rank() + " checkpoint");
  }

  private void rebuildSets(Layout l, List<RedFile.Opened> files, Map<Integer, Member> expected,
      Map<Integer, byte[]> have,
      Map<Integer, Source> src, List<String> problems, List<Integer> rebuilt) {
    Source kind = l.scheme().kind() == Scheme.Kind.XOR ? Source.XOR : Source.RS;
    Map<Integer, List<RedFile.Opened>> bySet = new TreeMap<>();
    for (RedFile.Opened o : files) bySet.computeIfAbsent(o.file().setId(), x -> new ArrayList<>()).add(o);
    for (var e : bySet.entrySet()) {
      RedFile ref = e.getValue().get(0).file();
      List<RedFile.Opened> agree = new ArrayList<>();
      for (RedFile.Opened o : e.getValue()) {
        if (o.file().sameSet(ref)) agree.add(o);
        else
          problems
              .add(o.path() + ": describes set " + e.getKey() + " differently from the other parity files, ignored");
      }
      List<Member> mem = ref.members();
      int n = mem.size(), m = ref.m(), k = ref.k();
      if (k + m != n || ref.packet() % 8 != 0 || ref.pieceLength() % (8L * ref.packet()) != 0) {
        problems.add(agree.get(0).path() + ": inconsistent set parameters, ignored");
        continue;
      }
      List<Integer> lostMembers = new ArrayList<>();
      for (Member mb : mem) if (!have.containsKey(mb.rank())) lostMembers.add(mb.rank());
      if (lostMembers.isEmpty()) continue;
      int pl = (int) ref.pieceLength();
      byte[][] data = new byte[n][];
      boolean[] dataOk = new boolean[n];
      for (int p = 0; p < n; p++) {
        byte[] b = have.get(mem.get(p).rank());
        dataOk[p] = b != null && b.length == mem.get(p).length() && Bundle.crc(b, 0, b.length) == mem.get(p).crc();
        data[p] = dataOk[p] ? Arrays.copyOf(b, k * pl) : new byte[k * pl];
      }
      byte[][] par = new byte[n][m * pl];
      boolean[][] parOk = new boolean[n][m];
      for (RedFile.Opened o : agree) {
        int p = ref.indexOf(o.file().holder());
        if (p < 0) continue;
        for (Section s : o.file().sections()) {
          if (s.row() >= m || s.stripe() != Math.floorMod(p - s.row(), n) || s.length() != pl) {
            problems.add(o.path() + ": unexpected section " + s + ", ignored");
            continue;
          }
          try {
            o.read(s, par[p], s.row() * pl);
            parOk[p][s.row()] = true;
          } catch (IOException ex) {
            problems.add(ex.getMessage() + " — parity not used");
          }
        }
      }
      ErasureCode code = code(k, m);
      Set<Integer> failed = new LinkedHashSet<>();
      for (int s = 0; s < n; s++) {
        byte[][] sh = new byte[n][];
        int[] off = new int[n];
        boolean[] present = new boolean[n];
        boolean needed = false;
        for (int u = 0; u < k; u++) {
          int p = (s + m + u) % n;
          sh[u] = data[p];
          off[u] = u * pl;
          present[u] = dataOk[p];
          needed |= !dataOk[p];
        }
        for (int t = 0; t < m; t++) {
          int p = (s + t) % n;
          sh[k + t] = par[p];
          off[k + t] = t * pl;
          present[k + t] = parOk[p][t];
        }
        if (!needed) continue;
        try {
          code.reconstruct(sh, off, present, pl);
        } catch (NotEnoughShardsException ex) {
          for (int u = 0; u < k; u++) if (!present[u]) failed.add(mem.get((s + m + u) % n).rank());
          problems.add(l.scheme() + " set " + e.getKey() + " stripe " + s + ": " + ex.getMessage());
        }
      }
      for (int p = 0; p < n; p++) {
        Member mb = mem.get(p);
        if (dataOk[p] || failed.contains(mb.rank()) || have.containsKey(mb.rank())) continue;
        if (mb.length() > data[p].length || Bundle.crc(data[p], 0, (int) mb.length()) != mb.crc()) {
          problems.add("rank " + mb.rank() + ": data rebuilt from " + l.scheme() + " set " + e.getKey()
              + " does not match its checksum, not used");
          continue;
        }
        have.put(mb.rank(), Arrays.copyOf(data[p], (int) mb.length()));
        src.put(mb.rank(), kind);
        rebuilt.add(mb.rank());
      }
    }
  }
}
