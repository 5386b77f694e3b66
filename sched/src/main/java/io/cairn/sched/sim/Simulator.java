package io.cairn.sched.sim;

import io.cairn.sched.FailureModel;
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
  /** What happens at an instant of simulated time (the queue keeps the ordinal). */
  enum Event {
    SUBMIT, END, FAIL, REPAIR, WARN, STOP_DONE, TRACE_FAIL, REQUEUE;
    static final Event[] ALL = values();
  }

  /** Where a job is. */
  private enum State { WAITING, QUEUED, RUNNING, STOPPING, DONE }

  /** Runs {@code jobs} on the configured cluster with {@code policy}. */
  public static SimResult run(List<Job> jobs, SimConfig cfg, Policy policy) {
    return run(jobs, cfg, policy, null);
  }

  /** As {@link #run(List, SimConfig, Policy)}, reporting to {@code listener} (may be null). */
  public static SimResult run(List<Job> jobs, SimConfig cfg, Policy policy, SimListener listener) {
    return new Simulator(jobs, cfg, policy, listener == null ? new SimListener() {} : listener).go();
  }

  /** One job as the simulator runs it: its costs, its checkpoint plan for the current run, what it saved, its totals. */
  private final class JobRun implements Policy.JobStart {
    final Job job;
    final int index;
    /** Checkpoint and restart costs at the PFS level and at level 1 (s). */
    final double pfsCost, level1Cost, pfsRestart, level1Restart;
    State state = State.WAITING;
    double savedPfs, savedLevel1; // work saved at the PFS level / at level 1 (savedLevel1 >= savedPfs)
    boolean resumeFromLevel1;
    /** The current run: work it resumed from, when it started, its restart cost, work left, checkpoint interval. */
    double resumeFrom, runStart, restartOverhead, remaining, interval;
    /** When the current run ends if nothing happens, and when the scheduler expects it to (from the estimate). */
    double endTime, estimatedEnd;
    /** Every pfsEvery-th checkpoint goes to the PFS, the others to level 1; checkpoints the current run will write. */
    int pfsEvery = 1, plannedCheckpoints;
    double stopAt = -1;
    String stopReason;
    int[] alloc;
    int version;
    double firstStart = -1, end;
    double useful, wasted, checkpointTime, restartTime;
    long checkpoints;
    boolean killed, abandoned;
    int kills;
    int reservedNode = -1; // GPU jobs: node kept free for this job by the GPU scheduler

    boolean gpu() { return job.gpus() > 0; }

    JobRun(Job job, int index) {
      this.job = job;
      this.index = index;
      pfsCost = cfg.l2Cost(job.nodes());
      level1Cost = pfsCost * cfg.level1Fraction;
      pfsRestart = pfsCost * cfg.restartFactor;
      level1Restart = level1Cost * cfg.restartFactor;
    }

    /** Time spent on the first {@code k} checkpoints of a run. */
    double checkpointCost(int k) {
      return (k - k / pfsEvery) * level1Cost + (double) (k / pfsEvery) * pfsCost;
    }

    /** Wall time into the run (after the restart) when its {@code k}-th checkpoint ends. */
    double wallAt(int k) {
      return k == 0 ? 0 : k * interval + checkpointCost(k);
    }

    // what the policy sees when the job (re)starts
    @Override
    public double pfsCost() { return pfsCost; }
    @Override
    public double level1Cost() { return level1Cost; }
    @Override
    public double remainingWork() { return remaining; }
    @Override
    public double jobMtbf() { return nodeMtbf / job.nodes(); }
    @Override
    public double transientFraction() { return transientFraction; }
    @Override
    public double allocatedFailureRate() { return jobRate(this); }
  }

  private final SimConfig cfg;
  private final Policy policy;
  private final SimListener listener;
  private final List<JobRun> all = new ArrayList<>();
  private final EventQueue events = new EventQueue();
  private final SplittableRandom rng; // placement only
  private final SplittableRandom[] nodeRng; // per node: failure times, classes, announcements (common random numbers across policies)
  private final int cpuNodes; // nodes of the CPU partition (GPU nodes follow them: cpuNodes + i)
  private final int[] owner;
  private final boolean[] up, drained;
  private final double[] renewedAt;
  private final int[] nodeVersion;
  private final int[] freeStack, freePos;
  private int freeTop;
  private int probation; // free-stack slots [0, probation) hold freshly repaired nodes, handed out last (adaptive)
  private final TreeSet<JobRun> queue = new TreeSet<>(Comparator.<JobRun>comparingInt(j -> -j.job.priority())
      .thenComparingDouble(j -> j.job.submit()).thenComparingInt(j -> j.index));
  private final TreeSet<JobRun> gpuQueue = new TreeSet<>(Comparator.<JobRun>comparingInt(j -> -j.job.priority())
      .thenComparingDouble(j -> j.job.submit()).thenComparingInt(j -> j.index));
  private final int gpuNodeCount, gpusPerNode;
  private final int[] gpuUsed, reservedFor;
  private final List<List<JobRun>> gpuJobs = new ArrayList<>();
  private int gpuBusy, gpuMigrations;
  private double gpuBusyIntegral;
  private final TreeSet<JobRun> running = new TreeSet<>(
      Comparator.<JobRun>comparingDouble(j -> j.estimatedEnd).thenComparingInt(j -> j.index));
  private final double nodeMtbf, transientFraction;
  private final FailureModel hazard;
  private double now;
  private int busy, stoppingNodes, done, abandoned, accepted, rejected, failures, interruptions, preemptions,
      migrations;
  private long eventCount;
  private double busyLastT;
  private double[] buckets = new double[256];
  private int maxBucket;

  private Simulator(List<Job> jobs, SimConfig cfg, Policy policy, SimListener listener) {
    this.cfg = cfg;
    this.policy = policy;
    this.listener = listener;
    SplittableRandom root = new SplittableRandom(cfg.seed);
    this.rng = root.split();
    cpuNodes = cfg.nodes;
    gpuNodeCount = cfg.gpuNodes;
    gpusPerNode = cfg.gpusPerNode;
    int total = cpuNodes + gpuNodeCount;
    gpuUsed = new int[gpuNodeCount];
    reservedFor = new int[gpuNodeCount];
    Arrays.fill(reservedFor, -1);
    for (int i = 0; i < gpuNodeCount; i++) gpuJobs.add(new ArrayList<>());
    owner = new int[cpuNodes];
    Arrays.fill(owner, -1);
    up = new boolean[total];
    Arrays.fill(up, true);
    drained = new boolean[total];
    renewedAt = new double[total];
    nodeVersion = new int[total];
    nodeRng = new SplittableRandom[total];
    for (int i = 0; i < total; i++) nodeRng[i] = root.split();
    freeStack = new int[cpuNodes];
    freePos = new int[cpuNodes];
    for (int i = cpuNodes - 1; i >= 0; i--) { freePos[i] = freeTop; freeStack[freeTop++] = i; }
    for (Job j : jobs) {
      JobRun s = new JobRun(j, all.size());
      all.add(s);
      if (j.gpus() > 0 ? (j.nodes() != 1 || j.gpus() > gpusPerNode || gpuNodeCount == 0) : j.nodes() > cpuNodes) {
        rejected++;
        s.state = State.DONE;
        continue;
      }
      accepted++;
      events.push(j.submit(), Event.SUBMIT, s.index, 0);
    }
    // failures
    double mtbf = cfg.assumedNodeMtbf;
    double tf = cfg.transientFraction;
    if (cfg.nodeFailures != null) {
      if (Double.isNaN(mtbf)) mtbf = cfg.nodeFailures.mean();
      for (int i = 0; i < cpuNodes + gpuNodeCount; i++) {
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
        lo = Math.min(lo, f.start());
        hi = Math.max(hi, f.start());
        if (!f.nodeLoss()) trans++;
        double t = f.start() - cfg.traceOffset;
        if (t >= 0) events.push(t, Event.TRACE_FAIL, k, 0);
      }
      tf = (double) trans / cfg.failureTrace.size();
      if (Double.isNaN(mtbf)) {
        int tn = 0;
        for (FailureEvent f : cfg.failureTrace) tn = Math.max(tn, f.node() + 1);
        mtbf = (hi - lo) * Math.min(tn, cpuNodes) / cfg.failureTrace.size();
      }
    }
    nodeMtbf = Double.isNaN(mtbf) ? Double.POSITIVE_INFINITY : mtbf;
    transientFraction = tf;
    hazard = cfg.nodeFailures;
  }

  private void scheduleFailure(int node, double t) {
    nodeVersion[node]++;
    events.push(t, Event.FAIL, node, nodeVersion[node]);
    if (cfg.predictedFraction > 0 && nodeRng[node].nextDouble() < cfg.predictedFraction
        && t - cfg.predictionLead > now) {
      events.push(t - cfg.predictionLead, Event.WARN, node, nodeVersion[node]);
    }
  }

  private SimResult go() {
    long t0 = System.nanoTime();
    while (events.size() > 0 && done < accepted) {
      double t = events.peekTime();
      addBusy(t);
      now = t;
      while (events.size() > 0 && events.peekTime() == t) {
        Event type = events.topType();
        int a = events.topA(), b = events.topB();
        events.pop();
        eventCount++;
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
    for (int i = 0; i < cpuNodes; i++) if (!up[i]) d++;
    return d;
  }

  private void handle(Event type, int a, int b) {
    switch (type) {
      case SUBMIT -> { JobRun j = all.get(a); j.state = State.QUEUED; enqueue(j); }
      case END -> { JobRun j = all.get(a); if (j.version == b && j.state == State.RUNNING) complete(j); }
      case STOP_DONE -> { JobRun j = all.get(a); if (j.version == b && j.state == State.STOPPING) stopDone(j); }
      case FAIL -> { if (nodeVersion[a] == b) fail(a, nodeRng[a].nextDouble() < cfg.transientFraction, -1); }
      case TRACE_FAIL -> {
        FailureEvent f = cfg.failureTrace.get(a);
        int node = Math.floorMod(f.node(), cpuNodes + gpuNodeCount);
        if (up[node]) fail(node, !f.nodeLoss(), Math.max(60, f.end() - f.start()));
      }
      case REQUEUE -> { JobRun j = all.get(a); if (j.version == b && j.state == State.QUEUED) enqueue(j); }
      case REPAIR -> repair(a);
      case WARN -> warn(a, b);
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
    freeStack[i] = b;
    freePos[b] = i;
    freeStack[k] = a;
    freePos[a] = k;
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

  private void enqueue(JobRun j) { (j.gpu() ? gpuQueue : queue).add(j); }

  private boolean isFree(int node) {
    return node < cpuNodes && freePos[node] >= 0 && freePos[node] < freeTop && freeStack[freePos[node]] == node;
  }

  private void fail(int node, boolean trans, double traceDowntime) {
    failures++;
    if (isFree(node)) freeRemove(node);
    up[node] = false;
    drained[node] = false;
    if (node >= cpuNodes) {
      int gi = node - cpuNodes;
      for (JobRun j : new ArrayList<>(gpuJobs.get(gi))) kill(j, trans);
      if (reservedFor[gi] >= 0) { all.get(reservedFor[gi]).reservedNode = -1; reservedFor[gi] = -1; }
    } else {
      int o = owner[node];
      if (o >= 0) kill(all.get(o), trans);
    }
    double down = traceDowntime >= 0 ? traceDowntime : trans ? cfg.rebootTime : cfg.repairTime;
    events.push(now + down, Event.REPAIR, node, 0);
  }

  private void repair(int node) {
    up[node] = true;
    renewedAt[node] = now;
    if (node < cpuNodes && owner[node] < 0) {
      // Cairn's adaptive policy hands freshly repaired nodes out last (their hazard is highest when shape < 1);
      // the others put them at a random place among the free nodes
      freePush(node, policy.repairedNodesLast());
      if (!policy.repairedNodesLast() && freeTop > 1) swapFree(freeTop - 1, rng.nextInt(freeTop));
    }
    if (cfg.nodeFailures != null) scheduleFailure(node, now + cfg.nodeFailures.sample(nodeRng[node]));
  }

  private void warn(int node, int version) {
    if (nodeVersion[node] != version || !up[node]) return;
    if (isFree(node)) { freeRemove(node); drained[node] = true; return; }
    if (node >= cpuNodes) {
      for (JobRun j : new ArrayList<>(gpuJobs.get(node - cpuNodes))) {
        if (j.state == State.RUNNING && policy.checkpoints() && j.pfsCost <= cfg.predictionLead)
          beginStop(j, "migrated");
      }
      drained[node] = true;
      return;
    }
    int o = owner[node];
    if (o < 0) return;
    JobRun j = all.get(o);
    if (j.state == State.RUNNING && policy.checkpoints() && j.pfsCost <= cfg.predictionLead) beginStop(j, "migrated");
    drained[node] = true;
  }

  // ---------------------------------------------------------------- jobs
  private void start(JobRun j) {
    int k = j.job.nodes();
    int[] nodes = new int[k];
    for (int i = 0; i < k; i++) {
      int node = freePop();
      owner[node] = j.index;
      nodes[i] = node;
    }
    busy += k;
    j.alloc = nodes;
    begin(j);
  }

  private void startGpu(JobRun j, int node) {
    int gi = node - cpuNodes;
    gpuUsed[gi] += j.job.gpus();
    gpuJobs.get(gi).add(j);
    gpuBusy += j.job.gpus();
    if (j.reservedNode >= 0) { reservedFor[j.reservedNode - cpuNodes] = -1; j.reservedNode = -1; }
    j.alloc = new int[]{node};
    begin(j);
  }

  private void begin(JobRun j) {
    int[] nodes = j.alloc;
    j.state = State.RUNNING;
    if (j.firstStart < 0) j.firstStart = now;
    j.runStart = now;
    j.resumeFrom = j.resumeFromLevel1 ? j.savedLevel1 : j.savedPfs;
    j.restartOverhead = j.resumeFrom > 0 ? (j.resumeFromLevel1 ? j.level1Restart : j.pfsRestart) : 0;
    j.remaining = j.job.runtime() - j.resumeFrom;
    j.stopAt = -1;
    plan(j);
    j.plannedCheckpoints = Double.isInfinite(j.interval)
        ? 0
        : Math.max(0, (int) Math.ceil(j.remaining / j.interval - 1e-9) - 1);
    j.endTime = now + j.restartOverhead + j.remaining + j.checkpointCost(j.plannedCheckpoints);
    j.version++;
    events.push(j.endTime, Event.END, j.index, j.version);
    double estRem = Math.max(j.job.estimate() - j.resumeFrom, 1);
    int estCk = Double.isInfinite(j.interval) ? 0 : Math.max(0, (int) Math.ceil(estRem / j.interval) - 1);
    j.estimatedEnd = now + j.restartOverhead + estRem + j.checkpointCost(estCk);
    if (!j.gpu()) running.add(j);
    listener.started(j.job.id(), now, nodes, j.resumeFrom);
  }

  private void plan(JobRun j) {
    Policy.Plan p = policy.plan(j);
    j.interval = p.interval();
    j.pfsEvery = p.pfsEvery();
  }

  /** The job's failure rate over its remaining work from the hazard of the nodes it got (their ages since repair). */
  private double jobRate(JobRun j) {
    if (hazard == null || hazard instanceof FailureModel.Exponential) return j.job.nodes() / nodeMtbf;
    double h = Math.max(j.remaining, 60);
    double sum = 0;
    for (int node : j.alloc) {
      double age = Math.max(0, now - renewedAt[node]);
      sum += hazard.cumulativeHazard(age + h) - hazard.cumulativeHazard(age);
    }
    return sum / h;
  }

  /** Progress of a running/stopping job at {@code t}: {computed work, checkpoints done, checkpoint time, restart time}. */
  private double[] progress(JobRun j, double t) {
    double tt = j.stopAt >= 0 ? Math.min(t, j.stopAt) : t;
    double e = tt - j.runStart - j.restartOverhead;
    if (e <= 0) return new double[]{0, 0, 0, Math.max(0, tt - j.runStart)};
    double computed, ck;
    int k;
    if (j.plannedCheckpoints == 0) {
      k = 0;
      computed = Math.min(e, j.remaining);
      ck = 0;
    } else if (e >= j.wallAt(j.plannedCheckpoints)) {
      k = j.plannedCheckpoints;
      ck = j.checkpointCost(k);
      computed = Math.min(j.remaining, k * j.interval + e - j.wallAt(k));
    } else {
      double block = j.pfsEvery * j.interval + (j.pfsEvery - 1) * j.level1Cost + j.pfsCost;
      long b = (long) (e / block);
      double r = e - b * block;
      k = (int) (b * j.pfsEvery);
      ck = b * ((j.pfsEvery - 1) * j.level1Cost + j.pfsCost);
      computed = -1;
      for (int i = 1; i <= j.pfsEvery; i++) {
        if (r < j.interval) { computed = k * j.interval + r; break; }
        r -= j.interval;
        double c = i == j.pfsEvery ? j.pfsCost : j.level1Cost;
        if (r < c) { computed = (k + 1) * j.interval; ck += r; break; }
        r -= c;
        ck += c;
        k++;
      }
      if (computed < 0) computed = k * j.interval;
      if (k > j.plannedCheckpoints) k = j.plannedCheckpoints;
    }
    return new double[]{computed, k, ck, j.restartOverhead};
  }

  private void account(JobRun j, double[] p, double resume, double extraCkpt) {
    double wall = now - j.runStart;
    double computed = p[0];
    double gained = resume - j.resumeFrom;
    j.useful += gained;
    j.wasted += computed - gained;
    j.checkpointTime += p[2] + extraCkpt;
    j.restartTime += p[3];
    if (cfg.checkInvariants) {
      double sum = p[3] + computed + p[2] + extraCkpt;
      if (Math.abs(sum - wall) > 1e-6 * Math.max(1, wall)) {
        throw new IllegalStateException(
            "job " + j.job.id() + ": run time " + wall + " != restart+work+checkpoints " + sum);
      }
    }
  }

  private void complete(JobRun j) {
    double[] p = progress(j, now);
    p[0] = j.remaining;
    j.checkpoints += j.plannedCheckpoints;
    account(j, p, j.job.runtime(), 0);
    j.savedLevel1 = j.savedPfs = j.job.runtime();
    release(j);
    j.state = State.DONE;
    j.end = now;
    done++;
    listener.stopped(j.job.id(), now, "done", j.job.runtime());
  }

  private void kill(JobRun j, boolean trans) {
    double[] p = progress(j, now);
    int k = (int) p[1];
    int l2Done = (k / j.pfsEvery) * j.pfsEvery;
    double s1 = j.resumeFrom + k * j.interval,
        s2 = l2Done > 0 ? j.resumeFrom + l2Done * j.interval : j.resumeFromLevel1 ? j.savedPfs : j.resumeFrom;
    if (!policy.checkpoints()) { s1 = 0; s2 = 0; }
    j.checkpoints += k;
    double stopCk = j.stopAt >= 0 ? now - j.stopAt : 0;
    boolean l1 = trans && s1 > s2;
    double resume = l1 ? s1 : s2;
    account(j, p, resume, stopCk);
    j.savedLevel1 = l1 ? s1 : s2;
    j.savedPfs = s2;
    j.resumeFromLevel1 = l1;
    j.killed = true;
    j.kills++;
    interruptions++;
    release(j);
    if (j.kills > cfg.maxRestarts) {
      // given up, as a resource manager does after too many requeues: its progress is wasted
      j.abandoned = true;
      j.wasted += j.useful;
      j.useful = 0;
      j.state = State.DONE;
      j.end = now;
      done++;
      abandoned++;
      if (j.reservedNode >= 0) { reservedFor[j.reservedNode - cpuNodes] = -1; j.reservedNode = -1; }
      listener.stopped(j.job.id(), now, "abandoned", resume);
      return;
    }
    j.state = State.QUEUED;
    enqueue(j);
    listener.stopped(j.job.id(), now, "failure", resume);
  }

  private boolean beginStop(JobRun j, String reason) {
    if (!policy.checkpoints()) {
      // without checkpoints a preempted job loses its work and starts over
      double[] p = progress(j, now);
      account(j, p, 0, 0);
      j.savedLevel1 = j.savedPfs = 0;
      j.resumeFromLevel1 = false;
      release(j);
      j.state = State.QUEUED;
      events.push(now, Event.REQUEUE, j.index, j.version); // joins the queue after this scheduling pass
      preemptions++;
      listener.stopped(j.job.id(), now, reason, 0);
      return true;
    }
    if (j.endTime <= now + j.pfsCost) return false; // it finishes before a checkpoint could
    if (!j.gpu()) running.remove(j);
    j.state = State.STOPPING;
    j.stopAt = now;
    j.stopReason = reason;
    j.version++;
    j.estimatedEnd = now + j.pfsCost;
    if (!j.gpu()) {
      running.add(j);
      stoppingNodes += j.alloc.length;
    }
    events.push(now + j.pfsCost, Event.STOP_DONE, j.index, j.version);
    return true;
  }

  private void stopDone(JobRun j) {
    double[] p = progress(j, now);
    j.checkpoints += (int) p[1] + 1;
    double resume = j.resumeFrom + p[0];
    account(j, p, resume, now - j.stopAt);
    j.savedLevel1 = j.savedPfs = resume;
    j.resumeFromLevel1 = false;
    if ("migrated".equals(j.stopReason)) migrations++;
    else
      preemptions++;
    release(j);
    j.state = State.QUEUED;
    enqueue(j);
    listener.stopped(j.job.id(), now, j.stopReason, resume);
  }

  private void release(JobRun j) {
    if (j.gpu()) {
      int gi = j.alloc[0] - cpuNodes;
      gpuUsed[gi] -= j.job.gpus();
      gpuJobs.get(gi).remove(j);
      gpuBusy -= j.job.gpus();
      j.version++;
      j.alloc = null;
      j.stopAt = -1;
      return;
    }
    if (j.state == State.STOPPING) stoppingNodes -= j.alloc.length;
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
    if (gpuNodeCount > 0) scheduleGpus();
    if (queue.isEmpty()) return;
    Iterator<JobRun> it = queue.iterator();
    JobRun head = null;
    while (it.hasNext()) {
      JobRun j = it.next();
      if (j.job.nodes() <= freeTop) {
        it.remove();
        start(j);
      } else {
        head = j;
        break;
      }
    }
    if (head == null) return;
    if (cfg.preemption && head.job.priority() > 0 && preemptFor(head)) return; // let the freed nodes go to the head first
    if (cfg.scheduler == SimConfig.Scheduler.FCFS || freeTop == 0) return;
    double shadow = Double.POSITIVE_INFINITY;
    int extra = freeTop;
    int avail = freeTop;
    for (JobRun r : running) {
      avail += r.alloc.length;
      if (avail >= head.job.nodes()) {
        shadow = Math.max(r.estimatedEnd, now);
        extra = avail - head.job.nodes();
        break;
      }
    }
    extra = Math.min(extra, freeTop);
    int depth = 0;
    while (it.hasNext() && depth++ < cfg.backfillDepth && freeTop > 0) {
      JobRun j = it.next();
      int k = j.job.nodes();
      if (k > freeTop) continue;
      double estEnd = now + estimatedWall(j);
      if (estEnd <= shadow) {
        it.remove();
        start(j);
        extra = Math.min(extra, freeTop);
      } else if (k <= extra) { it.remove(); start(j); extra -= k; }
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
    Iterator<JobRun> it = gpuQueue.iterator();
    while (it.hasNext()) {
      JobRun j = it.next();
      int node = pickGpuNode(j);
      if (node >= 0) { it.remove(); startGpu(j, node); continue; }
      if (!blocked) { blocked = true; reserveGpuNode(j); }
    }
  }

  private int pickGpuNode(JobRun j) {
    int g = j.job.gpus(), best = -1, bestFree = Integer.MAX_VALUE;
    for (int gi = 0; gi < gpuNodeCount; gi++) {
      int node = cpuNodes + gi;
      if (!up[node] || drained[node]) continue;
      if (reservedFor[gi] >= 0 && reservedFor[gi] != j.index) continue;
      int free = gpusPerNode - gpuUsed[gi];
      if (free < g) continue;
      if (reservedFor[gi] == j.index) return node;
      if (!cfg.gpuBestFit) return node;
      if (free < bestFree) { bestFree = free; best = node; }
    }
    return best;
  }

  private void reserveGpuNode(JobRun head) {
    if (head.reservedNode >= 0) return;
    int g = head.job.gpus();
    int bestGi = -1, bestMove = Integer.MAX_VALUE;
    for (int gi = 0; gi < gpuNodeCount; gi++) {
      int node = cpuNodes + gi;
      if (!up[node] || drained[node] || reservedFor[gi] >= 0) continue;
      int move = g - (gpusPerNode - gpuUsed[gi]);
      if (move < bestMove) { bestMove = move; bestGi = gi; }
    }
    if (bestGi < 0) return;
    reservedFor[bestGi] = head.index;
    head.reservedNode = cpuNodes + bestGi;
    if (!cfg.gpuDefrag || !policy.checkpoints()) return;
    // migrate the largest jobs that fit on other nodes until the head fits
    int[] free = new int[gpuNodeCount];
    for (int gi = 0; gi < gpuNodeCount; gi++) {
      int node = cpuNodes + gi;
      free[gi] = (!up[node] || drained[node] || reservedFor[gi] >= 0) ? 0 : gpusPerNode - gpuUsed[gi];
    }
    List<JobRun> on = new ArrayList<>(gpuJobs.get(bestGi));
    on.sort(Comparator.comparingInt((JobRun x) -> -x.job.gpus()).thenComparingInt(x -> x.index));
    int need = bestMove;
    for (JobRun v : on) {
      if (need <= 0) break;
      if (v.state != State.RUNNING) continue;
      int dest = -1;
      for (int gi = 0; gi < gpuNodeCount; gi++)
        if (free[gi] >= v.job.gpus() && (dest < 0 || free[gi] < free[dest])) dest = gi;
      if (dest < 0) continue;
      if (beginStop(v, "migrated")) { free[dest] -= v.job.gpus(); need -= v.job.gpus(); gpuMigrations++; }
    }
  }

  private double estimatedWall(JobRun j) {
    double from = j.resumeFromLevel1 ? j.savedLevel1 : j.savedPfs;
    double rem = Math.max(j.job.estimate() - from, 1);
    double overhead = from > 0 ? (j.resumeFromLevel1 ? j.level1Restart : j.pfsRestart) : 0;
    return overhead + rem;
  }

  private boolean preemptFor(JobRun head) {
    int need = head.job.nodes() - freeTop - stoppingNodes;
    if (need <= 0) return false;
    List<JobRun> cands = new ArrayList<>();
    int total = 0;
    for (JobRun r : running) if (r.state == State.RUNNING && r.job.priority() < head.job.priority()) {
      cands.add(r);
      total += r.alloc.length;
    }
    if (total < need) return false;
    cands.sort(Comparator.comparingDouble((JobRun r) -> -r.runStart).thenComparingInt(r -> r.index));
    boolean any = false;
    for (JobRun r : cands) {
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
    for (int i = 0; i < cpuNodes; i++) {
      if (owner[i] >= 0) {
        owned++;
        JobRun j = all.get(owner[i]);
        if (j.state != State.RUNNING && j.state != State.STOPPING)
          throw new IllegalStateException("node " + i + " owned by job " + j.job.id() + " in state " + j.state);
        if (!up[i]) throw new IllegalStateException("down node " + i + " still owned by job " + j.job.id());
        if (isFree(i)) throw new IllegalStateException("node " + i + " both free and owned");
      }
    }
    if (probation < 0 || probation > freeTop)
      throw new IllegalStateException("probation " + probation + " outside free stack " + freeTop);
    for (int k = 0; k < freeTop; k++) {
      int node = freeStack[k];
      if (!up[node] || owner[node] >= 0 || drained[node] || freePos[node] != k)
        throw new IllegalStateException("bad free node " + node);
    }
    int sum = 0;
    for (JobRun r : running) {
      sum += r.alloc.length;
      if (r.alloc.length != r.job.nodes())
        throw new IllegalStateException(
            "job " + r.job.id() + " holds " + r.alloc.length + " nodes, needs " + r.job.nodes());
      for (int node : r.alloc)
        if (owner[node] != r.index) throw new IllegalStateException("job " + r.job.id() + " lost node " + node);
    }
    int gsum = 0;
    for (int gi = 0; gi < gpuNodeCount; gi++) {
      int used = 0;
      for (JobRun j : gpuJobs.get(gi)) {
        used += j.job.gpus();
        if (j.alloc == null || j.alloc[0] != cpuNodes + gi || (j.state != State.RUNNING && j.state != State.STOPPING))
          throw new IllegalStateException("GPU job " + j.job.id() + " misplaced");
      }
      if (used != gpuUsed[gi] || used > gpusPerNode)
        throw new IllegalStateException(
            "GPU node " + gi + ": " + used + " GPUs used of " + gpusPerNode + " (counted " + gpuUsed[gi] + ")");
      if (used > 0 && !up[cpuNodes + gi]) throw new IllegalStateException("down GPU node " + gi + " runs jobs");
      gsum += used;
    }
    if (gsum != gpuBusy) throw new IllegalStateException("GPU busy " + gpuBusy + " != " + gsum);
    if (sum != owned || sum != busy || busy > cpuNodes)
      throw new IllegalStateException(
          "capacity: busy=" + busy + " owned=" + owned + " running=" + sum + " nodes=" + cpuNodes);
  }

  private SimResult result(double wall) {
    double minSubmit = Double.POSITIVE_INFINITY, maxEnd = 0;
    double sw = 0, st = 0, ss = 0, sb = 0, mb = 0, useful = 0, wasted = 0, ck = 0, rs = 0, usefulNs = 0;
    long ckpts = 0;
    int jobs = 0, killed = 0;
    double gUseful = 0, gWasted = 0, gOver = 0, gWait = 0;
    int gJobs = 0;
    for (JobRun j : all) {
      if (j.state != State.DONE || j.firstStart < 0) continue;
      if (j.gpu()) {
        int g = j.job.gpus();
        gUseful += j.useful * g;
        gWasted += j.wasted * g;
        gOver += (j.checkpointTime + j.restartTime) * g;
      }
      int k = j.gpu() ? 0 : j.job.nodes();
      useful += j.useful * k;
      wasted += j.wasted * k;
      ck += j.checkpointTime * k;
      rs += j.restartTime * k;
      ckpts += j.checkpoints;
      if (j.killed) killed++;
      minSubmit = Math.min(minSubmit, j.job.submit());
      maxEnd = Math.max(maxEnd, j.end);
      if (j.abandoned) continue;
      jobs++;
      double wait = j.firstStart - j.job.submit(), turn = j.end - j.job.submit(), exec = j.end - j.firstStart;
      sw += wait;
      st += turn;
      if (j.gpu()) { gWait += wait; gJobs++; }
      ss += turn / Math.max(exec, 1e-9);
      double b = Math.max(1, turn / Math.max(exec, 10));
      sb += b;
      mb = Math.max(mb, b);
      usefulNs += j.job.runtime() * k;
    }
    double makespan = jobs == 0 ? 0 : maxEnd - minSubmit;
    int nb = Math.min(maxBucket + 1, (int) Math.ceil(maxEnd / cfg.utilizationBucket) + 1);
    nb = Math.max(0, Math.min(nb, buckets.length));
    double[] times = new double[nb], util = new double[nb];
    double busyTotal = 0;
    for (int b = 0; b < nb; b++) {
      times[b] = b * cfg.utilizationBucket;
      util[b] = buckets[b] / (cfg.utilizationBucket * cpuNodes);
      busyTotal += buckets[b];
    }
    double denom = Math.max(makespan, 1e-9) * cpuNodes;
    return new SimResult(policy.label(), jobs, rejected, abandoned, makespan, jobs == 0 ? 0 : sw / jobs,
        jobs == 0 ? 0 : st / jobs,
        jobs == 0 ? 0 : ss / jobs, jobs == 0 ? 0 : sb / jobs, mb, killed, interruptions, preemptions, migrations,
        failures,
        busyTotal / denom, usefulNs / denom, useful / 3600, wasted / 3600, ck / 3600, rs / 3600, ckpts,
        gpuNodeCount == 0 ? Double.NaN : gpuBusyIntegral / (Math.max(makespan, 1e-9) * gpuNodeCount * gpusPerNode),
        gUseful / 3600, gWasted / 3600, gOver / 3600, gpuMigrations,
        gJobs == 0 ? Double.NaN : gWait / gJobs,
        times, util, eventCount, wall);
  }
}
