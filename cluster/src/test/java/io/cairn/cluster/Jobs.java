package io.cairn.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/** Helpers for multi-process tests. */
final class Jobs {
  private Jobs() { }

  static Launcher.Builder builder(Path dir, int ranks, String main, String... args) {
    return Launcher.builder().ranks(ranks).jobDir(dir).jvmOption("-Xmx64m").failTimeout(Duration.ofSeconds(20))
        .command(Stream.concat(Stream.of(main), Stream.of(args)).toList());
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
