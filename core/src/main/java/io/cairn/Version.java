package io.cairn;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A committed checkpoint version.
 *
 * @param number   the version number (1, 2, ...), increasing over the life of a run and its restarts
 * @param created  when it was captured
 * @param label    the label given at checkpoint time ("" when none)
 * @param step     the step given at checkpoint time (-1 when none)
 * @param metadata user key/value pairs
 * @param bytes    bytes of protected state in the version
 * @param levels   names of the levels that hold a committed copy
 */
public record Version(long number, Instant created, String label, long step, Map<String, String> metadata, long bytes,
    List<String> levels) {
  public Version {
    metadata = Map.copyOf(metadata);
    levels = List.copyOf(levels);
  }
}
