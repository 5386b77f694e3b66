package io.cairn.cluster.internal;

import java.nio.file.Path;
import java.util.ServiceLoader;

/**
 * Fault injection for tests (the way core's tests inject a failing {@code Storage}, and redundancy's tests a
 * {@code ClusterRedundancy.FaultHook}): the coordinator and each rank's checkpointer call their hook at named points
 * of the checkpoint protocol; a test's hook may halt the process there, like {@code kill -9}. The hook is given to
 * the {@link Coordinator} and {@code ParallelCheckpointer} constructors; the process entry points ({@code Rank.join},
 * {@link Coordinator#main}) ask {@link #forRank}/{@link #forCoordinator}, which return {@link #NONE} unless a
 * {@link Provider} is on the class path — only the cluster module's test classes declare one. Production code reads
 * no environment variable or file for it.
 *
 * <p>Points: ranks {@code before-snapshot}, {@code after-write}, {@code after-prepare}; the coordinator
 * {@code before-commit}, {@code after-commit}.
 */
@FunctionalInterface
public interface FaultHook {
  /** The process reached {@code point} of global version {@code global}. */
  void at(String point, long global);

  /** The hook that does nothing. */
  FaultHook NONE = (point, global) -> {};

  /** Makes the hooks of a process (found with {@link ServiceLoader}; tests only). */
  interface Provider {
    /** The hook of rank {@code rank}'s process number {@code incarnation} (0: the first) in job {@code jobDir}. */
    FaultHook forRank(Path jobDir, int rank, int incarnation);

    /** The hook of the coordinator's process number {@code incarnation} in job {@code jobDir}. */
    FaultHook forCoordinator(Path jobDir, int incarnation);
  }

  /** The hook of a rank process: the provider's on a test class path, else {@link #NONE}. */
  static FaultHook forRank(Path jobDir, int rank, int incarnation) {
    return ServiceLoader.load(Provider.class).findFirst().map(p -> p.forRank(jobDir, rank, incarnation)).orElse(NONE);
  }

  /** The hook of a coordinator process: the provider's on a test class path, else {@link #NONE}. */
  static FaultHook forCoordinator(Path jobDir, int incarnation) {
    return ServiceLoader.load(Provider.class).findFirst().map(p -> p.forCoordinator(jobDir, incarnation)).orElse(NONE);
  }
}
