package io.cairn.spi;

import java.io.IOException;
import java.util.Map;
import java.util.Set;

/**
 * A level kind that another module adds (e.g. {@code s3} in the {@code cairn-s3} module), found with
 * {@link java.util.ServiceLoader} ({@code META-INF/services/io.cairn.spi.StorageProvider}). With the
 * module on the class path, a configuration may say {@code level.NAME.kind = KIND} and set the
 * provider's own keys {@code level.NAME.OPTION} (documented by the provider); everything else about
 * the level ({@code keep}, {@code every}, {@code codec}, {@code incremental}) works as for the built-in kinds.
 */
public interface StorageProvider {

  /** The kind this provider serves (key {@code level.NAME.kind}); lower-case letters and digits, not a built-in kind. */
  String kind();

  /** The extra level keys it accepts ({@code level.NAME.OPTION}), lower-case words joined by {@code '-'}. */
  Set<String> options();

  /**
   * Opens the storage of one level for one run.
   *
   * @param level the configured level (its {@link LevelInfo#path()} is unused unless the provider documents it)
   * @param options the level's values of {@link #options()} that the configuration set (environment overrides applied)
   * @param run the run's name (key {@code name}): a run keeps its files under its own prefix
   * @param readOnly true when the program opened for restoring only: create nothing
   * @throws IOException when the options are wrong or the storage cannot be opened; the message names the level
   */
  Storage open(LevelInfo level, Map<String, String> options, String run, boolean readOnly) throws IOException;
}
