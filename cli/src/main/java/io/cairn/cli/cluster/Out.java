package io.cairn.cli.cluster;

import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** Minimal JSON for the cluster commands' --json output (flat objects of strings, numbers and booleans). */
final class Out {
  private Out() { }

  static String json(Map<String, ?> m) {
    return m.entrySet().stream().map(e -> "\"" + e.getKey() + "\":" + value(e.getValue())).collect(Collectors.joining(",", "{", "}"));
  }

  @SuppressWarnings("unchecked")
  static String value(Object v) {
    if (v == null) return "null";
    if (v instanceof Number || v instanceof Boolean) {
      if (v instanceof Double d) return String.format(Locale.ROOT, "%.6g", d);
      return v.toString();
    }
    if (v instanceof Map<?, ?> m) return json((Map<String, ?>) m);
    if (v instanceof Iterable<?> it) {
      StringBuilder b = new StringBuilder("[");
      for (Object o : it) b.append(b.length() > 1 ? "," : "").append(value(o));
      return b.append(']').toString();
    }
    return "\"" + v.toString().replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
  }
}
