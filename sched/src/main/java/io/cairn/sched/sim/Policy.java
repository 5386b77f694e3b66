package io.cairn.sched.sim;

import io.cairn.sched.Durations;
import io.cairn.sched.Intervals;
import java.util.Locale;

/**
 * How jobs in the simulator choose when to checkpoint: one object per policy, asked by the simulator at each (re)start
 * of a job for its {@link Plan}. A new policy is one more implementation here (and a name in {@link #parse}); the
 * simulator does not change.
 *
 * <ul>
 *   <li>{@link #NONE}: never; a failed job starts over.</li>
 *   <li>{@link #fixed}: every {@code interval} seconds of work, to the parallel file system (PFS).</li>
 *   <li>{@link #YOUNG}, {@link #DALY}: the Young / Daly interval for the job's MTBF (node MTBF / nodes) and PFS cost.</li>
 *   <li>{@link #MULTILEVEL}: a cheap level-1 checkpoint that survives transient failures plus every m-th to the PFS,
 *       periods from {@link io.cairn.sched.MultiLevel} with the failure-class rates.</li>
 *   <li>{@link #ADAPTIVE} (Cairn's own): the multi-level plan recomputed at each (re)start from the failure hazard of the
 *       nodes the job actually got (their age since repair under the node failure model) over the job's remaining work,
 *       with segments equalised so no checkpoint is written just before the end, and placement that gives long-running
 *       (old) nodes first. With a decreasing hazard (Weibull shape &lt; 1, as fitted on the LANL logs) freshly repaired
 *       nodes fail far more often than average: jobs on them checkpoint more, jobs on old nodes less.</li>
 * </ul>
 */
