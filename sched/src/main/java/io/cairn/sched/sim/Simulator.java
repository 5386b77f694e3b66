package io.cairn.sched.sim;

import io.cairn.sched.FailureModel;
import io.cairn.sched.Intervals;
import io.cairn.sched.trace.FailureEvent;
import io.cairn.sched.trace.Job;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Discrete-event simulator of a cluster whose jobs checkpoint: FCFS or EASY backfilling, node failures from a
 * model or a log, failed jobs resumed from their last surviving checkpoint, higher-priority jobs preempting
 * lower ones (which checkpoint, free their nodes and requeue), and jobs on nodes with an announced failure
 * checkpointing and migrating. Checkpoints are not separate events: a run's progress at any instant follows
 * from its start, restart cost and checkpoint plan, which keeps a year of a 10,000-node cluster fast.
 */
public final class Simulator {
  private static final int SUBMIT = 0, END = 1, FAIL = 2, REPAIR = 3, WARN = 4, STOP_DONE = 5, TRACE_FAIL = 6, REQUEUE = 7;
  private static final int WAITING = 0, QUEUED = 1, RUNNING = 2, STOPPING = 3, DONE = 4;

  /** Runs {@code jobs} on the configured cluster with {@code policy}. */
  public static SimResult run(List<Job> jobs, SimConfig cfg, Policy policy) { return run(jobs, cfg, policy, null); }

  /** As {@link #run(List, SimConfig, Policy)}, reporting to {@code listener} (may be null). */
  public static SimResult run(List<Job> jobs, SimConfig cfg, Policy policy, SimListener listener) {
    return new Simulator(jobs, cfg, policy, listener == null ? new SimListener() {} : listener).go();
  }

  private final class J {
    final Job job;
    final int idx;
    final double c2, c1, r2, r1;
    int state = WAITING;
    double saved2, saved1;        // work saved at the PFS level / at level 1 (saved1 >= saved2)
    boolean resumeFromL1;
    double resumeFrom, runStart, overhead0, rem, tau, endTime, schedEnd;
    int m = 1, nCk;
    double stopAt = -1;
    String stopReason;
    int[] alloc;
    int version;
    double firstStart = -1, end;
    double useful, wasted, ckptTime, restartTime;
    long ckpts;
    boolean killed, abandoned;
    int kills;
    int reservedNode = -1;          // GPU jobs: node kept free for this job by the GPU scheduler

    boolean gpu() { return job.gpus() > 0; }

    J(Job job, int idx) {
      this.job = job;
      this.idx = idx;
      c2 = cfg.l2Cost(job.nodes());
      c1 = c2 * cfg.level1Fraction;
      r2 = c2 * cfg.restartFactor;
      r1 = c1 * cfg.restartFactor;
    }

    double ckCost(int k) { return (k - k / m) * c1 + (double) (k / m) * c2; }

    double wallAt(int k) { return k == 0 ? 0 : k * tau + ckCost(k); }
  }

  private final SimConfig cfg;
  private final Policy policy;
  private final SimListener listener;
  private final List<J> all = new ArrayList<>();
  private final EventQueue ev = new EventQueue();
  private final SplittableRandom rng;           // placement only
  private final SplittableRandom[] nodeRng;     // per node: failure times, classes, announcements (common random numbers across policies)
  private final int n;
  private final int[] owner;
  private final boolean[] up, drained;
  private final double[] renewedAt;
  private final int[] nodeVersion;
  private final int[] freeStack, freePos;
  private int freeTop;
  private int probation; // free-stack slots [0, probation) hold freshly repaired nodes, handed out last (adaptive)
  private final TreeSet<J> queue = new TreeSet<>(Comparator.<J>comparingInt(j -> -j.job.priority())
      .thenComparingDouble(j -> j.job.submit()).thenComparingInt(j -> j.idx));
  private final TreeSet<J> gpuQueue = new TreeSet<>(Comparator.<J>comparingInt(j -> -j.job.priority())
      .thenComparingDouble(j -> j.job.submit()).thenComparingInt(j -> j.idx));
  private final int gN, gPer;
  private final int[] gpuUsed, reservedFor;
  private final List<List<J>> gpuJobs = new ArrayList<>();
  private int gpuBusy, gpuMigrations;
  private double gpuBusyIntegral;
  private final TreeSet<J> running = new TreeSet<>(Comparator.<J>comparingDouble(j -> j.schedEnd).thenComparingInt(j -> j.idx));
  private final double nodeMtbf, transientFraction;
  private final FailureModel hazard;
  private double now;
  private int busy, stoppingNodes, done, abandoned, accepted, rejected, failures, interruptions, preemptions, migrations;
  private long events;
  private double busyLastT;
  private double[] buckets = new double[256];
  private int maxBucket;

