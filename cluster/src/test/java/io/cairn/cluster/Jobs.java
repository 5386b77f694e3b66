package io.cairn.cluster;

import io.cairn.Checkpointer;
import io.cairn.Version;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Helpers for multi-process tests. */
final class Jobs {
  private Jobs() {}

  static Launcher.Builder builder(Path dir, int ranks, String main, String... args) {
    return Launcher.builder().ranks(ranks).jobDir(dir).jvmOption("-Xmx64m").failTimeout(Duration.ofSeconds(20))
        .command(Stream.concat(Stream.of(main), Stream.of(args)).toList());
  }

  /** The heat example on {@code ranks} ranks, a checkpoint every 10 steps, {@code delayMs} per step (the caller sets protocol and nodes). */
  static Launcher.Builder heat(Path dir, int ranks, int rows, int cols, long steps, long delayMs) {
    return builder(dir, ranks, "io.cairn.cluster.examples.Heat", "--rows", "" + rows, "--cols", "" + cols, "--steps",
        "" + steps,
        "--every", "10", "--delay-ms", "" + delayMs);
  }

  /** A job directory {@code name} under {@code tmp} (under -Dcairn.test.keep=DIR one that stays, to read its logs). */
  static Path keep(Path tmp, String name) {
    String k = System.getProperty("cairn.test.keep");
    return k == null ? tmp.resolve(name) : Path.of(k).resolve(name);
  }

  /** The newest step of rank {@code r}'s own versions (-1: none yet), read without disturbing the rank. */
  static long newestStep(Path job, int r, int size, String node) {
    try (Checkpointer c = ParallelCheckpointer.openPart(job, Map.of(), r, size, node, false, true)) {
      return c.versions().stream().mapToLong(Version::step).max().orElse(-1);
    } catch (RuntimeException e) {
      return -1;
    }
  }

  /** Waits until every rank's own checkpoints reached step {@code step} (or the job ended). */
  static void awaitSteps(Path job, Launcher.Job j, int size, int nodes, long step) throws InterruptedException {
    awaitSteps(job, j, size, nodes, step, true);
  }

  /** Waits until every rank's (or with {@code all} false: some rank's) own checkpoints reached step {@code step}. */
  static void awaitSteps(Path job, Launcher.Job j, int size, int nodes, long step, boolean all)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + 90_000;
    while (!j.isDone() && System.currentTimeMillis() < deadline) {
      int reached = 0;
      for (int r = 0; r < size; r++) if (newestStep(job, r, size, "node-" + (r * nodes / size)) >= step) reached++;
      if (all ? reached == size : reached > 0) return;
      Thread.sleep(50);
    }
  }

  /** The ranks (group 1 of {@code report}) named by the coordinator's log lines that match {@code report}, in order. */
  static List<Integer> reportedRanks(Path job, Pattern report) throws IOException {
    List<Integer> out = new ArrayList<>();
    Matcher m = report.matcher(Files.readString(job.resolve("logs/coordinator.log")));
    while (m.find()) out.add(Integer.parseInt(m.group(1)));
    return out;
  }

  /** Waits until the coordinator logged {@code n} lines matching {@code report} (or the job ended): the next kill then hits a running job. */
  static void awaitReports(Path job, Launcher.Job j, Pattern report, int n) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (reportedRanks(job, report).size() < n && !j.isDone() && System.currentTimeMillis() < deadline)
      Thread.sleep(50);
  }

  /** Waits for the job; on timeout fails with the logs. */
  static int await(Launcher.Job job, Duration timeout) {
    try {
      return job.await(timeout);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError(e.getMessage() + "\n" + logs(job.jobDir()), e);
    }
  }

  static String logs(Path dir) {
    StringBuilder b = new StringBuilder();
    try (Stream<Path> s = Files.list(dir.resolve("logs"))) {
      for (Path p : s.sorted().toList()) {
        List<String> lines = Files.readAllLines(p);
        b.append("---- ").append(p.getFileName()).append('\n');
        for (String l : lines.subList(Math.max(0, lines.size() - 25), lines.size())) b.append(l).append('\n');
      }
    } catch (IOException e) {
      b.append("(no logs: ").append(e).append(")");
    }
    return b.toString();
  }
}
