package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cairn.Checkpointer;
import io.cairn.Version;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the logging protocol costs next to the coordinated ones, measured in one run (not a test: it runs only with
 * {@code -Dcairn.bench=true} and prints a table; nothing is asserted on times). For heat and bank: the failure-free
 * job time against the same job without checkpoints (blocking, one initial global only), the payload bytes logged
 * per byte sent, and after one kill -9 of rank 1 mid-run: how many ranks restored and the time from the kill until the
 * job runs again.
 */
class LoggingCostReport {
  @TempDir
  Path dir;

  record Row(String workload, String protocol, double seconds, double logRatio, long heldMax, long syncs,
      int restoredRanks, double recoverySeconds) {}

  private static Launcher.Builder job(Path d, String workload, Protocol p, int every) {
    return workload.equals("heat")
        ? Jobs.builder(d, 6, "io.cairn.cluster.examples.Heat", "--rows", "96", "--cols", "96", "--steps", "600",
            "--every", "" + every,
            "--delay-ms", "4").protocol(p).nodes(2)
        : Jobs.builder(d, 6, "io.cairn.cluster.examples.Bank", "--steps", "1200", "--every", "" + every, "--delay-ms",
            "2").protocol(p).nodes(2);
  }

  @Test
  void report() throws Exception {
    assumeTrue(Boolean.getBoolean("cairn.bench"), "a measurement: run with -Dcairn.bench=true");
    List<Row> rows = new ArrayList<>();
    for (String w : List.of("heat", "bank")) {
      int every = w.equals("heat") ? 20 : 40;
      rows.add(run(w, "none", Protocol.BLOCKING, 1_000_000, false));
      for (Protocol p : List.of(Protocol.BLOCKING, Protocol.LOGGING, Protocol.HIERARCHICAL))
        rows.add(run(w, p.id(), p, every, false));
      for (Protocol p : List.of(Protocol.BLOCKING, Protocol.LOGGING, Protocol.HIERARCHICAL))
        rows.add(run(w, p.id() + " +kill", p, every, true));
    }
    StringBuilder b = new StringBuilder(
        String.format(Locale.ROOT, "%-6s %-18s %8s %9s %12s %10s %8s %9s %11s%n", "job", "protocol", "seconds",
            "vs none", "logged/sent", "held KiB", "fsyncs", "restored", "recovery s"));
    for (Row r : rows) {
      double base = rows.stream().filter(x -> x.workload().equals(r.workload()) && x.protocol().equals("none"))
          .findFirst().orElseThrow().seconds();
      b.append(String.format(Locale.ROOT, "%-6s %-18s %8.2f %8.2fx %12s %10s %8s %9s %11s%n", r.workload(),
          r.protocol(), r.seconds(), r.seconds() / base,
          r.logRatio() < 0 ? "-" : String.format(Locale.ROOT, "%.2f", r.logRatio()),
          r.heldMax() < 0 ? "-" : "" + r.heldMax() / 1024,
          r.syncs() < 0 ? "-" : "" + r.syncs(), r.restoredRanks() < 0 ? "-" : "" + r.restoredRanks(),
          r.recoverySeconds() < 0 ? "-" : String.format(Locale.ROOT, "%.2f", r.recoverySeconds())));
    }
    System.out.print(b);
    Files.writeString(Path.of("target", "logging-cost.txt"), b.toString());
  }

  private Row run(String w, String name, Protocol p, int every, boolean kill) throws Exception {
    Path d = Files.createDirectories(dir.resolve(w + "-" + name.replace(' ', '_')));
    int restored = -1;
    double recovery = -1;
    long t0 = System.nanoTime();
    try (Launcher.Job job = job(d, w, p, every).start()) {
      if (kill) {
        boolean logs = p == Protocol.LOGGING || p == Protocol.HIERARCHICAL;
        if (logs) Jobs.awaitSteps(d, job, 6, 2, w.equals("heat") ? 300 : 600);
        else
          RecoveryTest.awaitGlobals(d, job, w.equals("heat") ? 15 : 15);
        Thread.sleep(50);
        long k = System.nanoTime();
        assertThat(job.kill(1)).as("rank 1 killed").isTrue();
        String done = p == Protocol.LOGGING
            ? "rank 1 RESTORED its own checkpoint (logging"
            : p == Protocol.HIERARCHICAL ? "RESTORED its group's checkpoint" : "all ranks restored global version";
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
          String c = Files.readString(d.resolve("logs/coordinator.log"));
          if (c.split(java.util.regex.Pattern.quote(done), -1).length
              - 1 >= (p == Protocol.LOGGING ? 1 : p == Protocol.HIERARCHICAL ? 3 : 2))
            break;
          Thread.sleep(10);
        }
        recovery = (System.nanoTime() - k) / 1e9;
        // the coordinator's RESTORED reports: logging rank 1 alone, hierarchical its node's group of 3, blocking every rank
        restored = p == Protocol.LOGGING ? 1 : p == Protocol.HIERARCHICAL ? 3 : 6;
      }
      assertThat(Jobs.await(job, Duration.ofSeconds(300))).as(Jobs.logs(d)).isZero();
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    double ratio = -1;
    long held = -1;
    long syncs = -1;
    if (p == Protocol.LOGGING || p == Protocol.HIERARCHICAL) {
      long sent = 0;
      long logged = 0;
      syncs = 0;
      for (int r = 0; r < 6; r++) {
        try (Checkpointer c = ParallelCheckpointer.openPart(d, Map.of(), r, 6, "node-" + (r * 2 / 6), false, true)) {
          Version v = c.versions().getLast();
          sent += Long.parseLong(v.metadata().get("cairn.sent-bytes"));
          logged += Long.parseLong(v.metadata().get("cairn.logged-bytes"));
          syncs += Long.parseLong(v.metadata().get("cairn.determinant-syncs"));
          for (Version x : c.versions())
            held = Math.max(held, Long.parseLong(x.metadata().get("cairn.log-held-bytes")));
        }
      }
      ratio = sent == 0 ? 0 : (double) logged / sent;
    }
    return new Row(w, name, secs, ratio, held, syncs, restored, recovery);
  }
}
