package io.cairn.cluster;

import io.cairn.Checkpointer;
import io.cairn.cluster.internal.GlobalManifest;
import io.cairn.cluster.internal.JobEnv;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks that the committed global versions of a finished job are consistent states: for every
 * channel (i -> j), what rank j had received plus what was recorded in flight equals what rank i had
 * sent (no orphan message, none lost), and an application invariant holds (e.g. the total money of
 * the bank example, counting money in flight). Run it when the job is not running (it opens every
 * rank's checkpoints).
 */
public final class ConsistencyChecker {
  private ConsistencyChecker() {}

  /** An application invariant over one global state; returns null when it holds, else what is wrong. */
  @FunctionalInterface
  public interface Invariant {
    String check(List<Map<String, long[]>> ranks, List<Message> inFlight);
  }

  /**
   * The result for one global version.
   *
   * @param global   the global version
   * @param inFlight messages recorded in flight in it
   * @param problems empty when consistent
   */
  public record Report(long global, int inFlight, List<String> problems) {
    public boolean ok() { return problems.isEmpty(); }
  }

  /** The length a part saved a {@code long[]} region with (from its {@code cairn.regions} list), 0 if absent. */
  private static int savedLength(String kinds, String name) {
    for (String spec : kinds.split(";")) {
      String[] t = spec.split(":");
      if (t.length >= 3 && t[0].equals(name)) return Integer.parseInt(t[2]);
    }
    return 0;
  }

  /**
   * Restores every committed global version of the job in {@code jobDir} (each rank's part, with the
   * {@code long[]} regions named in {@code longRegions} and their lengths; a length of 0 or less: as each part saved
   * it, for regions whose length depends on the number of ranks) and checks it.
   */
  public static List<Report> check(Path jobDir, Map<String, Integer> longRegions, Invariant invariant) {
    List<Report> out = new ArrayList<>();
    JobEnv base = new JobEnv(0, 1, "node-0", jobDir.toAbsolutePath(), null, 0, false, "check", "127.0.0.1", Map.of());
    for (GlobalManifest.Entry e : GlobalManifest.read(jobDir)) {
      int n = e.size();
      List<String> problems = new ArrayList<>();
      List<Map<String, long[]>> states = new ArrayList<>();
      Endpoint.CommState[] comm = new Endpoint.CommState[n];
      List<Message> inFlight = new ArrayList<>();
      for (int r = 0; r < n; r++) {
        Map<String, long[]> regions = new LinkedHashMap<>();
        ParallelCheckpointer.CommRegion cr = new ParallelCheckpointer.CommRegion();
        io.cairn.Version ver;
        try (Checkpointer ck = ParallelCheckpointer.open(base, r, n, e.nodes()[r], false)) {
          ck.protect(ParallelCheckpointer.COMM_REGION, cr);
          long v = e.versions()[r];
          String kinds = ck.versions().stream().filter(x -> x.number() == v).findFirst()
              .map(x -> x.metadata().getOrDefault("cairn.regions", ""))
              .orElse("");
          longRegions.forEach((name, len) -> {
            long[] a = new long[len > 0 ? len : savedLength(kinds, name)];
            regions.put(name, a);
            ck.protect(name, a);
          });
          ver = ck.restore(e.versions()[r]);
          if (cr.loaded.sideFile) {
            List<List<Message>> rec = ChandyLamportProtocol.readChannelFile(jobDir, e.global(), ver, r, n);
            for (int s = 0; s < n; s++) cr.loaded.inFlight.get(s).addAll(rec.get(s));
          }
        } catch (RuntimeException ex) {
          problems.add("rank " + r + " version " + e.versions()[r] + ": " + ex.getMessage());
          continue;
        }
        Endpoint.CommState cs = cr.loaded;
        comm[r] = cs;
        states.add(regions);
        for (List<Message> l : cs.inFlight) inFlight.addAll(l);
      }
      if (problems.isEmpty()) {
        for (int i = 0; i < n; i++) {
          for (int j = 0; j < n; j++) {
            long sent = comm[i].sent[j];
            long got = comm[j].delivered[i];
            long flying = comm[j].inFlight.get(i).size();
            if (got > sent)
              problems.add(
                  "orphan messages on channel " + i + "->" + j + ": received " + got + " but only " + sent + " sent");
            else if (got + flying != sent)
              problems.add(
                  "channel " + i + "->" + j + ": sent " + sent + " but received " + got + " + in flight " + flying);
          }
        }
        String bad = invariant.check(states, inFlight);
        if (bad != null) problems.add(bad);
      }
      out.add(new Report(e.global(), inFlight.size(), problems));
    }
    return out;
  }
}
