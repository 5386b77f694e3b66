package io.cairn.cluster;

import io.cairn.CairnException;
import io.cairn.Checkpointable;
import io.cairn.Checkpointer;
import io.cairn.Version;
import io.cairn.cluster.internal.GlobalManifest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads a committed global checkpoint of a job from outside the job, in one process: a distributed
 * array comes back whole (assembled from every rank's part), any other region from rank 0's part
 * (where the ranks keep replicated values). For tools, evaluation, and replaying a segment of a
 * parallel run on one machine. Nothing is written: the parts are opened read-only, and only the
 * regions asked for are read (partial restores of the core engine).
 *
 * <pre>{@code
 * try (GlobalReader g = GlobalReader.open(jobDir, 0)) {          // 0: the newest committed global version
 *   double[] u = g.doubles("u");                                  // a DistributedArray, whole
 *   long[] step = new long[1];
 *   g.read("step", step);                                         // from rank 0
 * }
 * }</pre>
 */
public final class GlobalReader implements AutoCloseable {
  private final Path jobDir;
  private final GlobalManifest.Entry entry;
  private final Map<String, String> env;
  private final List<Checkpointer> parts = new ArrayList<>();
  private final List<Version> versions = new ArrayList<>();

  private GlobalReader(Path jobDir, GlobalManifest.Entry entry, Map<String, String> env) {
    this.jobDir = jobDir;
    this.entry = entry;
    this.env = env;
  }

  /** Opens global version {@code global} (0: the newest) of the job in {@code jobDir}, with the level settings of this process's environment. */
  public static GlobalReader open(Path jobDir, long global) {
    return open(jobDir, global, System.getenv());
  }

  /** Like {@link #open(Path, long)}, with the environment the job's ranks had ({@code CAIRN_CLUSTER_LEVELS} etc.). */
  public static GlobalReader open(Path jobDir, long global, Map<String, String> environment) {
    Objects.requireNonNull(jobDir, "jobDir");
    List<GlobalManifest.Entry> all = GlobalVersion.list(jobDir).isEmpty() ? List.of() : GlobalManifest.read(jobDir);
    if (all.isEmpty()) throw new CairnException("no committed global checkpoint in " + jobDir.toAbsolutePath());
    GlobalManifest.Entry e = global == 0
        ? all.getLast()
        : all.stream().filter(x -> x.global() == global).findFirst()
            .orElseThrow(() -> new CairnException("global version " + global
                + " is not committed in " + GlobalManifest.file(jobDir) + " (committed: "
                + all.stream().map(GlobalManifest.Entry::global).toList() + ")"));
    GlobalReader r = new GlobalReader(jobDir, e, Map.copyOf(environment));
    try {
      for (int k = 0; k < e.size(); k++) {
        Checkpointer c = ParallelCheckpointer.openPart(jobDir, r.env, k, e.size(), e.nodes()[k], false, true);
        r.parts.add(c);
        long v = e.versions()[k];
        int rank = k;
        r.versions.add(c.versions().stream().filter(x -> x.number() == v).findFirst()
            .orElseThrow(() -> new CairnException(
                "global version " + e.global() + ": rank " + rank + "'s part (version " + v + " of "
                    + jobDir.resolve("persistent") + " or node "
                    + e.nodes()[rank] + "'s local level) is gone")));
      }
    } catch (RuntimeException ex) {
      r.close();
      throw ex;
    }
    return r;
  }

  /** The global version being read. */
  public GlobalVersion version() { return GlobalVersion.of(entry); }

  /** Rank 0's metadata for this version (e.g. {@code cairn.configuration}, the configuration the job declared). */
  public Map<String, String> metadata() {
    return versions.getFirst().metadata();
  }

  /** A {@link DistributedArray}, whole. */
  public double[] doubles(String name) {
    return (double[]) assemble(name, Distributed.Type.DOUBLE);
  }

  /** A {@link DistributedFloatArray}, whole. */
  public float[] floats(String name) {
    return (float[]) assemble(name, Distributed.Type.FLOAT);
  }

  private Object assemble(String name, Distributed.Type type) {
    String region = "darray." + name;
    Object whole = null;
    long filled = 0;
    for (int k = 0; k < parts.size(); k++) {
      String[] spec = spec(k, region);
      ParallelCheckpointer.SavedArray saved = ParallelCheckpointer.SavedArray.parse(spec, entry.global());
      if (saved.type() != type)
        throw new CairnException("global version " + entry.global() + ": distributed array '" + name + "' holds "
            + saved.type().name().toLowerCase(java.util.Locale.ROOT) + "s");
      if (saved.globalLength() > Integer.MAX_VALUE - 16)
        throw new CairnException("distributed array '" + name + "' is too large for one array");
      if (whole == null)
        whole = type == Distributed.Type.DOUBLE
            ? new double[(int) saved.globalLength()]
            : new float[(int) saved.globalLength()];
      long[] r = DistributedArray.range(saved.globalLength(), saved.unit(), k, parts.size());
      if (r[1] - r[0] != saved.length())
        throw new CairnException(
            "global version " + entry.global() + ": rank " + k + "'s part of '" + name + "' has " + saved.length()
                + " elements, its range [" + r[0] + "," + r[1] + ") has " + (r[1] - r[0]));
      Object part = type == Distributed.Type.DOUBLE ? new double[saved.length()] : new float[saved.length()];
      ParallelCheckpointer.protectInto(parts.get(k), region, part);
      parts.get(k).restore(versions.get(k).number(), List.of(region));
      parts.get(k).unprotect(region);
      System.arraycopy(part, 0, whole, (int) r[0], saved.length());
      filled += saved.length();
    }
    if (whole == null || filled != java.lang.reflect.Array.getLength(whole))
      throw new CairnException("distributed array '" + name + "': the parts of global version " + entry.global()
          + " cover " + filled + " elements");
    return whole;
  }

  /** The region list entry of {@code region} in rank {@code k}'s part. */
  private String[] spec(int k, String region) {
    for (String s : versions.get(k).metadata().getOrDefault("cairn.regions", "").split(";")) {
      String[] t = s.split(":");
      if (t[0].equals(region)) return t;
    }
    throw new CairnException(
        "global version " + entry.global() + ": rank " + k + "'s part has no region '" + region + "' (it has: "
            + regionNames(k) + ")");
  }

  private List<String> regionNames(int k) {
    List<String> out = new ArrayList<>();
    for (String s : versions.get(k).metadata().getOrDefault("cairn.regions", "").split(";"))
      if (!s.isEmpty()) out.add(s.split(":")[0]);
    return out;
  }

  /** The names of rank 0's regions (distributed arrays as {@code darray.<name>}). */
  public List<String> regions() {
    return regionNames(0);
  }

  /**
   * Reads regions from rank 0's part into {@code targets} (name to a primitive array of the saved length
   * or a {@link Checkpointable}), in one pass.
   */
  public GlobalReader read(Map<String, Object> targets) {
    Checkpointer c = parts.getFirst();
    for (var t : targets.entrySet()) {
      spec(0, t.getKey());
      ParallelCheckpointer.protectInto(c, t.getKey(), Objects.requireNonNull(t.getValue(), t.getKey()));
    }
    try {
      c.restore(versions.getFirst().number(), targets.keySet());
    } finally {
      for (String n : targets.keySet()) c.unprotect(n);
    }
    return this;
  }

  /** Reads one region from rank 0's part. */
  public GlobalReader read(String name, Object target) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(name, target);
    return read(m);
  }

  @Override
  public void close() {
    for (Checkpointer c : parts) c.close();
  }
}
