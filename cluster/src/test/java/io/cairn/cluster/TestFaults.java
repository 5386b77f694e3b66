package io.cairn.cluster;

import io.cairn.cluster.internal.FaultHook;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The tests' fault injection (a {@link FaultHook.Provider}, found by {@link java.util.ServiceLoader} through
 * {@code META-INF/services} in the test resources, so only on a test class path): a test writes
 * {@code <job>/test-faults} before the job starts, one fault a line, {@code rank <r> <point> <global>} or
 * {@code coordinator <point> <global>}. The first process (incarnation 0) of that rank or of the coordinator halts at
 * that point, like {@code kill -9}, after writing {@code <job>/test-faults.fired-<who>} so the test can assert that the
 * fault happened.
 */
public final class TestFaults implements FaultHook.Provider {
  static final String FILE = "test-faults";

  /** Writes the faults of a job about to start in {@code jobDir}. */
  static void inject(Path jobDir, String... faults) throws IOException {
    Files.createDirectories(jobDir);
    Files.writeString(jobDir.resolve(FILE), String.join("\n", faults) + "\n");
  }

  /** Whether the fault of {@code who} ({@code rank 2}, {@code coordinator}) happened. */
  static boolean fired(Path jobDir, String who) {
    return Files.exists(jobDir.resolve(FILE + ".fired-" + who.replace(' ', '-')));
  }

  @Override
  public FaultHook forRank(Path jobDir, int rank, int incarnation) { return hook(jobDir, "rank " + rank, incarnation); }

  @Override
  public FaultHook forCoordinator(Path jobDir, int incarnation) { return hook(jobDir, "coordinator", incarnation); }

  private static FaultHook hook(Path jobDir, String who, int incarnation) {
    Path f = jobDir.resolve(FILE);
    if (incarnation != 0 || !Files.exists(f)) return FaultHook.NONE;
    List<String> mine;
    try {
      mine = Files.readAllLines(f).stream().map(String::trim).filter(l -> l.startsWith(who + " "))
          .map(l -> l.substring(who.length() + 1)).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (mine.isEmpty()) return FaultHook.NONE;
    return (point, global) -> {
      if (!mine.contains(point + " " + global)) return;
      System.err.println("fault injection: " + who + " halts at " + point + " of global " + global);
      try {
        Files.writeString(jobDir.resolve(FILE + ".fired-" + who.replace(' ', '-')), point + " " + global + "\n");
      } catch (IOException e) {
        System.err.println("fault injection: cannot record the fault: " + e);
      }
      Runtime.getRuntime().halt(137);
    };
  }
}