  private Simulator(List<Job> jobs, SimConfig cfg, Policy policy, SimListener listener) {
    this.cfg = cfg;
    this.policy = policy;
    this.listener = listener;
    SplittableRandom root = new SplittableRandom(cfg.seed);
    this.rng = root.split();
    n = cfg.nodes;
    gN = cfg.gpuNodes;
    gPer = cfg.gpusPerNode;
    int total = n + gN;
    gpuUsed = new int[gN];
    reservedFor = new int[gN];
    Arrays.fill(reservedFor, -1);
    for (int i = 0; i < gN; i++) gpuJobs.add(new ArrayList<>());
    owner = new int[n];
    Arrays.fill(owner, -1);
    up = new boolean[total];
    Arrays.fill(up, true);
    drained = new boolean[total];
    renewedAt = new double[total];
    nodeVersion = new int[total];
    nodeRng = new SplittableRandom[total];
    for (int i = 0; i < total; i++) nodeRng[i] = root.split();
    freeStack = new int[n];
    freePos = new int[n];
    for (int i = n - 1; i >= 0; i--) { freePos[i] = freeTop; freeStack[freeTop++] = i; }
    for (Job j : jobs) {
      J s = new J(j, all.size());
      all.add(s);
      if (j.gpus() > 0 ? (j.nodes() != 1 || j.gpus() > gPer || gN == 0) : j.nodes() > n) { rejected++; s.state = DONE; continue; }
      accepted++;
      ev.push(j.submit(), SUBMIT, s.idx, 0);
    }
    // failures
    double mtbf = cfg.assumedNodeMtbf;
    double tf = cfg.transientFraction;
    if (cfg.nodeFailures != null) {
      if (Double.isNaN(mtbf)) mtbf = cfg.nodeFailures.mean();
      for (int i = 0; i < n + gN; i++) {
        // start in the stationary regime: run each node's renewal process from well before time 0
        double t = -20 * cfg.nodeFailures.mean(), last = t;
        while (t <= 0) { last = t; t += cfg.nodeFailures.sample(nodeRng[i]); }
        renewedAt[i] = last;
        scheduleFailure(i, t);
      }
    } else if (cfg.failureTrace != null && !cfg.failureTrace.isEmpty()) {
      double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
      int trans = 0;
      for (int k = 0; k < cfg.failureTrace.size(); k++) {
        FailureEvent f = cfg.failureTrace.get(k);
        lo = Math.min(lo, f.start()); hi = Math.max(hi, f.start());
        if (!f.nodeLoss()) trans++;
        double t = f.start() - cfg.traceOffset;
        if (t >= 0) ev.push(t, TRACE_FAIL, k, 0);
      }
      tf = (double) trans / cfg.failureTrace.size();
      if (Double.isNaN(mtbf)) {
        int tn = 0;
        for (FailureEvent f : cfg.failureTrace) tn = Math.max(tn, f.node() + 1);
        mtbf = (hi - lo) * Math.min(tn, n) / cfg.failureTrace.size();
      }
    }
    nodeMtbf = Double.isNaN(mtbf) ? Double.POSITIVE_INFINITY : mtbf;
    transientFraction = tf;
    hazard = cfg.nodeFailures;
  }

  private void scheduleFailure(int node, double t) {
    nodeVersion[node]++;
    ev.push(t, FAIL, node, nodeVersion[node]);
    if (cfg.predictedFraction > 0 && nodeRng[node].nextDouble() < cfg.predictedFraction && t - cfg.predictionLead > now) {
      ev.push(t - cfg.predictionLead, WARN, node, nodeVersion[node]);
    }
  }

  private SimResult go() {
    long t0 = System.nanoTime();
    while (ev.size() > 0 && done < accepted) {
      double t = ev.peekTime();
      addBusy(t);
      now = t;
      while (ev.size() > 0 && ev.peekTime() == t) {
        int type = ev.topType(), a = ev.topA(), b = ev.topB();
        ev.pop();
        events++;
        handle(type, a, b);
      }
      schedule();
      if (cfg.checkInvariants) check();
      listener.tick(now, busy, freeTop, downCount());
    }
    return result((System.nanoTime() - t0) / 1e9);
  }

  private int downCount() {
    if (!cfg.checkInvariants) return -1;
    int d = 0;
    for (int i = 0; i < n; i++) if (!up[i]) d++;
    return d;
  }

