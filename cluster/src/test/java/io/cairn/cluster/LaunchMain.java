package io.cairn.cluster;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * A launcher in a JVM of its own, so tests can kill -9 it: {@code <jobDir> <ranks> <protocol> <watchMs> <recoveryTimeoutMs> <main> [args]}
 * ({@code watchMs} 0: the children do not watch the launcher, so they live on as orphans).
 */
public final class LaunchMain {
  private LaunchMain() {}

  public static void main(String[] a) throws Exception {
    Launcher.Builder b = Jobs.builder(Path.of(a[0]), Integer.parseInt(a[1]), a[5], Arrays.copyOfRange(a, 6, a.length))
        .protocol(Protocol.parse(a[2])).nodes(2).env("CAIRN_LAUNCHER_WATCH_MS", a[3]).env("CAIRN_CLUSTER_KEEP", "1000")
        .recoveryTimeout(Duration.ofMillis(Long.parseLong(a[4])));
    try (Launcher.Job job = b.start()) {
      System.out.println("launched " + job);
      System.exit(job.await(Duration.ofMinutes(10)));
    }
  }

  /** Starts it as a child JVM with this JVM's java and class path; its output goes to {@code <jobDir>/launcher.out}. */
  static Process start(Path jobDir, int ranks, Protocol p, long watchMs, long recoveryMs, String main, String... args)
      throws Exception {
    java.nio.file.Files.createDirectories(jobDir);
    String java = ProcessHandle.current().info().command().orElseThrow();
    List<String> cmd = new java.util.ArrayList<>(
        List.of(java, "-Xmx96m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp",
            System.getProperty("java.class.path"), LaunchMain.class.getName(), jobDir.toString(), "" + ranks, p.id(),
            "" + watchMs, "" + recoveryMs, main));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(jobDir.resolve("launcher.out").toFile())
        .start();
  }
}
