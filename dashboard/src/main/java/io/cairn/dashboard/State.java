package io.cairn.dashboard;

import io.cairn.internal.engine.RunStats;
import java.util.Locale;

/** {@code /api/state.json}: the runs and their versions per level, for scripts (the pages show the same). */
final class State {
  private State() {}

  static String json(Runs runs, boolean job, long now) {
    StringBuilder b = new StringBuilder("{\"time\":").append(now).append(",\"job\":").append(job).append(",\"runs\":[");
    boolean firstRun = true;
    for (String n : runs.names()) {
      Runs.Run r = runs.read(n);
      b.append(firstRun ? "" : ",").append("{\"name\":").append(str(n));
      firstRun = false;
      RunStats s = r.stats();
      if (s != null)
        b.append(String.format(Locale.ROOT, ",\"lastCostSeconds\":%.6f,\"intervalMode\":%s,\"intervalSeconds\":%s",
            s.lastCostSeconds(), str(s.intervalMode()),
            s.interval().containsKey("seconds")
                ? String.format(Locale.ROOT, "%.6f", s.interval().get("seconds"))
                : "null"));
      b.append(",\"levels\":[");
      boolean firstLevel = true;
      for (Runs.Level l : r.levels()) {
        b.append(firstLevel ? "" : ",").append("{\"name\":").append(str(l.name())).append(",\"kind\":")
            .append(str(l.kind()));
        if (l.error() != null) b.append(",\"error\":").append(str(l.error()));
        b.append(",\"versions\":[");
        firstLevel = false;
        boolean firstV = true;
        for (Runs.Row row : l.rows()) {
          b.append(firstV ? "" : ",").append("{\"version\":").append(row.version()).append(",\"pinned\":")
              .append(row.pinned());
          firstV = false;
          if (row.manifest() == null) b.append(",\"error\":").append(str(row.error()));
          else
            b.append(",\"created\":").append(row.manifest().createdMillis()).append(",\"stateBytes\":")
                .append(row.manifest().logicalBytes())
                .append(",\"storedBytes\":").append(row.manifest().ownBytes()).append(",\"parent\":")
                .append(row.manifest().parent())
                .append(",\"step\":").append(row.manifest().step()).append(",\"label\":")
                .append(str(row.manifest().label()));
          b.append('}');
        }
        b.append("]}");
      }
      b.append("]}");
    }
    return b.append("]}\n").toString();
  }

  /** A JSON string; also escapes {@code < > &} so that the text is inert if some page embeds it. */
  static String str(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : String.valueOf(s).toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x2028 || c == 0x2029)
        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      else
        b.append(c);
    }
    return b.append('"').toString();
  }
}
