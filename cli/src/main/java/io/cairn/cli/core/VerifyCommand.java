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
    int bad = 0, total = 0, removed = 0;
    LevelStore.Scratch scratch = new LevelStore.Scratch();
    for (LevelStore l : opts.levels()) {
      for (long v : l.committed()) {
        LevelStore.Verified res = l.verify(v, scratch);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("level", l.name());
        r.put("version", v);
        r.put("ok", res.check() == LevelStore.Check.OK);
        r.put("status", res.check().name().toLowerCase(java.util.Locale.ROOT));
        if (res.check() == LevelStore.Check.OK) r.put("bytes", res.bytes());
        else r.put("error", res.error());
        if (res.check() == LevelStore.Check.REMOVED) {
          removed++; // retention of a running program removed it meanwhile: not a copy any more, not damaged
        } else {
          total++;
          if (res.check() != LevelStore.Check.OK) bad++;
        }
        results.add(r);
        if (!opts.json) {
          System.out.printf("%-11s v%-8d %s%n", l.name(), v, switch (res.check()) {
            case OK -> "ok (" + res.bytes() + " bytes)";
            case REMOVED -> "removed while verifying (retention or prune; not damaged)";
            case UNCHECKED -> "NOT CHECKED: " + io.cairn.cli.Sanitize.text(res.error());
            case DAMAGED -> "DAMAGED: " + io.cairn.cli.Sanitize.text(res.error());
          });
        }
      }
    }
    if (opts.json) System.out.println(Json.write(Map.of("name", opts.name, "checked", total, "damaged", bad, "removed", removed, "results", results)));
    else System.out.println(total == 0 ? "nothing to verify" : bad == 0 ? "all " + total + " copies valid" : bad + " of " + total + " copies damaged or not checked");
    return total == 0 ? 2 : bad == 0 ? 0 : 1;
  }
}
