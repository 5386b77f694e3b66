package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cluster.examples.Heat;
import io.cairn.cluster.examples.PingPong;
import io.cairn.cluster.internal.Dependencies;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Independent checkpoints with a recovery line computed from the recorded dependencies: after kill -9 of a rank every
 * rank restores its checkpoint on the line and the job ends bit-identical; on a ping-pong the line falls back to the
 * initial state (the domino effect).
 */
class IndependentRecoveryTest {
  @TempDir
  Path dir;

  /** Lines of {@code <job>/recoveries} with the given event, split into fields after the time. */
  static List<String[]> events(Path job, String kind) throws Exception {
    List<String[]> out = new ArrayList<>();
    for (String l : Files.readAllLines(job.resolve("recoveries"))) {
      String[] t = l.split(" ");
      if (t[1].equals(kind)) out.add(t);
    }
    return out;
  }

  /** Waits until every rank has recorded its checkpoint number {@code each} (or the job ended). */
  static void awaitCheckpoints(Path d, Launcher.Job job, int ranks, int each) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 60_000;
    while (!job.isDone() && System.currentTimeMillis() < deadline) {
      boolean all = true;
      for (int r = 0; r < ranks && all; r++) {
        try {
          List<Dependencies.Checkpoint> rec = Dependencies.read(d, r, ranks);
          all = !rec.isEmpty() && rec.getLast().version() >= each;
        } catch (IllegalStateException e) {
          all = false;
        }
      }
      if (all) return;
      Thread.sleep(20);
    }
  }

  @Test
  void heatRecoversFromTheRecoveryLineBitIdentical() throws Exception {
    int ranks = 4;
    int steps = 150;
    try (Launcher.Job job = Jobs
        .builder(dir, ranks, "io.cairn.cluster.examples.Heat", "--rows", "48", "--cols", "48", "--steps", "" + steps,
            "--every", "10", "--delay-ms", "8")
        .protocol(Protocol.INDEPENDENT).nodes(2).start()) {
      awaitCheckpoints(dir, job, ranks, 3);
      RecoveryLine before = RecoveryLine.of(dir);
      assertThat(before.initialState())
          .as("checkpoints at the same step after the halo exchange are consistent: " + before).isFalse();
      assertThat(job.kill(2)).as("rank 2 was killed (false: the job ended before the kill)").isTrue();
      assertThat(Jobs.await(job, Duration.ofSeconds(120))).as(Jobs.logs(dir)).isZero();
      assertThat(job.restarts()).isEqualTo(1);
    }
    assertThat(Files.readAllBytes(dir.resolve("heat-result.bin"))).as("final grid")
        .isEqualTo(Heat.reference(48, 48, steps));
    // the coordinator rolled every rank back to its checkpoint on the line (one at the same step on every rank), not to the start
    List<String[]> rollbacks = events(dir, "rollback");
    assertThat(rollbacks).as(Files.readString(dir.resolve("recoveries"))).hasSize(2); // the start, then the failure: one recovery
    String[] failure = rollbacks.get(1);
    assertThat(failure[3]).startsWith("line=").doesNotContain("line=0,0,0,0");
    long epoch = Long.parseLong(failure[2]);
    List<String[]> restored = events(dir, "restored").stream().filter(t -> Long.parseLong(t[2]) == epoch).toList();
    assertThat(restored).hasSize(ranks);
    assertThat(restored.stream().map(t -> t[5]).distinct().toList()).as("every rank restored the same step").hasSize(1);
    assertThat(Long.parseLong(restored.getFirst()[5])).isPositive();
    assertThat(events(dir, "finished")).hasSize(1);
  }

  @Test
  void pingPongShowsTheDominoEffect() throws Exception {
    int rounds = 50;
    // every checkpoint is kept (no retention), so the line could use any of them
    try (Launcher.Job job = Jobs
        .builder(dir, 2, "io.cairn.cluster.examples.PingPong", "--rounds", "" + rounds, "--every", "1", "--delay-ms",
            "5")
        .protocol(Protocol.INDEPENDENT).nodes(1).env("CAIRN_CLUSTER_KEEP", "1000").start()) {
      awaitCheckpoints(dir, job, 2, 10);
      // the domino effect on the records themselves: many checkpoints, none usable
      RecoveryLine line = RecoveryLine.of(dir);
      assertThat(line.parts()).allSatisfy(p -> assertThat(p.checkpointsLost()).isGreaterThanOrEqualTo(10));
      assertThat(line.initialState()).as(line.toString()).isTrue();
      assertThat(line.rollbacks()).as("one rollback forcing the next, through every checkpoint")
          .hasSizeGreaterThanOrEqualTo(20);
      assertThat(line.rollbacks().getLast()).contains("its initial state");
      assertThat(job.kill(1)).as("rank 1 was killed (false: the job ended before the kill)").isTrue();
      assertThat(Jobs.await(job, Duration.ofSeconds(120))).as(Jobs.logs(dir)).isZero();
      // rank 0 cannot roll back in place to its initial state: it exits for a fresh process
      assertThat(job.restarts()).isEqualTo(2);
    }
    assertThat(Long.parseLong(Files.readString(dir.resolve("pingpong-result.txt")).trim()))
        .isEqualTo(PingPong.reference(rounds, 2));
    List<String[]> rollbacks = events(dir, "rollback");
    assertThat(rollbacks.size()).isGreaterThanOrEqualTo(2);
    for (String[] r : rollbacks) assertThat(r[3]).as("every recovery line is the initial state").isEqualTo("line=0,0");
    List<String[]> restored = events(dir, "restored");
    long lastEpoch = Long.parseLong(rollbacks.getLast()[2]);
    assertThat(restored.stream().filter(t -> Long.parseLong(t[2]) == lastEpoch).map(t -> t[3] + " " + t[4] + " " + t[5])
        .toList())
        .containsExactlyInAnyOrder("0 0 0", "1 0 0");
  }
}
