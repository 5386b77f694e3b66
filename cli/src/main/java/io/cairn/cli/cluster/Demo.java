package io.cairn.cli.cluster;

import io.cairn.cluster.Launcher;
import io.cairn.cluster.internal.GlobalManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.stream.Stream;

final class Demo {
  private Demo() {}

  /** Empties a job directory the demo owns (refuses a directory that does not look like a Cairn job). */
  static void clean(Path job) throws IOException {
    if (!Files.exists(job)) return;
    if (!Files.exists(job.resolve("coordinator.state")) && !Files.exists(job.resolve("logs"))) {
      try (Stream<Path> s = Files.list(job)) {
        if (s.findAny().isPresent())
          throw new IOException(job + " exists and is not a Cairn job directory; choose another --job");
      }
    }
    try (Stream<Path> s = Files.walk(job)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }

  /** Waits until {@code n} global versions are committed (or the job ended). */
  static void waitForGlobals(Path job, Launcher.Job j, int n) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 120_000;
    while (!j.isDone() && System.currentTimeMillis() < deadline && GlobalManifest.read(job).size() < n)
      Thread.sleep(50);
  }

  static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b)).substring(0, 16);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
