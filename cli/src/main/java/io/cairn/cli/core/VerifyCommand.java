package io.cairn.cli.core;

import io.cairn.Checkpointer;
import io.cairn.Checkpointer.CopyCheck;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code cairn verify}: re-checks every chunk of every version; exit 0 all good, 1 damage found. */
@Command(name = "verify", mixinStandardHelpOptions = true, exitCodeOnExecutionException = 3, description = "Re-check every chunk of every committed version. Exit code: 0 all valid, 1 damage found, 2 nothing to verify, "
    + "3 could not check (an error such as a bad configuration; the message says which).")
public final class VerifyCommand implements Callable<Integer> {
  @Mixin
  StoreOptions opts;

  @Override
  public Integer call() {
    List<Map<String, Object>> results = new ArrayList<>();
    int bad = 0, total = 0, removed = 0;
    List<CopyCheck> checks;
    try (Checkpointer c = opts.open(false)) {
      checks = c.verify();
    }
    for (CopyCheck res : checks) {
      boolean ok = res.status() == CopyCheck.Status.VALID;
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("level", res.level());
      r.put("version", res.version());
      r.put("ok", ok);
      r.put("status", ok ? "ok" : res.status().name().toLowerCase(java.util.Locale.ROOT));
      if (ok) r.put("bytes", res.bytes());
      else
        r.put("error", res.error());
      if (res.status() == CopyCheck.Status.REMOVED) {
        removed++; // retention of a running program removed it meanwhile: not a copy any more, not damaged
      } else {
        total++;
        if (!ok) bad++;
      }
      results.add(r);
      if (!opts.json) {
        System.out.printf("%-11s v%-8d %s%n", res.level(), res.version(), switch (res.status()) {
          case VALID -> "ok (" + res.bytes() + " bytes)";
          case REMOVED -> "removed while verifying (retention or prune; not damaged)";
          case UNCHECKED -> "NOT CHECKED: " + io.cairn.cli.Sanitize.text(res.error());
          case DAMAGED -> "DAMAGED: " + io.cairn.cli.Sanitize.text(res.error());
        });
      }
    }
    if (opts.json)
      System.out.println(Json
          .write(Map.of("name", opts.name, "checked", total, "damaged", bad, "removed", removed, "results", results)));
    else
      System.out.println(total == 0
          ? "nothing to verify"
          : bad == 0 ? "all " + total + " copies valid" : bad + " of " + total + " copies damaged or not checked");
    return total == 0 ? 2 : bad == 0 ? 0 : 1;
  }
}