  private void handle(int type, int a, int b) {
    switch (type) {
      case SUBMIT -> { J j = all.get(a); j.state = QUEUED; enqueue(j); }
      case END -> { J j = all.get(a); if (j.version == b && j.state == RUNNING) complete(j); }
      case STOP_DONE -> { J j = all.get(a); if (j.version == b && j.state == STOPPING) stopDone(j); }
      case FAIL -> { if (nodeVersion[a] == b) fail(a, nodeRng[a].nextDouble() < cfg.transientFraction, -1); }
      case TRACE_FAIL -> {
        FailureEvent f = cfg.failureTrace.get(a);
        int node = Math.floorMod(f.node(), n + gN);
        if (up[node]) fail(node, !f.nodeLoss(), Math.max(60, f.end() - f.start()));
      }
      case REQUEUE -> { J j = all.get(a); if (j.version == b && j.state == QUEUED) enqueue(j); }
      case REPAIR -> repair(a);
      case WARN -> warn(a, b);
      default -> throw new IllegalStateException("unknown event type " + type);
    }
  }

  // ---------------------------------------------------------------- nodes
  private void freePush(int node, boolean toProbation) {
    if (!toProbation) {
      freeStack[freeTop] = node;
      freePos[node] = freeTop;
      freeTop++;
      return;
    }
    if (probation < freeTop) {
      int x = freeStack[probation];
      freeStack[freeTop] = x;
      freePos[x] = freeTop;
    }
    freeStack[probation] = node;
    freePos[node] = probation;
    probation++;
    freeTop++;
  }

  private int freePop() {
    int node = freeStack[--freeTop];
    if (freeTop < probation) probation = freeTop;
    freePos[node] = -1;
    return node;
  }

  private void swapFree(int i, int k) {
    int a = freeStack[i], b = freeStack[k];
    freeStack[i] = b; freePos[b] = i;
    freeStack[k] = a; freePos[a] = k;
  }

  private void freeRemove(int node) {
    int i = freePos[node];
    if (i < probation) {
      int lp = probation - 1;
      int moved = freeStack[lp];
      freeStack[i] = moved;
      freePos[moved] = i;
      probation--;
      i = lp;
    }
    int lastIdx = --freeTop;
    if (i != lastIdx) {
      int last = freeStack[lastIdx];
      freeStack[i] = last;
      freePos[last] = i;
    }
    freePos[node] = -1;
  }

  private void enqueue(J j) { (j.gpu() ? gpuQueue : queue).add(j); }

  private boolean isFree(int node) { return node < n && freePos[node] >= 0 && freePos[node] < freeTop && freeStack[freePos[node]] == node; }

  private void fail(int node, boolean trans, double traceDowntime) {
    failures++;
    if (isFree(node)) freeRemove(node);
    up[node] = false;
    drained[node] = false;
    if (node >= n) {
      int gi = node - n;
      for (J j : new ArrayList<>(gpuJobs.get(gi))) kill(j, trans);
      if (reservedFor[gi] >= 0) { all.get(reservedFor[gi]).reservedNode = -1; reservedFor[gi] = -1; }
    } else {
      int o = owner[node];
      if (o >= 0) kill(all.get(o), trans);
    }
    double down = traceDowntime >= 0 ? traceDowntime : trans ? cfg.rebootTime : cfg.repairTime;
    ev.push(now + down, REPAIR, node, 0);
  }

  private void repair(int node) {
    up[node] = true;
    renewedAt[node] = now;
    if (node < n && owner[node] < 0) {
      // Cairn's adaptive policy hands freshly repaired nodes out last (their hazard is highest when shape < 1);
      // the others put them at a random place among the free nodes
      freePush(node, policy.kind() == Policy.Kind.ADAPTIVE);
      if (policy.kind() != Policy.Kind.ADAPTIVE && freeTop > 1) swapFree(freeTop - 1, rng.nextInt(freeTop));
    }
    if (cfg.nodeFailures != null) scheduleFailure(node, now + cfg.nodeFailures.sample(nodeRng[node]));
  }

  private void warn(int node, int version) {
    if (nodeVersion[node] != version || !up[node]) return;
    if (isFree(node)) { freeRemove(node); drained[node] = true; return; }
    if (node >= n) {
      for (J j : new ArrayList<>(gpuJobs.get(node - n))) {
        if (j.state == RUNNING && policy.kind() != Policy.Kind.NONE && j.c2 <= cfg.predictionLead) beginStop(j, "migrated");
      }
      drained[node] = true;
      return;
    }
    int o = owner[node];
    if (o < 0) return;
    J j = all.get(o);
    if (j.state == RUNNING && policy.kind() != Policy.Kind.NONE && j.c2 <= cfg.predictionLead) beginStop(j, "migrated");
    drained[node] = true;
  }

