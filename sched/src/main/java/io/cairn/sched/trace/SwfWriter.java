package io.cairn.sched.trace;

import java.io.IOException;
import java.io.Writer;
import java.util.List;
import java.util.Locale;

/** Writes jobs in the Standard Workload Format (18 fields; unknown fields -1; queue 1 marks priority jobs). */
public final class SwfWriter {
  private SwfWriter() {}

  public static void write(Writer w, List<Job> jobs, int maxNodes, String note) throws IOException {
    w.write("; Version: 2.2\n; Computer: synthetic (Cairn TraceGenerator)\n");
    if (note != null) w.write("; Note: " + note + "\n");
    w.write("; MaxNodes: " + maxNodes + "\n; MaxProcs: " + maxNodes + "\n;\n");
    for (Job j : jobs) {
      w.write(
          String.format(Locale.ROOT, "%d %d -1 %d %d -1 -1 %d %d -1 1 1 1 -1 %d -1 -1 -1%n", j.id(), (long) j.submit(),
              (long) j.runtime(), j.nodes(), j.nodes(), (long) j.estimate(), j.priority() > 0 ? 1 : 0));
    }
  }
}
