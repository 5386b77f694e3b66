package io.cairn.sched;

import java.util.Locale;

/** Parses and prints durations such as {@code 90s}, {@code 5m}, {@code 1.5h}, {@code 2d}, {@code 1y} (seconds if no unit). */
public final class Durations {
  private Durations() {}

  /**
   * Parses a duration to seconds.
   *
   * @throws IllegalArgumentException naming the text when it is not a non-negative number with an optional unit
   */
  public static double parse(String text) {
    String s = text.trim().toLowerCase(Locale.ROOT);
    double unit = 1;
    String num = s;
    if (s.endsWith("ms")) {
      unit = 1e-3;
      num = s.substring(0, s.length() - 2);
    } else if (s.endsWith("s")) {
      num = s.substring(0, s.length() - 1);
    } else if (s.endsWith("m")) {
      unit = 60;
      num = s.substring(0, s.length() - 1);
    } else if (s.endsWith("h")) {
      unit = 3600;
      num = s.substring(0, s.length() - 1);
    } else if (s.endsWith("d")) {
      unit = 86400;
      num = s.substring(0, s.length() - 1);
    } else if (s.endsWith("w")) {
      unit = 7 * 86400;
      num = s.substring(0, s.length() - 1);
    } else if (s.endsWith("y")) { unit = 365 * 86400; num = s.substring(0, s.length() - 1); }
    double v;
    try {
      v = Double.parseDouble(num.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a duration: '" + text + "' (expected e.g. 90s, 5m, 1.5h, 2d, 1y)");
    }
    if (!(v >= 0) || Double.isInfinite(v))
      throw new IllegalArgumentException("duration must be finite and >= 0: '" + text + "'");
    return v * unit;
  }

  /** Human-readable form, e.g. {@code 1h 23m} or {@code 42.0s}. */
  public static String format(double seconds) {
    if (Double.isInfinite(seconds)) return "never";
    if (Double.isNaN(seconds)) return "n/a";
    double a = Math.abs(seconds);
    if (a < 60) return String.format(Locale.ROOT, "%.1fs", seconds);
    if (a < 3600) return String.format(Locale.ROOT, "%dm %02ds", (long) (seconds / 60), (long) (a % 60));
    if (a < 86400) return String.format(Locale.ROOT, "%dh %02dm", (long) (seconds / 3600), (long) ((a % 3600) / 60));
    return String.format(Locale.ROOT, "%dd %02dh", (long) (seconds / 86400), (long) ((a % 86400) / 3600));
  }
}