  // ---------------------------------------------------------------- jobs
  private void start(J j) {
    int k = j.job.nodes();
    int[] nodes = new int[k];
    for (int i = 0; i < k; i++) {
      int node = freePop();
      owner[node] = j.idx;
      nodes[i] = node;
    }
    busy += k;
    j.alloc = nodes;
    begin(j);
  }

  private void startGpu(J j, int node) {
    int gi = node - n;
    gpuUsed[gi] += j.job.gpus();
    gpuJobs.get(gi).add(j);
    gpuBusy += j.job.gpus();
    if (j.reservedNode >= 0) { reservedFor[j.reservedNode - n] = -1; j.reservedNode = -1; }
    j.alloc = new int[] {node};
    begin(j);
  }

  private void begin(J j) {
    int[] nodes = j.alloc;
    j.state = RUNNING;
    if (j.firstStart < 0) j.firstStart = now;
    j.runStart = now;
    j.resumeFrom = j.resumeFromL1 ? j.saved1 : j.saved2;
    j.overhead0 = j.resumeFrom > 0 ? (j.resumeFromL1 ? j.r1 : j.r2) : 0;
    j.rem = j.job.runtime() - j.resumeFrom;
    j.stopAt = -1;
    plan(j);
    j.nCk = Double.isInfinite(j.tau) ? 0 : Math.max(0, (int) Math.ceil(j.rem / j.tau - 1e-9) - 1);
    j.endTime = now + j.overhead0 + j.rem + j.ckCost(j.nCk);
    j.version++;
    ev.push(j.endTime, END, j.idx, j.version);
    double estRem = Math.max(j.job.estimate() - j.resumeFrom, 1);
    int estCk = Double.isInfinite(j.tau) ? 0 : Math.max(0, (int) Math.ceil(estRem / j.tau) - 1);
    j.schedEnd = now + j.overhead0 + estRem + j.ckCost(estCk);
    if (!j.gpu()) running.add(j);
    listener.started(j.job.id(), now, nodes, j.resumeFrom);
  }

  private void plan(J j) {
    double jobMtbf = nodeMtbf / j.job.nodes();
    j.m = 1;
    switch (policy.kind()) {
      case NONE -> j.tau = Double.POSITIVE_INFINITY;
      case FIXED -> j.tau = policy.fixedInterval();
      case YOUNG -> j.tau = Double.isInfinite(jobMtbf) ? Double.POSITIVE_INFINITY : Intervals.young(j.c2, jobMtbf);
      case DALY -> j.tau = Double.isInfinite(jobMtbf) ? Double.POSITIVE_INFINITY : Intervals.daly(j.c2, jobMtbf);
      case MULTILEVEL -> twoLevel(j, 1 / jobMtbf);
      case ADAPTIVE -> {
        twoLevel(j, jobRate(j));
        if (!Double.isInfinite(j.tau)) {
          long segs = Math.max(1, Math.round(j.rem / j.tau));
          j.tau = j.rem / segs;
        }
      }
    }
  }

  /** The job's failure rate over its remaining work from the hazard of the nodes it got (their ages since repair). */
  private double jobRate(J j) {
    if (hazard == null || hazard instanceof FailureModel.Exponential) return j.job.nodes() / nodeMtbf;
    double h = Math.max(j.rem, 60);
    double sum = 0;
    for (int node : j.alloc) {
      double age = Math.max(0, now - renewedAt[node]);
      sum += hazard.cumulativeHazard(age + h) - hazard.cumulativeHazard(age);
    }
    return sum / h;
  }

  /** Two-level plan: level 1 recovers transient failures, level 2 (PFS) everything; closed-form best integer ratio. */
  private void twoLevel(J j, double rate) {
    if (!(rate > 0) || Double.isInfinite(1 / rate)) { j.tau = Double.POSITIVE_INFINITY; return; }
    double l1 = transientFraction * rate, l2 = (1 - transientFraction) * rate;
    double d1 = j.c1, d2 = j.c2 - j.c1;
    if (l1 <= 0 || d1 <= 0) { j.tau = Intervals.young(j.c2, 1 / rate); return; }
    double mStar = l2 > 0 ? Math.sqrt(d2 * l1 / (d1 * l2)) : 1e6;
    int best = 1;
    double bestV = Double.POSITIVE_INFINITY;
    for (long cand : new long[] {(long) Math.floor(mStar), (long) Math.ceil(mStar)}) {
      long m = Math.max(1, Math.min(cand, 1_000_000));
      double v = (d1 + d2 / m) * (l1 + l2 * m);
      if (v < bestV) { bestV = v; best = (int) m; }
    }
    j.m = best;
    j.tau = Math.sqrt(2 * (d1 + d2 / best) / (l1 + l2 * best));
  }

