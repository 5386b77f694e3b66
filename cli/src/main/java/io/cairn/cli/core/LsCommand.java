package io.cairn.cli.core;

import io.cairn.cli.Sanitize;
import io.cairn.internal.engine.LevelStore;
import io.cairn.internal.format.Manifest;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code cairn ls}: versions per level with sizes and ages. */
@Command(name = "ls", mixinStandardHelpOptions = true, description = "List checkpoint versions per level: sizes, ages, labels.")
public final class LsCommand implements Callable<Integer> {
  @Mixin
  StoreOptions opts;

  @Override
  public Integer call() throws IOException {
    List<Map<String, Object>> rows = new ArrayList<>();
    List<LevelStore> levels = opts.levels();
    for (LevelStore l : levels) {
      java.util.Set<Long> pins = l.pinned();
      for (long v : l.committed()) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("level", l.name());
        row.put("version", v);
        try {
          Manifest m = l.readManifest(v);
          row.put("created", Instant.ofEpochMilli(m.createdMillis()).toString());
          row.put("ageSeconds", Duration.between(Instant.ofEpochMilli(m.createdMillis()), Instant.now()).toSeconds());
          row.put("stateBytes", m.logicalBytes());
          row.put("storedBytes", m.ownBytes());
          row.put("incrementalOf", m.parent() > 0 ? m.parent() : null);
          row.put("label", m.label());
          row.put("step", m.step());
          row.put("pinned", pins.contains(v));
          row.put("status", "committed");
        } catch (IOException e) {
          row.put("status", "damaged: " + e.getMessage());
        }
        rows.add(row);
      }
    }
    if (opts.json) {
      System.out.println(Json.write(Map.of("name", opts.name, "versions", rows)));
      return 0;
    }
    if (levels.isEmpty()) {
      System.out.println(
          "no checkpoints of '" + opts.name + "' under " + opts.dir.toAbsolutePath() + " (try --dir and --name)");
      return 0;
    }
    System.out.printf("%-11s %8s  %-20s %8s %12s %12s %6s  %s%n", "LEVEL", "VERSION", "CREATED", "AGE", "STATE",
        "STORED", "STEP", "LABEL / STATUS");
    for (Map<String, Object> r : rows) {
      if (!"committed".equals(r.get("status"))) {
        System.out.printf("%-11s %8d  %s%n", r.get("level"), (Long) r.get("version"),
            Sanitize.text((String) r.get("status")));
        continue;
      }
      String inc = (r.get("incrementalOf") != null ? " (incr. of " + r.get("incrementalOf") + ")" : "")
          + (Boolean.TRUE.equals(r.get("pinned")) ? " [pinned]" : "");
      System.out.printf(Locale.ROOT, "%-11s %8d  %-20s %8s %12s %12s %6d  %s%s%n", r.get("level"),
          (Long) r.get("version"),
          ((String) r.get("created")).substring(0, 19), age((Long) r.get("ageSeconds")),
          size((Long) r.get("stateBytes")),
          size((Long) r.get("storedBytes")), (Long) r.get("step"), Sanitize.text((String) r.get("label")), inc);
    }
    return 0;
  }

  static String age(long s) {
    if (s < 120) return s + "s";
    if (s < 7200) return s / 60 + "m";
    if (s < 172800) return s / 3600 + "h";
    return s / 86400 + "d";
  }

  static String size(long b) {
    if (b < 10 * 1024) return b + " B";
    if (b < 10L << 20) return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
    if (b < 10L << 30) return String.format(Locale.ROOT, "%.1f MiB", b / 1048576.0);
    return String.format(Locale.ROOT, "%.2f GiB", b / 1073741824.0);
  }
}
