package io.cairn.internal.util;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one JSON writer and reader of Cairn (reports, {@code --json} output, Yosys netlists). Writes maps (keys as
 * strings, order kept), collections, {@code double[]}/{@code long[]}/{@code int[]}, numbers, strings, booleans and
 * null; anything else as its {@code toString()} string. Non-finite numbers are written as {@code null}. Reads
 * objects into {@link LinkedHashMap} (order kept), arrays into {@link ArrayList}, integers into {@link Long},
 * other numbers into {@link Double}. No library: the project's JSON is small and flat, and this keeps the shaded
 * jar free of one more dependency (docs/dependencies.md).
 */
public final class Json {
  private Json() {}

  /** Compact JSON, on one line, no trailing newline. */
  public static String write(Object value) {
    StringBuilder sb = new StringBuilder();
    write(sb, value, -1);
    return sb.toString();
  }

  /** Indented JSON (two spaces a level), ended by a newline; arrays of numbers stay on one line. */
  public static String pretty(Object value) {
    StringBuilder sb = new StringBuilder();
    write(sb, value, 0);
    return sb.append('\n').toString();
  }

  private static void write(StringBuilder sb, Object v, int indent) {
    switch (v) {
      case null -> sb.append("null");
      case String s -> string(sb, s);
      case Boolean b -> sb.append(b);
      case Integer i -> sb.append(i);
      case Long l -> sb.append(l);
      case Short s -> sb.append(s);
      case Byte b -> sb.append(b);
      case Number n -> sb.append(number(n.doubleValue()));
      case double[] a -> {
        sb.append('[');
        for (int i = 0; i < a.length; i++) sb.append(i > 0 ? (indent >= 0 ? ", " : ",") : "").append(number(a[i]));
        sb.append(']');
      }
      case long[] a -> {
        sb.append('[');
        for (int i = 0; i < a.length; i++) sb.append(i > 0 ? (indent >= 0 ? ", " : ",") : "").append(a[i]);
        sb.append(']');
      }
      case int[] a -> {
        sb.append('[');
        for (int i = 0; i < a.length; i++) sb.append(i > 0 ? (indent >= 0 ? ", " : ",") : "").append(a[i]);
        sb.append(']');
      }
      case Map<?, ?> m -> {
        if (m.isEmpty()) { sb.append("{}"); return; }
        sb.append('{');
        int i = 0;
        for (Map.Entry<?, ?> e : m.entrySet()) {
          if (i++ > 0) sb.append(',');
          newline(sb, indent + 2, indent);
          string(sb, String.valueOf(e.getKey()));
          sb.append(indent >= 0 ? ": " : ":");
          write(sb, e.getValue(), indent >= 0 ? indent + 2 : -1);
        }
        newline(sb, indent, indent);
        sb.append('}');
      }
      case Collection<?> c -> {
        if (c.isEmpty()) { sb.append("[]"); return; }
        sb.append('[');
        int i = 0;
        for (Object o : c) {
          if (i++ > 0) sb.append(',');
          newline(sb, indent + 2, indent);
          write(sb, o, indent >= 0 ? indent + 2 : -1);
        }
        newline(sb, indent, indent);
        sb.append(']');
      }
      default -> string(sb, v.toString());
    }
  }

  private static void newline(StringBuilder sb, int pad, int indent) {
    if (indent < 0) return;
    sb.append('\n').append(" ".repeat(pad));
  }

  /**
   * A number as JSON: {@code null} when not finite, integers without a fraction, others with 6 significant digits
   * and no trailing zeros ({@code 0.125}, {@code 1.5e-07}).
   */
  public static String number(double d) {
    if (Double.isNaN(d) || Double.isInfinite(d)) return "null";
    if (d == Math.rint(d) && Math.abs(d) < 1e15) return Long.toString((long) d);
    return String.format(Locale.ROOT, "%.6g", d).replaceAll("(\\.\\d*?)0+(e|$)", "$1$2").replace(".e", "e")
        .replaceAll("\\.$", "");
  }