  /** Progress of a running/stopping job at {@code t}: {computed work, checkpoints done, checkpoint time, restart time}. */
  private double[] progress(J j, double t) {
    double tt = j.stopAt >= 0 ? Math.min(t, j.stopAt) : t;
    double e = tt - j.runStart - j.overhead0;
    if (e <= 0) return new double[] {0, 0, 0, Math.max(0, tt - j.runStart)};
    double computed, ck;
    int k;
    if (j.nCk == 0) { k = 0; computed = Math.min(e, j.rem); ck = 0; }
    else if (e >= j.wallAt(j.nCk)) {
      k = j.nCk;
      ck = j.ckCost(k);
      computed = Math.min(j.rem, k * j.tau + e - j.wallAt(k));
    } else {
      double block = j.m * j.tau + (j.m - 1) * j.c1 + j.c2;
      long b = (long) (e / block);
      double r = e - b * block;
      k = (int) (b * j.m);
      ck = b * ((j.m - 1) * j.c1 + j.c2);
      computed = -1;
      for (int i = 1; i <= j.m; i++) {
        if (r < j.tau) { computed = k * j.tau + r; break; }
        r -= j.tau;
        double c = i == j.m ? j.c2 : j.c1;
        if (r < c) { computed = (k + 1) * j.tau; ck += r; break; }
        r -= c;
        ck += c;
        k++;
      }
      if (computed < 0) computed = k * j.tau;
      if (k > j.nCk) k = j.nCk;
    }
    return new double[] {computed, k, ck, j.overhead0};
  }

  private void account(J j, double[] p, double resume, double extraCkpt) {
    double wall = now - j.runStart;
    double computed = p[0];
    double gained = resume - j.resumeFrom;
    j.useful += gained;
    j.wasted += computed - gained;
    j.ckptTime += p[2] + extraCkpt;
    j.restartTime += p[3];
    if (cfg.checkInvariants) {
      double sum = p[3] + computed + p[2] + extraCkpt;
      if (Math.abs(sum - wall) > 1e-6 * Math.max(1, wall)) {
        throw new IllegalStateException("job " + j.job.id() + ": run time " + wall + " != restart+work+checkpoints " + sum);
      }
    }
  }

  private void complete(J j) {
    double[] p = progress(j, now);
    p[0] = j.rem;
    j.ckpts += j.nCk;
    account(j, p, j.job.runtime(), 0);
    j.saved1 = j.saved2 = j.job.runtime();
    release(j);
    j.state = DONE;
    j.end = now;
    done++;
    listener.stopped(j.job.id(), now, "done", j.job.runtime());
  }

  private void kill(J j, boolean trans) {
    double[] p = progress(j, now);
    int k = (int) p[1];
    int l2Done = (k / j.m) * j.m;
    double s1 = j.resumeFrom + k * j.tau, s2 = l2Done > 0 ? j.resumeFrom + l2Done * j.tau : j.resumeFromL1 ? j.saved2 : j.resumeFrom;
    if (policy.kind() == Policy.Kind.NONE) { s1 = 0; s2 = 0; }
    j.ckpts += k;
    double stopCk = j.stopAt >= 0 ? now - j.stopAt : 0;
    boolean l1 = trans && s1 > s2;
    double resume = l1 ? s1 : s2;
    account(j, p, resume, stopCk);
    j.saved1 = l1 ? s1 : s2;
    j.saved2 = s2;
    j.resumeFromL1 = l1;
    j.killed = true;
    j.kills++;
    interruptions++;
    release(j);
    if (j.kills > cfg.maxRestarts) {
      // given up, as a resource manager does after too many requeues: its progress is wasted
      j.abandoned = true;
      j.wasted += j.useful;
      j.useful = 0;
      j.state = DONE;
      j.end = now;
      done++;
      abandoned++;
      if (j.reservedNode >= 0) { reservedFor[j.reservedNode - n] = -1; j.reservedNode = -1; }
      listener.stopped(j.job.id(), now, "abandoned", resume);
      return;
    }
    j.state = QUEUED;
    enqueue(j);
    listener.stopped(j.job.id(), now, "failure", resume);
  }

