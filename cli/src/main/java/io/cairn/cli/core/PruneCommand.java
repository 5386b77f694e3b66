package io.cairn.cli.core;

import io.cairn.internal.engine.LevelStore;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cairn prune}: applies retention now (never while a run holds the directory). */
@Command(name = "prune", mixinStandardHelpOptions = true,
    description = "Apply retention: keep the newest N versions per level (default: each level's configured keep). "
        + "Data still referenced by a kept incremental version is kept.")
public final class PruneCommand implements Callable<Integer> {
  @Mixin StoreOptions opts;
  @Option(names = "--keep", description = "Versions to keep in every level (overrides the configuration).") Integer keep;

  @Override public Integer call() throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    for (LevelStore l : opts.levels()) {
      try (AutoCloseable lock = l.storage().lock(".lock", "cairn prune, pid " + ProcessHandle.current().pid())) {
        long upTo = l.allVersionDirs().isEmpty() ? 0 : l.allVersionDirs().last();
        int k = keep != null ? keep : l.spec().keep();
        if (k < 1) throw new IllegalArgumentException("--keep must be >= 1");
        List<Long> dropped = l.prune(k, upTo);
        out.put(l.name(), Map.of("kept", l.committed().size(), "removed", dropped));
        if (!opts.json) System.out.printf("%-11s removed %s, kept %d%n", l.name(), dropped, l.committed().size());
      }
    }
    if (opts.json) System.out.println(Json.write(out));
    return 0;
  }
}
