package io.cairn.dl;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cluster.GlobalVersion;
import io.cairn.cluster.Launcher;
import io.cairn.cluster.Protocol;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workers as ranks of a parallel job (processes, gradients reduced over the cluster communicator,
 * parameters and optimizer moments sharded as distributed arrays): the weights, the loss of every
 * step and the samples seen equal the single-threaded run bit for bit, for 1, 2 and 4 ranks, with
 * ranks killed (SIGKILL) and the job rolled back, and across changes of the number of ranks.
 */
class RankTrainingTest {
  static final long STEPS = 36;
  static final int EVERY = 4;

  @TempDir
  Path tmp;

  /** Step -> "lossBits sampleHash" of the uninterrupted single-threaded run, and "params history" at the end. */
  private record Reference(Map<Long, String> steps, String done) {}

  private static final Reference REF = reference();

  private static Reference reference() {
    Map<Long, String> steps = new HashMap<>();
    DemoRun.Result r = DemoRun.run(new DemoRun.Options().steps(STEPS).mode(DemoRun.Mode.NONE),
        (t, s) -> steps.put(s.step(),
            Double.doubleToRawLongBits(s.loss()) + " " + t.metrics().sampleHashes()[(int) s.step()]));
    return new Reference(steps, DemoRun.hash(r.params()) + " " + r.metrics().historyHash());
  }

  private static Launcher.Builder job(Path dir, int ranks, Protocol p, String... extra) {
    List<String> cmd = new ArrayList<>(
        List.of("io.cairn.dl.examples.RankTraining", "--steps", "" + STEPS, "--every", "" + EVERY));
    cmd.addAll(List.of(extra));
    return Launcher.builder().ranks(ranks).nodes(Math.min(2, ranks)).jobDir(dir).protocol(p).jvmOption("-Xmx128m")
        .failTimeout(Duration.ofSeconds(20)).command(cmd);
  }

  private static int await(Launcher.Job j) {
    try {
      return j.await(Duration.ofSeconds(120));
    } catch (TimeoutException e) {
      throw new AssertionError(e.getMessage() + "\n" + logs(j.jobDir()), e);
    }
  }

  static String logs(Path dir) {
    StringBuilder b = new StringBuilder();
    try (Stream<Path> s = Files.list(dir.resolve("logs"))) {
      for (Path p : s.sorted().toList()) {
        List<String> lines = Files.readAllLines(p).stream().filter(l -> !l.startsWith("dl-step")).toList();
        b.append("---- ").append(p.getFileName()).append('\n');
        for (String l : lines.subList(Math.max(0, lines.size() - 20), lines.size())) b.append(l).append('\n');
      }
    } catch (IOException e) {
      b.append("(no logs: ").append(e).append(")");
    }
    return b.toString();
  }

  /** Every step any incarnation of rank 0 executed, checked against the reference; returns how many lines were checked. */
  private static int checkSteps(Path dir) throws IOException {
    int n = 0;
    for (String line : Files.readAllLines(dir.resolve("logs/rank-0.log"))) {
      if (!line.startsWith("dl-step ")) continue;
      String[] f = line.split(" ", 3);
      assertThat(f[2]).as("step %s (%s)", f[1], dir.getFileName()).isEqualTo(REF.steps().get(Long.parseLong(f[1])));
      n++;
    }
    return n;
  }

  private static String result(Path dir) throws IOException {
    Map<String, String> m = new HashMap<>();
    for (String line : Files.readAllLines(dir.resolve("dl-result.txt"))) {
      String[] f = line.split(" ", 2);
      m.putIfAbsent(f[0], f[1]);
    }
    assertThat(m.get("steps")).isEqualTo("" + STEPS);
    return m.get("params") + " " + m.get("history");
  }

  @Test
  void oneTwoAndFourRanksGiveTheSingleThreadWeights() throws Exception {
    for (int ranks : new int[]{1, 2, 4}) {
      Path d = Files.createDirectories(tmp.resolve("r" + ranks));
      try (Launcher.Job j = job(d, ranks, Protocol.CHANDY_LAMPORT).start()) {
        assertThat(await(j)).as(logs(d)).isZero();
      }
      assertThat(result(d)).as("%d ranks: final weights and whole history", ranks).isEqualTo(REF.done());
      assertThat(checkSteps(d)).isEqualTo((int) STEPS);
    }
  }

  @Test
  void theAdaptiveIntervalIsAgreedByAllRanks() throws Exception {
    Path d = Files.createDirectories(tmp.resolve("adaptive"));
    try (Launcher.Job j = job(d, 3, Protocol.CHANDY_LAMPORT, "--adaptive", "0.03").start()) {
      assertThat(await(j)).as("ranks that disagree on a checkpoint would hang; %s", logs(d)).isZero();
    }
    assertThat(result(d)).isEqualTo(REF.done());
    String res = Files.readString(d.resolve("dl-result.txt"));
    assertThat(res).containsPattern("(?m)^checkpoints [1-9]").containsPattern("(?m)^interval [0-9]+ ");
    assertThat(GlobalVersion.list(d)).as("committed globals").hasSizeGreaterThan(1);
  }