  private boolean beginStop(J j, String reason) {
    if (policy.kind() == Policy.Kind.NONE) {
      // without checkpoints a preempted job loses its work and starts over
      double[] p = progress(j, now);
      account(j, p, 0, 0);
      j.saved1 = j.saved2 = 0;
      j.resumeFromL1 = false;
      release(j);
      j.state = QUEUED;
      ev.push(now, REQUEUE, j.idx, j.version); // joins the queue after this scheduling pass
      preemptions++;
      listener.stopped(j.job.id(), now, reason, 0);
      return true;
    }
    if (j.endTime <= now + j.c2) return false; // it finishes before a checkpoint could
    if (!j.gpu()) running.remove(j);
    j.state = STOPPING;
    j.stopAt = now;
    j.stopReason = reason;
    j.version++;
    j.schedEnd = now + j.c2;
    if (!j.gpu()) {
      running.add(j);
      stoppingNodes += j.alloc.length;
    }
    ev.push(now + j.c2, STOP_DONE, j.idx, j.version);
    return true;
  }

  private void stopDone(J j) {
    double[] p = progress(j, now);
    j.ckpts += (int) p[1] + 1;
    double resume = j.resumeFrom + p[0];
    account(j, p, resume, now - j.stopAt);
    j.saved1 = j.saved2 = resume;
    j.resumeFromL1 = false;
    if ("migrated".equals(j.stopReason)) migrations++; else preemptions++;
    release(j);
    j.state = QUEUED;
    enqueue(j);
    listener.stopped(j.job.id(), now, j.stopReason, resume);
  }

  private void release(J j) {
    if (j.gpu()) {
      int gi = j.alloc[0] - n;
      gpuUsed[gi] -= j.job.gpus();
      gpuJobs.get(gi).remove(j);
      gpuBusy -= j.job.gpus();
      j.version++;
      j.alloc = null;
      j.stopAt = -1;
      return;
    }
    if (j.state == STOPPING) stoppingNodes -= j.alloc.length;
    running.remove(j);
    j.version++;
    for (int node : j.alloc) {
      owner[node] = -1;
      if (up[node] && !drained[node]) freePush(node, false);
    }
    busy -= j.alloc.length;
    j.alloc = null;
    j.stopAt = -1;
  }

  // ---------------------------------------------------------------- scheduling
  private void schedule() {
    if (gN > 0) scheduleGpus();
    if (queue.isEmpty()) return;
    Iterator<J> it = queue.iterator();
    J head = null;
    while (it.hasNext()) {
      J j = it.next();
      if (j.job.nodes() <= freeTop) { it.remove(); start(j); }
      else { head = j; break; }
    }
    if (head == null) return;
    if (cfg.preemption && head.job.priority() > 0 && preemptFor(head)) return; // let the freed nodes go to the head first
    if (cfg.scheduler == SimConfig.Scheduler.FCFS || freeTop == 0) return;
    double shadow = Double.POSITIVE_INFINITY;
    int extra = freeTop;
    int avail = freeTop;
    for (J r : running) {
      avail += r.alloc.length;
      if (avail >= head.job.nodes()) { shadow = Math.max(r.schedEnd, now); extra = avail - head.job.nodes(); break; }
    }
    extra = Math.min(extra, freeTop);
    int depth = 0;
    while (it.hasNext() && depth++ < cfg.backfillDepth && freeTop > 0) {
      J j = it.next();
      int k = j.job.nodes();
      if (k > freeTop) continue;
      double estEnd = now + estimatedWall(j);
      if (estEnd <= shadow) { it.remove(); start(j); extra = Math.min(extra, freeTop); }
      else if (k <= extra) { it.remove(); start(j); extra -= k; }
    }
  }

  /**
   * GPU partition: jobs take GPUs of one node, several jobs share a node. In queue order every job that fits starts
   * (best fit: the node with the fewest free GPUs that suffice, which packs jobs and keeps whole nodes free). The first
   * job that does not fit gets a node reserved (no new job goes there); with {@code gpuDefrag} the jobs on that node
   * that fit elsewhere are checkpointed and migrated away at once instead of waiting for them to end.
   */
  private void scheduleGpus() {
    boolean blocked = false;
    Iterator<J> it = gpuQueue.iterator();
    while (it.hasNext()) {
      J j = it.next();
      int node = pickGpuNode(j);
      if (node >= 0) { it.remove(); startGpu(j, node); continue; }
      if (!blocked) { blocked = true; reserveGpuNode(j); }
    }
  }

