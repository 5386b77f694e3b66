package io.cairn.sched.report;

import java.util.Collection;
import java.util.Locale;
import java.util.Map;

/** Minimal JSON writer for reports: maps, lists, numbers, strings, booleans and null. */
public final class Json {
  private Json() {}

  /** Serialises {@code value} (Map with String keys, Collection, array of double, Number, String, Boolean, null), indented. */
  public static String write(Object value) {
    StringBuilder sb = new StringBuilder();
    write(sb, value, 0);
    return sb.append('\n').toString();
  }

  private static void write(StringBuilder sb, Object v, int indent) {
    if (v == null) { sb.append("null"); return; }
    if (v instanceof String s) { string(sb, s); return; }
    if (v instanceof Boolean b) { sb.append(b); return; }
    if (v instanceof Integer || v instanceof Long) { sb.append(v); return; }
    if (v instanceof Number n) { number(sb, n.doubleValue()); return; }
    if (v instanceof double[] a) {
      sb.append('[');
      for (int i = 0; i < a.length; i++) { if (i > 0) sb.append(", "); number(sb, a[i]); }
      sb.append(']');
      return;
    }
    if (v instanceof Map<?, ?> m) {
      if (m.isEmpty()) { sb.append("{}"); return; }
      sb.append("{\n");
      int i = 0;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        pad(sb, indent + 2);
        string(sb, String.valueOf(e.getKey()));
        sb.append(": ");
        write(sb, e.getValue(), indent + 2);
        if (++i < m.size()) sb.append(',');
        sb.append('\n');
      }
      pad(sb, indent);
      sb.append('}');
      return;
    }
    if (v instanceof Collection<?> c) {
      if (c.isEmpty()) { sb.append("[]"); return; }
      sb.append("[\n");
      int i = 0;
      for (Object o : c) {
        pad(sb, indent + 2);
        write(sb, o, indent + 2);
        if (++i < c.size()) sb.append(',');
        sb.append('\n');
      }
      pad(sb, indent);
      sb.append(']');
      return;
    }
    string(sb, v.toString());
  }

  private static void number(StringBuilder sb, double d) {
    if (Double.isNaN(d) || Double.isInfinite(d)) { sb.append("null"); return; }
    if (d == Math.rint(d) && Math.abs(d) < 1e15) sb.append((long) d);
    else sb.append(String.format(Locale.ROOT, "%.6g", d).replaceAll("(\\.\\d*?)0+(e|$)", "$1$2").replace(".e", "e").replaceAll("\\.$", ""));
  }

  private static void string(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> { if (c < 0x20) sb.append(String.format("\\u%04x", (int) c)); else sb.append(c); }
      }
    }
    sb.append('"');
  }

  private static void pad(StringBuilder sb, int n) { sb.append(" ".repeat(n)); }
}
