package io.cairn.cli.core;

import io.cairn.Cairn;
import io.cairn.Checkpointer;
import io.cairn.internal.Settings;
import io.cairn.internal.engine.LevelStore;
import io.cairn.internal.store.LevelDirs;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Which checkpoints a command looks at: the same configuration a program would open; and {@code --json}. */
public final class StoreOptions extends JsonOption {
  @Option(names = "--dir", defaultValue = "cairn-data", description = "Base directory of the local and persistent levels (default ${DEFAULT-VALUE}).")
  Path dir;
  @Option(names = "--name", defaultValue = "cairn", description = "The run's name (default ${DEFAULT-VALUE}).")
  String name;
  @Option(names = "--config", description = "Configuration file (properties), as given to the program.")
  Path config;

  Settings settings() {
    Settings s = new Settings();
    if (config != null) s.load(config);
    s.set("name", name, "--name");
    s.applyEnvironment(System.getenv());
    return s;
  }

  /**
   * The run's checkpoints opened through the API, as a program would open them: for maintenance (pin,
   * prune, delete: existing levels only, locked) or read-only (verify, inspect: not locked).
   */
  Checkpointer open(boolean maintenance) {
    Checkpointer.Builder b = Cairn.builder();
    if (config != null) b.config(config);
    return b.name(name).directory(dir).set("signals", "false").readOnly(!maintenance).maintenance(maintenance).open();
  }

  /** The file-backed levels that exist on disk (the in-process level has nothing to show). */
  List<LevelStore> levels() {
    Settings s = settings();
    List<LevelStore> out = new ArrayList<>();
    for (Settings.LevelSpec spec : s.levels(dir)) {
      if (spec.kind().equals("process")) continue;
      io.cairn.spi.Storage st;
      try {
        st = io.cairn.internal.store.Providers.open(spec, s.levelOptions(spec.name()), s.get("name"), true); // s3 and other provided kinds
        if (st == null) st = LevelDirs.existing(spec, s.get("name"));
      } catch (IOException e) {
        throw new IllegalArgumentException("level '" + spec.name() + "': " + e.getMessage(), e);
      }
      if (st == null) continue;
      out.add(new LevelStore(spec, st, s.integer("incremental.full-every")));
    }
    return out;
  }
}
