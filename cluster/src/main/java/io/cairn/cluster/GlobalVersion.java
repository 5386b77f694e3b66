package io.cairn.cluster;

import io.cairn.cluster.internal.GlobalManifest;
import java.time.Instant;
import java.util.List;

/**
 * A committed global checkpoint: every rank's part was committed before it was listed.
 *
 * @param number   the global version number
 * @param ranks    how many ranks took it
 * @param protocol the protocol that took it
 * @param step     the step passed to {@link ParallelCheckpointer#checkpoint}
 * @param created  when it was committed
 * @param versions rank r's part is version {@code versions.get(r)} of its own run
 * @param nodes    the node rank r was on
 */
public record GlobalVersion(long number, int ranks, String protocol, long step, Instant created, List<Long> versions, List<String> nodes) {
  public GlobalVersion {
    versions = List.copyOf(versions);
    nodes = List.copyOf(nodes);
  }

  /** The committed global versions of the job in {@code jobDir}, oldest first (empty when it has none; an unreadable manifest is an error naming it). */
  public static List<GlobalVersion> list(java.nio.file.Path jobDir) {
    if (!java.nio.file.Files.exists(GlobalManifest.file(jobDir))) return List.of();
    return GlobalManifest.read(jobDir).stream().map(GlobalVersion::of).toList();
  }

  static GlobalVersion of(GlobalManifest.Entry e) {
    return new GlobalVersion(e.global(), e.size(), e.protocol(), e.step(), Instant.ofEpochMilli(e.timeMillis()),
        java.util.Arrays.stream(e.versions()).boxed().toList(), List.of(e.nodes()));
  }
}
