package io.cairn.cli.core;

import io.cairn.Checkpointer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn pin}, {@code cairn pin --unpin}, {@code cairn pin --delete}: keep, release or remove versions (never while a run holds the directory). */
@Command(name = "pin", mixinStandardHelpOptions = true, description = {
    "Pin versions so that retention keeps them besides the newest 'keep' (--unpin releases them),",
    "or remove versions now (--delete; data a newer incremental version still uses stays). In every level holding them."})
public final class PinCommand implements Callable<Integer> {
  @Mixin
  StoreOptions opts;
  @Parameters(arity = "1..*", paramLabel = "VERSION", description = "version numbers")
  List<Long> versions;
  @Option(names = "--unpin", description = "release the pins instead")
  boolean unpin;
  @Option(names = "--delete", description = "remove the versions instead (pinned or not)")
  boolean delete;

  @Override
  public Integer call() throws Exception {
    if (unpin && delete) throw new IllegalArgumentException("--unpin and --delete exclude each other");
    String what = delete ? "deleted" : unpin ? "unpinned" : "pinned";
    Map<Long, List<String>> done = new LinkedHashMap<>();
    for (long v : versions) done.put(v, new ArrayList<>());
    try (Checkpointer c = opts.open(true)) {
      for (long v : versions) {
        if (unpin) done.get(v).addAll(c.unpin(v));
        else if (c.inspect(v, null).isPresent()) done.get(v).addAll(delete ? c.delete(v) : c.pin(v)); // committed somewhere
      }
    }
    int missing = 0;
    for (var e : done.entrySet()) {
      if (e.getValue().isEmpty()) missing++;
      if (!opts.json)
        System.out.println("version " + e.getKey() + ": " + (e.getValue().isEmpty()
            ? (unpin
                ? "not pinned in any level"
                : "not committed in any level of '" + opts.name + "' under " + opts.dir.toAbsolutePath())
            : what + " in " + String.join(", ", e.getValue())));
    }
    if (opts.json) {
      Map<String, Object> out = new LinkedHashMap<>();
      done.forEach((v, l) -> out.put(Long.toString(v), l));
      System.out.println(Json.write(Map.of("action", what, "levels", out)));
    }
    return missing == 0 || unpin ? 0 : 1;
  }
}
