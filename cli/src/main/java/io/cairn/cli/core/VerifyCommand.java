package io.cairn.cli.core;

import io.cairn.internal.engine.LevelStore;
import io.cairn.internal.format.Manifest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code cairn verify}: re-checks every chunk of every version; exit 0 all good, 1 damage found. */
@Command(name = "verify", mixinStandardHelpOptions = true, exitCodeOnExecutionException = 3,
    description = "Re-check every chunk of every committed version. Exit code: 0 all valid, 1 damage found, 2 nothing to verify, "
        + "3 could not check (an error such as a bad configuration; the message says which).")
public final class VerifyCommand implements Callable<Integer> {
  @Mixin StoreOptions opts;

  @Override public Integer call() throws IOException {
    List<Map<String, Object>> results = new ArrayList<>();
    int bad = 0, total = 0;
    for (LevelStore l : opts.levels()) {
      for (long v : l.committed()) {
        total++;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("level", l.name());
        r.put("version", v);
        try {
          Manifest m = l.readManifest(v);
          long bytes = l.read(m, null, new LevelStore.Scratch(m.blockSize()));
          r.put("ok", true);
          r.put("bytes", bytes);
        } catch (IOException | RuntimeException e) {
          bad++;
          r.put("ok", false);
          r.put("error", e.getMessage());
        }
        results.add(r);
        if (!opts.json) {
          System.out.printf("%-11s v%-8d %s%n", l.name(), v, Boolean.TRUE.equals(r.get("ok")) ? "ok (" + r.get("bytes") + " bytes)" : "DAMAGED: " + io.cairn.cli.Sanitize.text((String) r.get("error")));
        }
      }
    }
    if (opts.json) System.out.println(Json.write(Map.of("name", opts.name, "checked", total, "damaged", bad, "results", results)));
    else System.out.println(total == 0 ? "nothing to verify" : bad == 0 ? "all " + total + " copies valid" : bad + " of " + total + " copies damaged");
    return total == 0 ? 2 : bad == 0 ? 0 : 1;
  }
}
