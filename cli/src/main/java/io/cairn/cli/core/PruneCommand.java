package io.cairn.cli.core;

import io.cairn.Checkpointer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cairn prune}: applies retention now (never while a run holds the directory). */
@Command(name = "prune", mixinStandardHelpOptions = true, description = "Apply retention: keep the newest N versions per level (default: each level's configured keep). "
    + "Data still referenced by a kept incremental version is kept.")
public final class PruneCommand implements Callable<Integer> {
  @Mixin
  StoreOptions opts;
  @Option(names = "--keep", description = "Versions to keep in every level (overrides the configuration).")
  Integer keep;

  @Override
  public Integer call() throws Exception {
    if (keep != null && keep < 1) throw new IllegalArgumentException("--keep must be >= 1");
    Map<String, Object> out = new LinkedHashMap<>();
    try (Checkpointer c = opts.open(true)) {
      for (Checkpointer.Pruned p : c.prune(keep != null ? keep : 0)) {
        out.put(p.level(), Map.of("kept", p.kept(), "removed", p.removed()));
        if (!opts.json) System.out.printf("%-11s removed %s, kept %d%n", p.level(), p.removed(), p.kept());
      }
    }
    if (opts.json) System.out.println(Json.write(out));
    return 0;
  }
}
