package io.cairn.cli;

/**
 * Makes text from checkpoints (labels, metadata, names: written by whoever wrote the checkpoint) safe
 * to print on a terminal: control characters (C0, DEL, C1: escape sequences start with ESC or CSI),
 * bidirectional overrides and other invisible format characters are shown as {@code \xNN} or
 * {@code \\uNNNN} instead of being interpreted.
 */
public final class Sanitize {
  private Sanitize() {}

  public static String text(String s) {
    if (s == null) return null;
    StringBuilder sb = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      String rep = null;
      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f)) rep = String.format("\\x%02x", (int) c);
      else if (Character.getType(c) == Character.FORMAT || Character.isSurrogate(c) && !validPair(s, i))
        rep = String.format("\\u%04x", (int) c);
      if (rep != null) {
        if (sb == null) sb = new StringBuilder(s.length() + 16).append(s, 0, i);
        sb.append(rep);
      } else if (sb != null) {
        sb.append(c);
      }
    }
    return sb == null ? s : sb.toString();
  }

  private static boolean validPair(String s, int i) {
    char c = s.charAt(i);
    if (Character.isHighSurrogate(c)) return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
    return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
  }

  /** Sanitizes strings inside maps and lists (for the text views of nested values). */
  public static Object value(Object o) {
    return switch (o) {
      case String s -> text(s);
      case java.util.Map<?, ?> m -> {
        java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
        m.forEach((k, v) -> out.put(text(String.valueOf(k)), value(v)));
        yield out;
      }
      case java.util.List<?> l -> l.stream().map(Sanitize::value).toList();
      case null -> null;
      default -> o;
    };
  }
}
