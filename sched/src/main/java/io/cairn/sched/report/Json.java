package io.cairn.sched.report;

/** JSON for reports: indented, through core's one writer ({@code io.cairn.internal.util.Json}). */
public final class Json {
  private Json() {}

  /** Serialises {@code value} (Map with String keys, Collection, array of double, Number, String, Boolean, null), indented. */
  public static String write(Object value) {
    return io.cairn.internal.util.Json.pretty(value);
  }
}
