package io.cairn.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.cluster.internal.RecoveryLines.Criterion;
import io.cairn.cluster.internal.RecoveryLines.Cut;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The recovery line against a brute-force search over every combination of checkpoints, on seeded random executions. */
class RecoveryLinesTest {

  /** A random execution of n ranks over FIFO channels: sends, deliveries and checkpoints in a random order. */
  static List<List<Cut>> randomHistory(SplittableRandom rnd, int n, int maxCheckpoints, int events) {
    long[][] sent = new long[n][n];
    long[][] delivered = new long[n][n];
    List<ArrayDeque<Integer>> channels = new ArrayList<>(); // channel i*n+j: messages in flight (their numbers)
    for (int c = 0; c < n * n; c++) channels.add(new ArrayDeque<>());
    List<List<Cut>> h = new ArrayList<>();
    for (int r = 0; r < n; r++) h.add(new ArrayList<>());
    for (int e = 0; e < events; e++) {
      int kind = rnd.nextInt(10);
      int i = rnd.nextInt(n);
      if (kind < 4) { // send i -> j
        int j = rnd.nextInt(n);
        if (j == i) continue;
        channels.get(i * n + j).add((int) ++sent[i][j]);
      } else if (kind < 8) { // j receives the oldest message of a channel towards it
        int s = rnd.nextInt(n);
        ArrayDeque<Integer> q = channels.get(s * n + i);
        if (q.isEmpty()) continue;
        int k = q.poll();
        delivered[i][s]++;
        assertThat((long) k).as("FIFO").isEqualTo(delivered[i][s]);
      } else if (h.get(i).size() < maxCheckpoints) {
        h.get(i).add(new Cut(sent[i], delivered[i]));
      }
    }
    return h;
  }

  /** Every combination; returns the consistent lines. */
  static List<int[]> bruteForce(List<List<Cut>> h, Criterion c) {
    int n = h.size();
    List<int[]> out = new ArrayList<>();
    int[] line = new int[n];
    while (true) {
      if (RecoveryLines.consistent(h, line, c)) out.add(line.clone());
      int r = 0;
      while (r < n && line[r] == h.get(r).size()) line[r++] = 0;
      if (r == n) return out;
      line[r]++;
    }
  }

  @ParameterizedTest
  @EnumSource(Criterion.class)
  void theLineIsTheGreatestConsistentOneOnRandomHistories(Criterion criterion) {
    SplittableRandom seeds = new SplittableRandom(20261207L + criterion.ordinal());
    int histories = Boolean.getBoolean("cairn.soak") ? 20_000 : 2_000;
    int notAtTheNewest = 0;
    int atInitial = 0;
    for (int t = 0; t < histories; t++) {
      long seed = seeds.nextLong();
      SplittableRandom rnd = new SplittableRandom(seed);
      int n = 2 + rnd.nextInt(3);
      List<List<Cut>> h = randomHistory(rnd, n, 1 + rnd.nextInt(4), 10 + rnd.nextInt(50));
      int[] line = RecoveryLines.compute(h, criterion);
      String what = "seed " + seed + ", " + n + " ranks, line " + java.util.Arrays.toString(line);
      assertThat(RecoveryLines.consistent(h, line, criterion)).as(what + " is consistent").isTrue();
      List<int[]> all = bruteForce(h, criterion);
      assertThat(all).as("the initial state is always consistent").isNotEmpty();
      for (int[] other : all) {
        for (int r = 0; r < n; r++)
          assertThat(other[r])
              .as(what + ": consistent line " + java.util.Arrays.toString(other) + " is newer at rank " + r)
              .isLessThanOrEqualTo(line[r]);
      }
      boolean newest = true;
      boolean initial = true;
      for (int r = 0; r < n; r++) {
        newest &= line[r] == h.get(r).size();
        initial &= line[r] == 0;
      }
      if (!newest) notAtTheNewest++;
      if (initial) atInitial++;
    }
    // the histories exercise the interesting cases: lines that roll back, and lines that fall back to the start
    assertThat(notAtTheNewest).as("histories whose line is not the newest checkpoints").isGreaterThan(histories / 5);
    assertThat(atInitial).as("histories whose line is the initial state").isPositive();
  }

  @Test
  void noInTransitIsStricterThanNoOrphans() {
    SplittableRandom rnd = new SplittableRandom(5);
    int stricter = 0;
    for (int t = 0; t < 1000; t++) {
      List<List<Cut>> h = randomHistory(rnd, 3, 3, 40);
      int[] a = RecoveryLines.compute(h, Criterion.NO_ORPHANS);
      int[] b = RecoveryLines.compute(h, Criterion.NO_ORPHANS_NO_IN_TRANSIT);
      for (int r = 0; r < 3; r++) assertThat(b[r]).isLessThanOrEqualTo(a[r]);
      if (!java.util.Arrays.equals(a, b)) stricter++;
    }
    assertThat(stricter).isPositive();
  }

  /** Ping-pong with each rank checkpointing between a receive and its next send: every checkpoint is unusable (domino). */
  @Test
  void pingPongDominoFallsBackToTheInitialState() {
    long[] s0 = new long[2], d0 = new long[2], s1 = new long[2], d1 = new long[2];
    List<List<Cut>> h = List.of(new ArrayList<>(), new ArrayList<>());
    for (int round = 0; round < 10; round++) {
      s0[1]++; // 0 sends ping
      d1[0]++; // 1 receives it
      h.get(1).add(new Cut(s1, d1)); // 1 checkpoints between its receive and its send
      s1[0]++; // 1 sends pong
      d0[1]++; // 0 receives it
      h.get(0).add(new Cut(s0, d0)); // 0 checkpoints between its receive and its next send
    }
    List<RecoveryLines.Step> steps = new ArrayList<>();
    assertThat(RecoveryLines.compute(h, Criterion.NO_ORPHANS, steps)).containsExactly(0, 0);
    assertThat(steps.size()).as("one rollback after the other").isGreaterThanOrEqualTo(10);
    assertThat(RecoveryLines.compute(h, Criterion.NO_ORPHANS_NO_IN_TRANSIT)).containsExactly(0, 0);
    // checkpoints taken at the same point of both ranks (after a round) form a line: the newest one
    List<List<Cut>> aligned = List.of(List.of(new Cut(new long[]{0, 3}, new long[]{0, 3})),
        List.of(new Cut(new long[]{3, 0}, new long[]{3, 0})));
    assertThat(RecoveryLines.compute(aligned, Criterion.NO_ORPHANS_NO_IN_TRANSIT)).containsExactly(1, 1);
  }

  @Test
  void refusesHistoriesThatAreNotOfOneExecution() {
    List<List<Cut>> h = List.of(
        List.of(new Cut(new long[]{0, 3}, new long[]{0, 1}), new Cut(new long[]{0, 2}, new long[]{0, 1})), List.of());
    assertThatThrownBy(() -> RecoveryLines.compute(h, Criterion.NO_ORPHANS))
        .hasMessageContaining("rank 0, checkpoint 2: message counts decrease");
    List<List<Cut>> wrongSize = List.of(List.of(new Cut(new long[3], new long[3])), List.of());
    assertThatThrownBy(() -> RecoveryLines.compute(wrongSize, Criterion.NO_ORPHANS))
        .hasMessageContaining("counts for 3 ranks in a job of 2");
  }
}
