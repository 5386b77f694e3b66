package io.cairn.sched.sim;

import java.util.Locale;

/**
 * How jobs in the simulator choose when to checkpoint.
 *
 * <ul>
 *   <li>{@code NONE}: never; a failed job starts over.</li>
 *   <li>{@code FIXED}: every {@code fixedInterval} seconds of work, to the parallel file system (PFS).</li>
 *   <li>{@code YOUNG}, {@code DALY}: the Young / Daly interval for the job's MTBF (node MTBF / nodes) and PFS cost.</li>
 *   <li>{@code MULTILEVEL}: a cheap level-1 checkpoint that survives transient failures plus every m-th to the PFS,
 *       periods from {@link io.cairn.sched.MultiLevel} with the failure-class rates.</li>
 *   <li>{@code ADAPTIVE} (Cairn's own): the multi-level plan recomputed at each (re)start from the failure hazard of the
 *       nodes the job actually got (their age since repair under the node failure model) over the job's remaining work,
 *       with segments equalised so no checkpoint is written just before the end, and placement that gives long-running
 *       (old) nodes first. With a decreasing hazard (Weibull shape &lt; 1, as fitted on the LANL logs) freshly repaired
 *       nodes fail far more often than average: jobs on them checkpoint more, jobs on old nodes less.</li>
 * </ul>
 */
public record Policy(Kind kind, double fixedInterval) {
  /** The policy kinds. */
  public enum Kind { NONE, FIXED, YOUNG, DALY, MULTILEVEL, ADAPTIVE }

  public static final Policy NONE = new Policy(Kind.NONE, 0);
  public static final Policy YOUNG = new Policy(Kind.YOUNG, 0);
  public static final Policy DALY = new Policy(Kind.DALY, 0);
  public static final Policy MULTILEVEL = new Policy(Kind.MULTILEVEL, 0);
  public static final Policy ADAPTIVE = new Policy(Kind.ADAPTIVE, 0);

  public static Policy fixed(double seconds) {
    if (!(seconds > 0)) throw new IllegalArgumentException("fixed checkpoint interval must be > 0 seconds, got " + seconds);
    return new Policy(Kind.FIXED, seconds);
  }

  /** Parses {@code none}, {@code fixed:1h}, {@code young}, {@code daly}, {@code multilevel}, {@code adaptive}. */
  public static Policy parse(String s) {
    String t = s.trim().toLowerCase(Locale.ROOT);
    if (t.startsWith("fixed")) {
      String[] p = t.split("[:=]");
      return fixed(p.length > 1 ? io.cairn.sched.Durations.parse(p[1]) : 3600);
    }
    return switch (t) {
      case "none" -> NONE;
      case "young" -> YOUNG;
      case "daly" -> DALY;
      case "multilevel", "multi-level" -> MULTILEVEL;
      case "adaptive" -> ADAPTIVE;
      default -> throw new IllegalArgumentException("unknown policy '" + s + "': use none, fixed:<interval>, young, daly, multilevel, adaptive");
    };
  }

  /** The name used in reports, e.g. {@code fixed-1h 00m}. */
  public String label() {
    return kind == Kind.FIXED ? "fixed-" + io.cairn.sched.Durations.format(fixedInterval).replace(" ", "") : kind.name().toLowerCase(Locale.ROOT);
  }
}
