package io.cairn.sched.trace;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * The small workload bundled with Cairn for its README example: 600 jobs on 64 nodes over two weeks, offered load
 * 0.85, 5% urgent jobs (queue 1), made by {@code new TraceGenerator().nodes(64).jobs(600).horizon(14 days).load(0.85)
 * .urgentFraction(0.05).seed(2026)} and stored as SWF.
 */
public final class SampleTrace {
  private SampleTrace() {}

  /** Resource name of the bundled SWF file. */
  public static final String RESOURCE = "/io/cairn/sched/sample.swf";

  /** Reads the bundled trace (urgent queue 1). */
  public static SwfReader.Trace read() throws IOException {
    InputStream in = SampleTrace.class.getResourceAsStream(RESOURCE);
    if (in == null) throw new IOException("bundled trace " + RESOURCE + " is missing from the cairn-sched jar");
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      return SwfReader.read(r, "sample.swf", 1, 1);
    }
  }

  /** Regenerates the bundled trace's content. */
  public static java.util.List<Job> generate() {
    return new TraceGenerator().nodes(64).jobs(600).horizon(14 * 86400).load(0.85).urgentFraction(0.05).seed(2026)
        .generate();
  }
}