public sealed interface Policy
    permits Policy.None, Policy.Fixed, Policy.Young, Policy.Daly, Policy.MultiLevel, Policy.Adaptive {
  Policy NONE = new None();
  Policy YOUNG = new Young();
  Policy DALY = new Daly();
  Policy MULTILEVEL = new MultiLevel();
  Policy ADAPTIVE = new Adaptive();

  /** Checkpoints every {@code seconds} of work to the PFS. */
  static Policy fixed(double seconds) {
    if (!(seconds > 0))
      throw new IllegalArgumentException("fixed checkpoint interval must be > 0 seconds, got " + seconds);
    return new Fixed(seconds);
  }

  /** Parses {@code none}, {@code fixed:1h}, {@code young}, {@code daly}, {@code multilevel}, {@code adaptive}. */
  static Policy parse(String s) {
    String t = s.trim().toLowerCase(Locale.ROOT);
    if (t.startsWith("fixed")) {
      String[] p = t.split("[:=]");
      return fixed(p.length > 1 ? Durations.parse(p[1]) : 3600);
    }
    return switch (t) {
      case "none" -> NONE;
      case "young" -> YOUNG;
      case "daly" -> DALY;
      case "multilevel", "multi-level" -> MULTILEVEL;
      case "adaptive" -> ADAPTIVE;
      default -> throw new IllegalArgumentException(
          "unknown policy '" + s + "': use none, fixed:<interval>, young, daly, multilevel, adaptive");
    };
  }

  /** The name used in reports, e.g. {@code fixed-1h00m}. */
  String label();

  /** The checkpoint plan of a job (re)starting now. */
  Plan plan(JobStart job);

  /**
   * Whether jobs checkpoint at all. Without checkpoints a failed or preempted job starts over, jobs are not migrated
   * away from a node with an announced failure and GPU jobs are not moved to make room.
   */
  default boolean checkpoints() { return true; }

  /** Whether freshly repaired nodes are handed out last (instead of at a random place among the free nodes). */
  default boolean repairedNodesLast() {
    return false;
  }

  /**
   * A checkpoint plan: work between checkpoints ({@code interval} seconds, infinite for none) and how often a
   * checkpoint goes to the PFS ({@code pfsEvery}: every such one; the others are level-1 checkpoints).
   */
  record Plan(double interval, int pfsEvery) {
    static final Plan NEVER = new Plan(Double.POSITIVE_INFINITY, 1);
  }

  /** What a policy knows of a job when it (re)starts. */
  interface JobStart {
    /** Cost of one PFS checkpoint (s). */
    double pfsCost();

    /** Cost of one level-1 checkpoint (s). */
    double level1Cost();

    /** Work left to do (s). */
    double remainingWork();

    /** The job's MTBF from the assumed node MTBF (node MTBF / nodes; infinite when nodes do not fail). */
    double jobMtbf();

    /** Share of failures that are transient (a level-1 checkpoint survives them). */
    double transientFraction();

    /** The job's failure rate over its remaining work from the hazard of the nodes it got (their ages since repair). */
    double allocatedFailureRate();
  }

  /** Never checkpoints. */
  record None() implements Policy {
    @Override
    public String label() { return "none"; }
    @Override
    public Plan plan(JobStart job) { return Plan.NEVER; }
    @Override
    public boolean checkpoints() { return false; }
  }

  /** Every {@code interval} seconds of work. */
  record Fixed(double interval) implements Policy {
    @Override
    public String label() { return "fixed-" + Durations.format(interval).replace(" ", ""); }
    @Override
    public Plan plan(JobStart job) { return new Plan(interval, 1); }
  }

  /** Young's interval for the job's MTBF and PFS cost. */
  record Young() implements Policy {
    @Override
    public String label() { return "young"; }
    @Override
    public Plan plan(JobStart job) {
      double mtbf = job.jobMtbf();
      return Double.isInfinite(mtbf) ? Plan.NEVER : new Plan(Intervals.young(job.pfsCost(), mtbf), 1);
    }
  }

  /** Daly's interval for the job's MTBF and PFS cost. */
  record Daly() implements Policy {
    @Override
    public String label() { return "daly"; }
    @Override
    public Plan plan(JobStart job) {
      double mtbf = job.jobMtbf();
      return Double.isInfinite(mtbf) ? Plan.NEVER : new Plan(Intervals.daly(job.pfsCost(), mtbf), 1);
    }
  }

  /** Two levels planned from the assumed (average) failure rate. */
  record MultiLevel() implements Policy {
    @Override
    public String label() { return "multilevel"; }
    @Override
    public Plan plan(JobStart job) { return twoLevel(job, 1 / job.jobMtbf()); }
  }

  /** Two levels planned from the hazard of the nodes the job got, segments equalised; repaired nodes handed out last. */
  record Adaptive() implements Policy {
    @Override
    public String label() { return "adaptive"; }
    @Override
    public boolean repairedNodesLast() { return true; }
    @Override
    public Plan plan(JobStart job) {
      Plan p = twoLevel(job, job.allocatedFailureRate());
      if (Double.isInfinite(p.interval())) return p;
      double rem = job.remainingWork();
      long segments = Math.max(1, Math.round(rem / p.interval()));
      return new Plan(rem / segments, p.pfsEvery());
    }
  }

  /** Two-level plan: level 1 recovers transient failures, level 2 (PFS) everything; closed-form best integer ratio. */
  private static Plan twoLevel(JobStart job, double rate) {
    if (!(rate > 0) || Double.isInfinite(1 / rate)) return Plan.NEVER;
    double tf = job.transientFraction();
    double l1 = tf * rate, l2 = (1 - tf) * rate;
    double d1 = job.level1Cost(), d2 = job.pfsCost() - job.level1Cost();
    if (l1 <= 0 || d1 <= 0) return new Plan(Intervals.young(job.pfsCost(), 1 / rate), 1);
    double mStar = l2 > 0 ? Math.sqrt(d2 * l1 / (d1 * l2)) : 1e6;
    int best = 1;
    double bestV = Double.POSITIVE_INFINITY;
    for (long cand : new long[]{(long) Math.floor(mStar), (long) Math.ceil(mStar)}) {
      long m = Math.max(1, Math.min(cand, 1_000_000));
      double v = (d1 + d2 / m) * (l1 + l2 * m);
      if (v < bestV) { bestV = v; best = (int) m; }
    }
    return new Plan(Math.sqrt(2 * (d1 + d2 / best) / (l1 + l2 * best)), best);
  }
}
