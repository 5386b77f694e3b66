package io.cairn.sched.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Scenario}: what {@code cairn simulate} assembles from its options, now in sched. */
class ScenarioTest {
  @TempDir
  Path dir;

  @Test
  void theBundledSampleWithAGivenMtbfRunsEveryPolicyDeterministically() throws Exception {
    Scenario s = new Scenario().maxJobs(200).nodeMtbf("10d").seed(3);
    Scenario.Built a = s.build(w -> {});
    assertThat(a.jobs()).hasSize(200);
    assertThat(a.setup()).containsEntry("jobs", 200).containsKey("failures").containsEntry("seed", 3L);
    assertThat(a.setup().get("transient share, reboot, repair")).isEqualTo("0.700, 10m, 4h");
    List<Double> cpu = new ArrayList<>();
    List<SimResult> r1 = Scenario.run(a, List.of("none", "daly"), run -> cpu.add(run.cpuSeconds()));
    List<SimResult> r2 = Scenario.run(s.build(w -> {}), List.of("none", "daly"), run -> {});
    assertThat(cpu).hasSize(2).allSatisfy(c -> assertThat(c).isNotNegative());
    assertThat(r1).extracting(SimResult::policy)
        .containsExactly(r2.stream().map(SimResult::policy).toArray(String[]::new));
    for (int i = 0; i < 2; i++) { // everything but the simulator's own wall time
      var m1 = new java.util.HashMap<>(r1.get(i).metrics());
      var m2 = new java.util.HashMap<>(r2.get(i).metrics());
      m1.remove("wall_seconds");
      m2.remove("wall_seconds");
      assertThat(m1).isEqualTo(m2).containsKey("makespan_s");
    }
  }

  @Test
  void aFailureLogIsFittedOrReplayedAndGivesTheTransientShare() throws Exception {
    Path log = dir.resolve("f.csv");
    StringBuilder csv = new StringBuilder("node,start,end,category\n");
    for (int i = 0; i < 40; i++)
      csv.append(i % 8).append(',').append(10_000L * i + 37L * i * i).append(',')
          .append(10_000L * i + 37L * i * i + 600)
          .append(',').append(i % 4 == 0 ? "Hardware" : "Software").append('\n');
    Files.writeString(log, csv);
    Scenario.Built fit = new Scenario().maxJobs(50).failureLog(log, null, "fit").build(w -> {});
    assertThat((String) fit.setup().get("failures")).startsWith("per node, Weibull fitted by maximum likelihood");
    assertThat((String) fit.setup().get("failure log")).endsWith("40 failures");
    assertThat((String) fit.setup().get("transient share, reboot, repair")).startsWith("0.750,");
    Scenario.Built replay = new Scenario().maxJobs(50).failureLog(log, null, "replay").transientFraction(0.5)
        .build(w -> {});
    assertThat((String) replay.setup().get("failures")).startsWith("replayed from the log");
    assertThat((String) replay.setup().get("transient share, reboot, repair")).startsWith("0.500,");
    assertThat(Scenario.run(replay, List.of("young"), r -> {})).singleElement()
        .satisfies(r -> assertThat(r.jobs()).isPositive());
  }

  @Test
  void gpuJobsAreAddedInSubmitOrderAndMalformedTraceLinesAreWarned() throws Exception {
    Scenario.Built b = new Scenario().maxJobs(100).gpus(4, 8, 30, false, true).build(w -> {});
    assertThat(b.jobs()).hasSize(130);
    for (int i = 1; i < b.jobs().size(); i++)
      assertThat(b.jobs().get(i).submit()).isGreaterThanOrEqualTo(b.jobs().get(i - 1).submit());
    assertThat((String) b.setup().get("GPU partition"))
        .contains("4 nodes x 8 GPUs, 30 generated GPU jobs, best fit, defragmenting");

    Path swf = dir.resolve("t.swf");
    assertThat(Scenario.writeTrace(swf, 16, 40, 2, 0.8, 9)).isEqualTo(40);
    Files.writeString(swf, Files.readString(swf) + "not a job line\n");
    List<String> warnings = new ArrayList<>();
    Scenario.Built t = new Scenario().trace(swf).build(warnings::add);
    assertThat(t.jobs()).hasSize(40);
    assertThat(warnings).hasSize(1);
    assertThat(t.setup()).containsEntry("malformed lines", 1);
  }

  @Test
  void aFailureLogWithoutFailuresOfTheSystemIsAClearError() throws Exception {
    Path log = dir.resolve("empty.csv");
    Files.writeString(log, "node,start,end\n");
    assertThatThrownBy(() -> new Scenario().failureLog(log, null, "fit").build(w -> {}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty.csv: no failures");
  }
}