  @Test
  void aSegmentOfARankJobReplaysInOneProcessWithThreads() throws Exception {
    Path d = Files.createDirectories(tmp.resolve("replay"));
    try (Launcher.Job j = job(d, 3, Protocol.CHANDY_LAMPORT).start()) {
      assertThat(await(j)).as(logs(d)).isZero();
    }
    List<GlobalVersion> gs = GlobalVersion.list(d);
    GlobalVersion from = gs.get(gs.size() - 3); // still held by every rank's retention
    assertThat(from.step()).isPositive().isLessThan(STEPS);
    List<String> mismatches = new ArrayList<>();
    try (io.cairn.dl.train.Trainer t = Replay.runFromRankJob(
        () -> DemoRun.trainer(new DemoRun.Options().steps(STEPS).workers(2)), d,
        from.number(), STEPS, (tr, s) -> {
          String bits = Double.doubleToRawLongBits(s.loss()) + " " + tr.metrics().sampleHashes()[(int) s.step()];
          if (!bits.equals(REF.steps().get(s.step()))) mismatches.add("step " + s.step());
        })) {
      assertThat(mismatches).isEmpty();
      assertThat(DemoRun.hash(t.model().params()) + " " + t.metrics().historyHash())
          .as("replayed from global %d (step %d) with 2 threads",
              from.number(), from.step())
          .isEqualTo(REF.done());
    }
    // another configuration is refused, naming both
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Replay.runFromRankJob(
        () -> DemoRun.trainer(new DemoRun.Options().steps(STEPS).optimizer("sgd")), d, from.number(), STEPS, null))
        .isInstanceOf(IncompleteStateException.class).hasMessageContaining("configuration differs")
        .hasMessageContaining("sgd(");
  }

  @Test
  void killedRanksRollBackAndTheRunStaysBitIdentical() throws Exception {
    Random rnd = new Random(5);
    for (Protocol p : new Protocol[]{Protocol.CHANDY_LAMPORT, Protocol.BLOCKING}) {
      Path d = Files.createDirectories(tmp.resolve(p.id()));
      int ranks = 3;
      int kills = 0;
      try (Launcher.Job j = job(d, ranks, p, "--delay-ms", "40").start()) {
        for (int k = 0; k < 2; k++) {
          long want = 2 + 3L * k + rnd.nextInt(2);
          long deadline = System.currentTimeMillis() + 60_000;
          while (globals(d).size() < want && !j.isDone() && System.currentTimeMillis() < deadline) Thread.sleep(20);
          Thread.sleep(rnd.nextInt(120)); // somewhere inside a step or a checkpoint
          if (j.isDone() || !j.kill(rnd.nextInt(ranks))) break; // SIGKILL; false: the job ended first
          kills++;
        }
        assertThat(await(j)).as(logs(d)).isZero();
        assertThat(j.restarts()).as("restarts").isEqualTo(kills);
      }
      assertThat(kills).as("the job ended before the kills: make it longer").isPositive();
      assertThat(result(d)).as("%s: final weights and whole history after %d kills", p.id(), kills)
          .isEqualTo(REF.done());
      assertThat(checkSteps(d)).as("steps executed, re-executed ones included").isGreaterThanOrEqualTo((int) STEPS);
      assertThat(Files.readString(d.resolve("logs/rank-0.log"))).contains("restored global");
    }
  }

  @Test
  void continuesWithAnotherNumberOfRanks() throws Exception {
    Path d = tmp.resolve("elastic");
    int[][] plan = {{4, 12}, {2, 24}, {3, -1}}; // ranks, stop after step
    for (int[] leg : plan) {
      String[] extra = leg[1] < 0 ? new String[0] : new String[]{"--stop-after", "" + leg[1]};
      try (Launcher.Job j = job(d, leg[0], Protocol.CHANDY_LAMPORT, extra).start()) {
        assertThat(await(j)).as(logs(d)).isZero();
      }
      if (leg[1] > 0) assertThat(globals(d).getLast().ranks()).isEqualTo(leg[0]);
    }
    assertThat(result(d)).as("4 -> 2 -> 3 ranks: final weights and whole history").isEqualTo(REF.done());
    String log = Files.readString(d.resolve("logs/rank-0.log"));
    assertThat(log).contains("rank 0 of 2: starting at step 12").contains("rank 0 of 3: starting at step 24");
    checkSteps(d);
  }

  @Test
  void aRunWithAnotherConfigurationIsRefusedAndTheCheckpointsAreKept() throws Exception {
    Path d = tmp.resolve("config");
    try (Launcher.Job j = job(d, 2, Protocol.CHANDY_LAMPORT, "--stop-after", "8").start()) {
      assertThat(await(j)).as(logs(d)).isZero();
    }
    List<GlobalVersion> before = globals(d);
    try (Launcher.Job j = job(d, 2, Protocol.CHANDY_LAMPORT, "--hidden", "32").start()) {
      assertThat(await(j)).as("a job with another model must fail").isNotZero();
    }
    assertThat(Files.readString(d.resolve("aborted"))).contains("configuration differs").contains("dense(100->64)")
        .contains("dense(100->32)").contains("are kept");
    assertThat(globals(d)).as("the committed global checkpoints are untouched").isEqualTo(before);
    // the original configuration still continues from step 8
    try (Launcher.Job j = job(d, 2, Protocol.CHANDY_LAMPORT).start()) {
      assertThat(await(j)).as(logs(d)).isZero();
    }
    assertThat(result(d)).isEqualTo(REF.done());
    assertThat(Files.readString(d.resolve("logs/rank-0.log"))).contains("rank 0 of 2: starting at step 8");
  }

  private static List<GlobalVersion> globals(Path d) {
    return GlobalVersion.list(d);
  }
}