  private int pickGpuNode(J j) {
    int g = j.job.gpus(), best = -1, bestFree = Integer.MAX_VALUE;
    for (int gi = 0; gi < gN; gi++) {
      int node = n + gi;
      if (!up[node] || drained[node]) continue;
      if (reservedFor[gi] >= 0 && reservedFor[gi] != j.idx) continue;
      int free = gPer - gpuUsed[gi];
      if (free < g) continue;
      if (reservedFor[gi] == j.idx) return node;
      if (!cfg.gpuBestFit) return node;
      if (free < bestFree) { bestFree = free; best = node; }
    }
    return best;
  }

  private void reserveGpuNode(J head) {
    if (head.reservedNode >= 0) return;
    int g = head.job.gpus();
    int bestGi = -1, bestMove = Integer.MAX_VALUE;
    for (int gi = 0; gi < gN; gi++) {
      int node = n + gi;
      if (!up[node] || drained[node] || reservedFor[gi] >= 0) continue;
      int move = g - (gPer - gpuUsed[gi]);
      if (move < bestMove) { bestMove = move; bestGi = gi; }
    }
    if (bestGi < 0) return;
    reservedFor[bestGi] = head.idx;
    head.reservedNode = n + bestGi;
    if (!cfg.gpuDefrag || policy.kind() == Policy.Kind.NONE) return;
    // migrate the largest jobs that fit on other nodes until the head fits
    int[] free = new int[gN];
    for (int gi = 0; gi < gN; gi++) {
      int node = n + gi;
      free[gi] = (!up[node] || drained[node] || reservedFor[gi] >= 0) ? 0 : gPer - gpuUsed[gi];
    }
    List<J> on = new ArrayList<>(gpuJobs.get(bestGi));
    on.sort(Comparator.comparingInt((J x) -> -x.job.gpus()).thenComparingInt(x -> x.idx));
    int need = bestMove;
    for (J v : on) {
      if (need <= 0) break;
      if (v.state != RUNNING) continue;
      int dest = -1;
      for (int gi = 0; gi < gN; gi++) if (free[gi] >= v.job.gpus() && (dest < 0 || free[gi] < free[dest])) dest = gi;
      if (dest < 0) continue;
      if (beginStop(v, "migrated")) { free[dest] -= v.job.gpus(); need -= v.job.gpus(); gpuMigrations++; }
    }
  }

  private double estimatedWall(J j) {
    double from = j.resumeFromL1 ? j.saved1 : j.saved2;
    double rem = Math.max(j.job.estimate() - from, 1);
    double overhead = from > 0 ? (j.resumeFromL1 ? j.r1 : j.r2) : 0;
    return overhead + rem;
  }

  private boolean preemptFor(J head) {
    int need = head.job.nodes() - freeTop - stoppingNodes;
    if (need <= 0) return false;
    List<J> cands = new ArrayList<>();
    int total = 0;
    for (J r : running) if (r.state == RUNNING && r.job.priority() < head.job.priority()) { cands.add(r); total += r.alloc.length; }
    if (total < need) return false;
    cands.sort(Comparator.comparingDouble((J r) -> -r.runStart).thenComparingInt(r -> r.idx));
    boolean any = false;
    for (J r : cands) {
      if (need <= 0) break;
      int k = r.alloc.length;
      if (beginStop(r, "preempted")) { need -= k; any = true; }
    }
    return any;
  }

  // ---------------------------------------------------------------- bookkeeping
  private void addBusy(double t) {
    gpuBusyIntegral += gpuBusy * Math.max(0, t - busyLastT);
    double bw = cfg.utilizationBucket;
    double from = busyLastT;
    while (from < t) {
      int b = (int) (from / bw);
      double to = Math.min(t, (b + 1) * bw);
      if (b >= buckets.length) buckets = Arrays.copyOf(buckets, Math.max(b + 1, buckets.length * 2));
      buckets[b] += busy * (to - from);
      if (busy > 0 || b > maxBucket) maxBucket = Math.max(maxBucket, b);
      from = to;
    }
    busyLastT = Math.max(busyLastT, t);
  }

