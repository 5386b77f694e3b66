package io.cairn.sched.trace;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the Standard Workload Format of the Parallel Workloads Archive (Feitelson et al.): {@code ;} header lines
 * ({@code ; Key: value}), then one job per line with 18 whitespace-separated fields. Uses fields 1 (job number),
 * 2 (submit), 4 (run time), 5 (allocated processors, else 8, requested), 9 (requested time) and 15 (queue).
 * Malformed lines are reported with their line number and skipped; jobs with no run time or no processors
 * (cancelled before start) are counted and skipped.
 */
public final class SwfReader {
  private SwfReader() {}

  /**
   * A read trace.
   *
   * @param maxNodes the header's MaxNodes (or MaxProcs / procsPerNode), or the largest job when absent
   * @param problems one line per malformed line: {@code name:line: message}
   * @param skipped  well-formed jobs left out (run time or processors &lt;= 0)
   */
  public record Trace(List<Job> jobs, Map<String, String> header, int maxNodes, List<String> problems, int skipped) {}

  /** Reads {@code file} (plain or .gz); {@code procsPerNode} converts processors to nodes; jobs in {@code urgentQueue} (-1: none) get priority 1. */
  public static Trace read(Path file, int procsPerNode, int urgentQueue) throws IOException {
    try (BufferedReader r = TraceFiles.open(file)) {
      return read(r, file.toString(), procsPerNode, urgentQueue);
    }
  }

  public static Trace read(BufferedReader r, String name, int procsPerNode, int urgentQueue) throws IOException {
    if (procsPerNode < 1) throw new IllegalArgumentException("procsPerNode must be >= 1, got " + procsPerNode);
    Map<String, String> header = new LinkedHashMap<>();
    List<Job> jobs = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    int skipped = 0, lineNo = 0, largest = 0;
    double t0 = Double.NaN;
    String line;
    while ((line = r.readLine()) != null) {
      lineNo++;
      String s = line.strip();
      if (s.isEmpty()) continue;
      if (s.startsWith(";")) {
        int c = s.indexOf(':');
        if (c > 1) header.putIfAbsent(s.substring(1, c).strip(), s.substring(c + 1).strip());
        continue;
      }
      String[] f = s.split("\\s+");
      if (f.length != 18) { problems.add(name + ":" + lineNo + ": expected 18 fields, found " + f.length); continue; }
      double[] v = new double[18];
      int bad = -1;
      for (int i = 0; i < 18; i++) {
        try {
          v[i] = Double.parseDouble(f[i]);
        } catch (NumberFormatException e) {
          bad = i;
          break;
        }
      }
      if (bad >= 0) {
        problems.add(name + ":" + lineNo + ": field " + (bad + 1) + " '" + f[bad] + "' is not a number");
        continue;
      }
      double submit = v[1], run = v[3], procs = v[4] > 0 ? v[4] : v[7], req = v[8];
      if (submit < 0) { problems.add(name + ":" + lineNo + ": negative submit time " + f[1]); continue; }
      if (!(run > 0) || !(procs > 0)) { skipped++; continue; }
      if (Double.isNaN(t0)) t0 = submit;
      int nodes = (int) Math.ceil(procs / procsPerNode);
      largest = Math.max(largest, nodes);
      jobs.add(new Job((long) v[0], Math.max(0, submit - t0), run, nodes, req > 0 ? Math.max(req, run) : run,
          urgentQueue >= 0 && (int) v[14] == urgentQueue ? 1 : 0, 0));
    }
    jobs.sort(java.util.Comparator.comparingDouble(Job::submit));
    int maxNodes = largest;
    try {
      if (header.containsKey("MaxNodes") && Integer.parseInt(header.get("MaxNodes")) > 0)
        maxNodes = Integer.parseInt(header.get("MaxNodes"));
      else if (header.containsKey("MaxProcs"))
        maxNodes = (int) Math.ceil(Integer.parseInt(header.get("MaxProcs")) / (double) procsPerNode);
    } catch (NumberFormatException e) {
      problems.add(name + ": header MaxNodes/MaxProcs is not a number: " + header.get("MaxNodes") + " / "
          + header.get("MaxProcs"));
    }
    return new Trace(jobs, header, Math.max(maxNodes, largest), problems, skipped);
  }
}
