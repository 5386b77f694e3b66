package io.cairn.sched.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cairn.sched.FailureModel;
import io.cairn.sched.trace.FailureEvent;
import io.cairn.sched.trace.Job;
import io.cairn.sched.trace.TraceGenerator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SimulatorTest {
  static final List<Policy> POLICIES = List.of(Policy.NONE, Policy.fixed(1800), Policy.YOUNG, Policy.DALY,
      Policy.MULTILEVEL, Policy.ADAPTIVE);

  /** Records each job's runs and checks that every run resumes from exactly the point the previous one left. */
  static class Recorder implements SimListener {
    final Map<Long, Double> resumePoint = new HashMap<>();
    final Map<Long, List<String>> log = new HashMap<>();
    final int nodes;
    int maxBusy;
    final List<String> errors = new ArrayList<>();

    Recorder(int nodes) { this.nodes = nodes; }

    @Override
    public void started(long id, double t, int[] ns, double resumeFrom) {
      double expected = resumePoint.getOrDefault(id, 0.0);
      if (resumeFrom != expected && !(resumeFrom == 0 && log.getOrDefault(id, List.of()).isEmpty()))
        errors.add("job " + id + " resumed from " + resumeFrom + " but its last checkpoint was " + expected);
      log.computeIfAbsent(id, k -> new ArrayList<>()).add("start@" + t + " from " + resumeFrom);
      if (java.util.Arrays.stream(ns).distinct().count() != ns.length) errors.add("job " + id + " got a node twice");
    }

    @Override
    public void stopped(long id, double t, String reason, double resume) {
      log.computeIfAbsent(id, k -> new ArrayList<>()).add(reason + "@" + t + " resume " + resume);
      if (reason.equals("preempted") || reason.equals("migrated")) {
        double before = resumePoint.getOrDefault(id, 0.0);
        if (resume < before) errors.add("job " + id + " lost work when " + reason + ": " + before + " -> " + resume);
      }
      resumePoint.put(id, resume);
    }

    @Override
    public void tick(double t, int busy, int free, int down) {
      maxBusy = Math.max(maxBusy, busy);
      if (busy + free + down > nodes)
        errors.add("at " + t + ": busy " + busy + " + free " + free + " + down " + down + " > " + nodes);
    }
  }

  static List<Job> workload(long seed) {
    return new TraceGenerator().nodes(32).jobs(400).horizon(10 * 86400).load(0.9).urgentFraction(0.1).seed(seed)
        .generate();
  }

  static SimConfig stressConfig(long seed) {
    return new SimConfig(32).nodeFailures(FailureModel.Weibull.withMean(0.7, 3 * 86400)).prediction(0.3, 1800)
        .checkpointCost(30, 2).seed(seed).checkInvariants(true).utilizationBucket(600);
  }

  @Test
  void noWorkLostOrDoubleCountedCapacityRespectedAndResumesFromLastCheckpoint() {
    for (long seed = 1; seed <= 3; seed++) {
      List<Job> jobs = workload(seed);
      double area = 0;
      for (Job j : jobs) area += j.runtime() * j.nodes();
      for (Policy p : POLICIES) {
        for (SimConfig.Scheduler s : SimConfig.Scheduler.values()) {
          Recorder rec = new Recorder(32);
          SimResult r = Simulator.run(jobs, stressConfig(seed).scheduler(s), p, rec);
          String ctx = p.label() + "/" + s + "/seed " + seed;
          assertThat(rec.errors).as(ctx).isEmpty();
          assertThat(r.jobs() + r.abandoned()).as(ctx).isEqualTo(jobs.size());
          if (p.checkpoints()) assertThat(r.abandoned()).as(ctx).isZero();
          assertThat(rec.maxBusy).as(ctx).isLessThanOrEqualTo(32);
          // every completed job ended with all of its work done, counted once
          double done = 0;
          for (Job j : jobs) {
            if (rec.log.get(j.id()).getLast().startsWith("abandoned")) continue;
            assertThat(rec.resumePoint.get(j.id())).as(ctx + " job " + j.id()).isEqualTo(j.runtime());
            done += j.runtime() * j.nodes();
          }
          if (p.checkpoints()) assertThat(done).isEqualTo(area);
          assertThat(r.usefulNodeHours() * 3600).as(ctx).isCloseTo(done, within(area * 1e-9));
          // busy node time = useful + wasted + checkpoint + restart time
          double busy = r.utilization() * r.makespan() * 32;
          double parts = (r.usefulNodeHours() + r.wastedNodeHours() + r.checkpointNodeHours() + r.restartNodeHours())
              * 3600;
          assertThat(busy).as(ctx).isCloseTo(parts, within(parts * 1e-6));
          assertThat(r.wastedNodeHours()).as(ctx).isGreaterThanOrEqualTo(-1e-9);
          assertThat(r.failures()).as(ctx).isPositive();
          if (!p.checkpoints()) assertThat(r.checkpointNodeHours()).as(ctx).isLessThan(1e-9);
        }
      }
    }
  }

  @Test
  void replayedFailureLogKeepsTheSameInvariants() {
    java.util.SplittableRandom r = new java.util.SplittableRandom(8);
    List<FailureEvent> log = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      double start = r.nextDouble() * 12 * 86400;
      String cat = r.nextDouble() < 0.4 ? "Hardware:Memory" : "Software:OS";
      log.add(new FailureEvent("", r.nextInt(48), start, start + 60 + r.nextDouble() * 7200, cat));
    }
    List<Job> jobs = workload(2);
    for (Policy p : POLICIES) {
      Recorder rec = new Recorder(32);
      SimResult res = Simulator.run(jobs,
          new SimConfig(32).failureTrace(log, 0).checkpointCost(30, 2).checkInvariants(true), p, rec);
      assertThat(rec.errors).as(p.label()).isEmpty();
      assertThat(res.failures()).as(p.label()).isPositive();
      assertThat(res.jobs() + res.abandoned()).as(p.label()).isEqualTo(jobs.size());
      double busy = res.utilization() * res.makespan() * 32;
      double parts = (res.usefulNodeHours() + res.wastedNodeHours() + res.checkpointNodeHours()
          + res.restartNodeHours()) * 3600;
      assertThat(busy).as(p.label()).isCloseTo(parts, within(parts * 1e-6));
    }
  }

  @Test
  void failedJobResumesFromItsLastCheckpointExactly() {
    // 2 nodes; a 10 h one-node job checkpointing every hour (cost 60.5 s); node 0 is lost at t = 9000 s
    SimConfig cfg = new SimConfig(2)
        .failureTrace(List.of(new FailureEvent("", 0, 9000, 9000 + 3600, "Hardware:CPU")), 0)
        .checkpointCost(60, 0.5).checkInvariants(true);
    Recorder rec = new Recorder(2);
    SimResult r = Simulator.run(List.of(Job.of(1, 0, 36_000, 1)), cfg, Policy.fixed(3600), rec);
    assertThat(rec.log.get(1L)).containsExactly("start@0.0 from 0.0", "failure@9000.0 resume 7200.0",
        "start@9000.0 from 7200.0",
        "done@" + (9000 + 60.5 + 28_800 + 7 * 60.5) + " resume 36000.0");
    assertThat(r.wastedNodeHours() * 3600).isCloseTo(9000 - 7200 - 2 * 60.5, within(1e-6));
    assertThat(r.jobsKilled()).isEqualTo(1);
    // a transient failure (software) with a multi-level plan resumes from the level-1 checkpoint instead
    SimConfig cfg2 = new SimConfig(2).failureTrace(List.of(new FailureEvent("", 0, 9000, 9600, "Software:OS")), 0)
        .checkpointCost(60, 0.5).checkInvariants(true).assumedNodeMtbf(86_400);
    Recorder rec2 = new Recorder(2);
    Simulator.run(List.of(Job.of(1, 0, 36_000, 1)), cfg2, Policy.MULTILEVEL, rec2);
    assertThat(rec2.errors).isEmpty();
    assertThat(rec2.log.get(1L).get(1)).startsWith("failure@9000.0");
  }

  @Test
  void preemptedJobResumesFromThePreemptionCheckpoint() {
    // one 4-node cluster: a long normal job, then an urgent job that needs all nodes
    SimConfig cfg = new SimConfig(4).checkpointCost(10, 0).checkInvariants(true);
    List<Job> jobs = List.of(new Job(1, 0, 10_000, 4, 10_000, 0, 0), new Job(2, 1000, 500, 4, 500, 1, 0));
    Recorder rec = new Recorder(4);
    SimResult r = Simulator.run(jobs, cfg, Policy.fixed(3600), rec);
    assertThat(rec.errors).isEmpty();
    // preempted at 1000 s after 1000 s of work: the preemption checkpoint (10 s) saves all of it
    assertThat(rec.log.get(1L)).containsExactly("start@0.0 from 0.0", "preempted@1010.0 resume 1000.0",
        "start@1510.0 from 1000.0",
        "done@" + (1510 + 10 + 9000 + 2 * 10.0) + " resume 10000.0");
    assertThat(r.preemptions()).isEqualTo(1);
  }

  @Test
  void deterministicForASeedAndCheckpointingPays() {
    List<Job> jobs = workload(5);
    SimConfig cfg = stressConfig(5).checkInvariants(false).prediction(0, 0);
    SimResult a = Simulator.run(jobs, cfg, Policy.DALY), b = Simulator.run(jobs, cfg, Policy.DALY);
    assertThat(a.metrics().toString().replaceAll("wall_seconds=[^,}]*", ""))
        .isEqualTo(b.metrics().toString().replaceAll("wall_seconds=[^,}]*", ""));
    SimResult none = Simulator.run(jobs, cfg, Policy.NONE);
    assertThat(a.wastedNodeHours()).isLessThan(none.wastedNodeHours());
  }
}