  /** A JSON string literal; control, DEL/C1 and invisible format characters are escaped as {@code \\uXXXX}. */
  public static String quote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2);
    string(sb, s);
    return sb.toString();
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
        default -> {
          // control characters, and (for readers that print the decoded text) DEL, C1 and invisible format characters
          if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || Character.getType(c) == Character.FORMAT) {
            sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  // ---------------------------------------------------------------- reader

  /**
   * Parses one JSON value. A malformed text throws {@link IllegalArgumentException} naming what was expected and the
   * line and offset where.
   */
  public static Object parse(String text) {
    Reader r = new Reader(text);
    r.ws();
    Object v = r.value(0);
    r.ws();
    if (r.i != text.length()) throw r.error("trailing characters");
    return v;
  }

  /** {@link #parse} of a text that must be an object. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> parseObject(String text) {
    Object v = parse(text);
    if (!(v instanceof Map<?, ?>)) throw new IllegalArgumentException("JSON: expected an object at the top");
    return (Map<String, Object>) v;
  }

  private static final class Reader {
    private static final int MAX_DEPTH = 512;
    private final String s;
    private int i;

    Reader(String s) { this.s = s; }

    IllegalArgumentException error(String what) {
      int line = 1;
      for (int k = 0; k < i && k < s.length(); k++) if (s.charAt(k) == '\n') line++;
      return new IllegalArgumentException("JSON: " + what + " at line " + line + " (offset " + i + ")");
    }

    void ws() {
      while (i < s.length()) {
        char c = s.charAt(i);
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') i++;
        else
          break;
      }
    }

    Object value(int depth) {
      if (depth > MAX_DEPTH) throw error("nested deeper than " + MAX_DEPTH);
      char c = peek();
      return switch (c) {
        case '{' -> object(depth);
        case '[' -> array(depth);
        case '"' -> string();
        case 't' -> word("true", Boolean.TRUE);
        case 'f' -> word("false", Boolean.FALSE);
        case 'n' -> word("null", null);
        default -> number();
      };
    }

    private Object word(String w, Object v) {
      if (!s.startsWith(w, i)) throw error("expected " + w);
      i += w.length();
      return v;
    }

    private Map<String, Object> object(int depth) {
      Map<String, Object> m = new LinkedHashMap<>();
      i++;
      ws();
      if (peek() == '}') { i++; return m; }
      while (true) {
        ws();
        if (peek() != '"') throw error("expected a key");
        String k = string();
        ws();
        if (peek() != ':') throw error("expected ':'");
        i++;
        ws();
        m.put(k, value(depth + 1));
        ws();
        char c = peek();
        i++;
        if (c == '}') return m;
        if (c != ',') throw error("expected ',' or '}'");
      }
    }

    private List<Object> array(int depth) {
      List<Object> a = new ArrayList<>();
      i++;
      ws();
      if (peek() == ']') { i++; return a; }
      while (true) {
        ws();
        a.add(value(depth + 1));
        ws();
        char c = peek();
        i++;
        if (c == ']') return a;
        if (c != ',') throw error("expected ',' or ']'");
      }
    }

    private char peek() {
      if (i >= s.length()) throw error("unexpected end");
      return s.charAt(i);
    }

    private String string() {
      i++;
      StringBuilder b = new StringBuilder();
      while (true) {
        char c = peek();
        i++;
        if (c == '"') return b.toString();
        if (c != '\\') { b.append(c); continue; }
        char e = peek();
        i++;
        switch (e) {
          case 'n' -> b.append('\n');
          case 't' -> b.append('\t');
          case 'r' -> b.append('\r');
          case 'b' -> b.append('\b');
          case 'f' -> b.append('\f');
          case 'u' -> {
            if (i + 4 > s.length()) throw error("bad \\u escape");
            try {
              b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
            } catch (NumberFormatException ex) {
              throw error("bad \\u escape");
            }
            i += 4;
          }
          default -> b.append(e);
        }
      }
    }

    private Object number() {
      int start = i;
      while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
      if (start == i) throw error("unexpected character '" + s.charAt(i) + "'");
      String t = s.substring(start, i);
      try {
        return t.contains(".") || t.contains("e") || t.contains("E")
            ? (Object) Double.parseDouble(t)
            : (Object) Long.parseLong(t);
      } catch (NumberFormatException ex) {
        throw error("bad number " + t);
      }
    }
  }
}
