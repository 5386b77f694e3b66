package io.cairn.sched.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.sched.FailureModel;
import io.cairn.sched.trace.Job;
import io.cairn.sched.trace.TraceGenerator;
import java.util.List;
import org.junit.jupiter.api.Test;

class GpuPartitionTest {

  @Test
  void gpuJobsNeverExceedAGpuNodeAndResumeFromTheirLastCheckpoint() {
    List<Job> jobs = new TraceGenerator().nodes(16).jobs(150).horizon(5 * 86400).load(0.8).gpus(8, 8, 300).seed(3)
        .generate();
    assertThat(jobs.stream().filter(j -> j.gpus() > 0)).hasSize(300);
    for (Policy p : List.of(Policy.NONE, Policy.DALY, Policy.ADAPTIVE)) {
      for (boolean bestFit : new boolean[]{true, false}) {
        for (boolean defrag : new boolean[]{true, false}) {
          SimConfig cfg = new SimConfig(16).gpuPartition(8, 8).gpuBestFit(bestFit).gpuDefrag(defrag)
              .nodeFailures(FailureModel.Weibull.withMean(0.7, 2 * 86400)).prediction(0.3, 1800).checkpointCost(20, 1)
              .checkInvariants(true).seed(4);
          SimulatorTest.Recorder rec = new SimulatorTest.Recorder(16);
          SimResult r = Simulator.run(jobs, cfg, p, rec);
          String ctx = p.label() + " bestFit=" + bestFit + " defrag=" + defrag;
          assertThat(rec.errors).as(ctx).isEmpty();
          assertThat(r.jobs() + r.abandoned()).as(ctx).isEqualTo(jobs.size());
          assertThat(r.gpuUtilization()).as(ctx).isBetween(0.0, 1.0);
          double gpuWork = 0;
          for (Job j : jobs) {
            if (j.gpus() == 0 || rec.log.get(j.id()).getLast().startsWith("abandoned")) continue;
            assertThat(rec.resumePoint.get(j.id())).as(ctx).isEqualTo(j.runtime());
            gpuWork += j.runtime() * j.gpus();
          }
          assertThat(r.gpuUsefulHours() * 3600).as(ctx).isCloseTo(gpuWork,
              org.assertj.core.api.Assertions.within(1e-6 * gpuWork));
          if (defrag && p.checkpoints()) assertThat(r.gpuMigrations()).as(ctx).isPositive();
        }
      }
    }
  }

  /**
   * Two 8-GPU nodes. A (4 GPUs, long) and B (4 GPUs, 100 s) pack onto node 0, C (4 GPUs, long) onto node 1; when B ends
   * the free GPUs are split 4 + 4 and an 8-GPU job D cannot start. Defragmenting migrates A next to C (checkpoint
   * 20 s), and D starts at once; without it D waits for A to finish.
   */
  @Test
  void defragmentingMigrationStartsABlockedGpuJobAtOnce() {
    List<Job> jobs = List.of(new Job(1, 0, 10_000, 1, 10_000, 0, 4), new Job(2, 1, 100, 1, 100, 0, 4),
        new Job(3, 2, 20_000, 1, 20_000, 0, 4), new Job(4, 200, 1000, 1, 1000, 0, 8));
    double[] dStart = new double[2];
    for (int k = 0; k < 2; k++) {
      boolean defrag = k == 0;
      SimulatorTest.Recorder rec = new SimulatorTest.Recorder(1) {
        @Override
        public void started(long id, double t, int[] ns, double resumeFrom) {
          super.started(id, t, ns, resumeFrom);
          if (id == 4) dStart[defrag ? 0 : 1] = t;
        }
      };
      SimConfig cfg = new SimConfig(1).gpuPartition(2, 8).gpuDefrag(defrag).checkpointCost(20, 0).checkInvariants(true);
      SimResult r = Simulator.run(jobs, cfg, Policy.fixed(3600), rec);
      assertThat(rec.errors).isEmpty();
      if (defrag) {
        assertThat(r.gpuMigrations()).isEqualTo(1);
        assertThat(rec.log.get(1L)).startsWith("start@0.0 from 0.0", "migrated@220.0 resume 200.0",
            "start@220.0 from 200.0");
      }
    }
    assertThat(dStart[0]).isEqualTo(220.0);
    assertThat(dStart[1]).isGreaterThanOrEqualTo(10_000);
  }
}