  private void check() {
    int owned = 0;
    for (int i = 0; i < n; i++) {
      if (owner[i] >= 0) {
        owned++;
        J j = all.get(owner[i]);
        if (j.state != RUNNING && j.state != STOPPING) throw new IllegalStateException("node " + i + " owned by job " + j.job.id() + " in state " + j.state);
        if (!up[i]) throw new IllegalStateException("down node " + i + " still owned by job " + j.job.id());
        if (isFree(i)) throw new IllegalStateException("node " + i + " both free and owned");
      }
    }
    if (probation < 0 || probation > freeTop) throw new IllegalStateException("probation " + probation + " outside free stack " + freeTop);
    for (int k = 0; k < freeTop; k++) {
      int node = freeStack[k];
      if (!up[node] || owner[node] >= 0 || drained[node] || freePos[node] != k) throw new IllegalStateException("bad free node " + node);
    }
    int sum = 0;
    for (J r : running) {
      sum += r.alloc.length;
      if (r.alloc.length != r.job.nodes()) throw new IllegalStateException("job " + r.job.id() + " holds " + r.alloc.length + " nodes, needs " + r.job.nodes());
      for (int node : r.alloc) if (owner[node] != r.idx) throw new IllegalStateException("job " + r.job.id() + " lost node " + node);
    }
    int gsum = 0;
    for (int gi = 0; gi < gN; gi++) {
      int used = 0;
      for (J j : gpuJobs.get(gi)) {
        used += j.job.gpus();
        if (j.alloc == null || j.alloc[0] != n + gi || (j.state != RUNNING && j.state != STOPPING)) throw new IllegalStateException("GPU job " + j.job.id() + " misplaced");
      }
      if (used != gpuUsed[gi] || used > gPer) throw new IllegalStateException("GPU node " + gi + ": " + used + " GPUs used of " + gPer + " (counted " + gpuUsed[gi] + ")");
      if (used > 0 && !up[n + gi]) throw new IllegalStateException("down GPU node " + gi + " runs jobs");
      gsum += used;
    }
    if (gsum != gpuBusy) throw new IllegalStateException("GPU busy " + gpuBusy + " != " + gsum);
    if (sum != owned || sum != busy || busy > n) throw new IllegalStateException("capacity: busy=" + busy + " owned=" + owned + " running=" + sum + " nodes=" + n);
  }

  private SimResult result(double wall) {
    double minSubmit = Double.POSITIVE_INFINITY, maxEnd = 0;
    double sw = 0, st = 0, ss = 0, sb = 0, mb = 0, useful = 0, wasted = 0, ck = 0, rs = 0, usefulNs = 0;
    long ckpts = 0;
    int jobs = 0, killed = 0;
    double gUseful = 0, gWasted = 0, gOver = 0, gWait = 0;
    int gJobs = 0;
    for (J j : all) {
      if (j.state != DONE || j.firstStart < 0) continue;
      if (j.gpu()) {
        int g = j.job.gpus();
        gUseful += j.useful * g; gWasted += j.wasted * g; gOver += (j.ckptTime + j.restartTime) * g;
      }
      int k = j.gpu() ? 0 : j.job.nodes();
      useful += j.useful * k; wasted += j.wasted * k; ck += j.ckptTime * k; rs += j.restartTime * k;
      ckpts += j.ckpts;
      if (j.killed) killed++;
      minSubmit = Math.min(minSubmit, j.job.submit());
      maxEnd = Math.max(maxEnd, j.end);
      if (j.abandoned) continue;
      jobs++;
      double wait = j.firstStart - j.job.submit(), turn = j.end - j.job.submit(), exec = j.end - j.firstStart;
      sw += wait; st += turn;
      if (j.gpu()) { gWait += wait; gJobs++; }
      ss += turn / Math.max(exec, 1e-9);
      double b = Math.max(1, turn / Math.max(exec, 10));
      sb += b; mb = Math.max(mb, b);
      usefulNs += j.job.runtime() * k;
    }
    double makespan = jobs == 0 ? 0 : maxEnd - minSubmit;
    int nb = Math.min(maxBucket + 1, (int) Math.ceil(maxEnd / cfg.utilizationBucket) + 1);
    nb = Math.max(0, Math.min(nb, buckets.length));
    double[] times = new double[nb], util = new double[nb];
    double busyTotal = 0;
    for (int b = 0; b < nb; b++) {
      times[b] = b * cfg.utilizationBucket;
      util[b] = buckets[b] / (cfg.utilizationBucket * n);
      busyTotal += buckets[b];
    }
    double denom = Math.max(makespan, 1e-9) * n;
    return new SimResult(policy.label(), jobs, rejected, abandoned, makespan, jobs == 0 ? 0 : sw / jobs, jobs == 0 ? 0 : st / jobs,
        jobs == 0 ? 0 : ss / jobs, jobs == 0 ? 0 : sb / jobs, mb, killed, interruptions, preemptions, migrations, failures,
        busyTotal / denom, usefulNs / denom, useful / 3600, wasted / 3600, ck / 3600, rs / 3600, ckpts,
        gN == 0 ? Double.NaN : gpuBusyIntegral / (Math.max(makespan, 1e-9) * gN * gPer), gUseful / 3600, gWasted / 3600, gOver / 3600, gpuMigrations,
        gJobs == 0 ? Double.NaN : gWait / gJobs,
        times, util, events, wall);
  }
}
