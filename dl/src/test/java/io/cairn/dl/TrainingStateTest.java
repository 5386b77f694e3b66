package io.cairn.dl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.Checkpointer;
import io.cairn.dl.train.Trainer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** In-process crash (the trainer is dropped without any shutdown) and resume. */
class TrainingStateTest {
  static {
    org.assertj.core.api.Assertions.setMaxElementsForPrinting(16);
  }

  @TempDir
  Path dir;

  private static DemoRun.Options opts(Path d) {
    return new DemoRun.Options().dir(d).steps(40).every(6).workers(2).schedule("plateau").dropout(0.3);
  }

  /** Trains to {@code crashAt} steps with checkpoints, then "crashes": nothing after the last checkpoint survives. */
  private static void runUntilCrash(DemoRun.Options o, long crashAt) {
    DemoRun.Options first = copy(o).steps(crashAt);
    DemoRun.run(first, null);
  }

  private static DemoRun.Options copy(DemoRun.Options o) {
    DemoRun.Options c = new DemoRun.Options().dir(o.dir).model(o.model).optimizer(o.optimizer).schedule(o.schedule)
        .seed(o.seed)
        .workers(o.workers).steps(o.steps).every(o.every).mode(o.mode).allowIncomplete(o.allowIncomplete)
        .samples(o.samples)
        .batch(o.batch).prefetch(o.prefetch).hidden(o.hidden).dropout(o.dropout);
    o.omit.forEach(c::omit);
    return c;
  }

  @Test
  void resumeIsBitIdenticalInBothModesAndAcrossAChangeOfWorkers() {
    DemoRun.Result ref = DemoRun.run(copy(opts(null)).mode(DemoRun.Mode.NONE), null);
    int i = 0;
    for (DemoRun.Mode m : new DemoRun.Mode[]{DemoRun.Mode.TWO_PHASE, DemoRun.Mode.BLOCKING}) {
      DemoRun.Options o = opts(dir.resolve("run" + i++)).mode(m);
      runUntilCrash(o, 23); // last checkpoint at step 18: steps 19..23 are lost
      DemoRun.Result r = DemoRun.run(copy(o).workers(4), null);
      assertThat(r.restored()).isPresent();
      assertThat(r.restoredStep()).isEqualTo(18);
      assertThat(r.params()).isEqualTo(ref.params());
      assertThat(r.metrics().losses()).isEqualTo(ref.metrics().losses());
      assertThat(r.metrics().sampleHashes()).isEqualTo(ref.metrics().sampleHashes());
      assertThat(r.metrics().learningRates()).isEqualTo(ref.metrics().learningRates());
    }
  }

  @Test
  void leavingOutTheLoaderPositionOrTheDropoutOffsetOrTheMomentsBreaksTheReplay() {
    DemoRun.Result ref = DemoRun.run(copy(opts(null)).mode(DemoRun.Mode.NONE), null);
    int i = 0;
    for (String left : List.of("loader", "rng", "optimizer.m", "optimizer.v")) {
      DemoRun.Options o = opts(dir.resolve("omit" + i++)).omit(left).allowIncomplete(true);
      runUntilCrash(o, 20);
      DemoRun.Result r = DemoRun.run(copy(o), null);
      assertThat(r.restoredStep()).isEqualTo(18);
      assertThat(DemoRun.hash(r.params())).as("weights after resuming without '%s'", left)
          .isNotEqualTo(DemoRun.hash(ref.params()));
      // the steps before the checkpoint are the same; the difference starts after the resume
      double[] l = r.metrics().losses(), lr = ref.metrics().losses();
      for (int s = 0; s < 18; s++) assertThat(l[s]).isEqualTo(lr[s]);
    }
  }

  @Test
  void restoreRefusesACheckpointWithoutAReplayRelevantVariable() {
    DemoRun.Options o = opts(dir.resolve("a")).omit("loader");
    runUntilCrash(o, 13);
    // same (incomplete) configuration, but incomplete state not allowed
    assertThatThrownBy(() -> DemoRun.run(copy(o), null)).isInstanceOf(IncompleteStateException.class)
        .hasMessageContaining("loader").hasMessageContaining("not in the checkpoint");
    // full configuration against the incomplete checkpoint: the core notices the missing region
    DemoRun.Options full = opts(dir.resolve("a"));
    assertThatThrownBy(() -> DemoRun.run(full, null)).isInstanceOf(IncompleteStateException.class)
        .hasMessageContaining("'loader' is protected but not in the checkpoint");
  }

  @Test
  void restoreRefusesADifferentConfiguration() {
    DemoRun.Options o = opts(dir.resolve("b"));
    runUntilCrash(o, 13);
    assertThatThrownBy(() -> DemoRun.run(copy(o).dropout(0.2), null)).isInstanceOf(IncompleteStateException.class)
        .hasMessageContaining("configuration differs").hasMessageContaining("dropout(64,p=0.2)");
    // a different batch size is already refused by the loader itself
    assertThatThrownBy(() -> DemoRun.run(copy(o).batch(32), null)).isInstanceOf(io.cairn.CairnException.class)
        .hasMessageContaining("checkpoint has batch 16 over 512 samples, this run 32");
  }

  @Test
  void refusedResumesNeverCountAgainstTheCheckpoint() {
    // issue #24 defect 1: three refused resumes made every checkpoint unrestorable for the right
    // configuration, and three wrong-seed resumes silently resumed one version back
    DemoRun.Options o = opts(dir.resolve("r"));
    runUntilCrash(o, 23); // checkpoints at 6, 12, 18
    for (int i = 0; i < 4; i++) {
      assertThatThrownBy(() -> DemoRun.run(copy(o).seed(o.seed + 1), null))
          .isInstanceOf(io.cairn.StateMismatchException.class)
          .hasMessageContaining("checkpoint version 3").hasMessageContaining("configuration differs");
      assertThatThrownBy(() -> DemoRun.run(copy(o).batch(32), null)).isInstanceOf(io.cairn.StateMismatchException.class)
          .hasMessageContaining("checkpoint has batch 16 over 512 samples, this run 32");
    }
    DemoRun.Result r = DemoRun.run(copy(o).steps(18), null);
    assertThat(r.restored()).isPresent();
    assertThat(r.restoredStep()).isEqualTo(18);
  }

  @Test
  void weightsAloneCanBeRestoredIntoARunWithAnotherOptimizer() {
    DemoRun.Options o = opts(dir.resolve("w"));
    DemoRun.Result saved = DemoRun.run(copy(o).steps(12), null); // checkpoints at 6 (and 12 is the end: none)
    long v;
    float[] at6;
    try (Checkpointer ck = DemoRun.checkpointer(o.dir, false); Trainer t = DemoRun.trainer(copy(o))) {
      TrainingState st = TrainingState.of(t).attach(ck);
      v = ck.versions().getLast().number();
      assertThat(st.restoreLatest().orElseThrow().step()).isEqualTo(6);
      at6 = t.model().params().clone();
    }
    assertThat(at6).isNotEqualTo(saved.params());
    // fine-tuning: SGD instead of Adam (the full restore refuses that configuration), same model
    try (Checkpointer ck = DemoRun.checkpointer(o.dir, false); Trainer t = DemoRun.trainer(copy(o).optimizer("sgd"))) {
      TrainingState st = TrainingState.of(t).attach(ck);
      assertThatThrownBy(() -> st.restore(v)).isInstanceOf(IncompleteStateException.class);
      st.restoreWeights(v);
      assertThat(t.model().params()).isEqualTo(at6);
      assertThat(t.stepsDone()).as("not a resume").isZero();
    }
    // another model is refused, naming both
    try (Checkpointer ck = DemoRun.checkpointer(o.dir, false); Trainer t = DemoRun.trainer(copy(o).hidden(32))) {
      TrainingState st = TrainingState.of(t).attach(ck);
      assertThatThrownBy(() -> st.restoreWeights(v)).isInstanceOf(IncompleteStateException.class)
          .hasMessageContaining("model.params");
    }
    try (Checkpointer ck = DemoRun.checkpointer(o.dir, false); Trainer t = DemoRun.trainer(copy(o).dropout(0.2))) { // same sizes
      TrainingState st = TrainingState.of(t).attach(ck);
      assertThatThrownBy(() -> st.restoreWeights(v)).isInstanceOf(IncompleteStateException.class)
          .hasMessageContaining("model differs")
          .hasMessageContaining("dropout(64,p=0.3)").hasMessageContaining("dropout(64,p=0.2)");
    }
  }

  @Test
  void replayFromAnyCheckpointAndSegmentsInParallel() {
    DemoRun.Options o = opts(dir.resolve("c")).steps(30).every(5);
    DemoRun.Result ref = DemoRun.run(copy(o), null);
    List<io.cairn.Version> vs;
    try (Checkpointer ck = DemoRun.checkpointer(o.dir, false)) {
      vs = ck.versions();
    }
    assertThat(vs).hasSize(3); // keep 3: steps 15, 20, 25
    assertThat(vs.getFirst().step()).isEqualTo(15);
    // replay from the first kept checkpoint to step 30 with other worker counts: same bits
    int[] seen = {0};
    try (Trainer t = Replay.run(() -> DemoRun.trainer(copy(o).workers(3)), DemoRun.checkpoints(o),
        vs.getFirst().number(), 30,
        (tr, s) -> seen[0]++)) {
      assertThat(t.model().params()).isEqualTo(ref.params());
      assertThat(t.metrics().losses()).isEqualTo(ref.metrics().losses());
    }
    assertThat(seen[0]).isEqualTo(15);
    // weights at step 25 of the reference, taken by running an uninterrupted trainer to 25
    float[] at25;
    try (Trainer t = DemoRun.trainer(copy(o))) {
      while (t.stepsDone() < 25) t.step();
      at25 = t.model().params().clone();
    }
    java.util.concurrent.atomic.AtomicInteger logged = new java.util.concurrent.atomic.AtomicInteger();
    List<Trainer> ts = Replay.segments(() -> DemoRun.trainer(copy(o).workers(2)), DemoRun.checkpoints(o),
        List.of(new Replay.Segment(vs.get(0).number(), 25), new Replay.Segment(vs.get(1).number(), 25),
            new Replay.Segment(vs.get(1).number(), 30), new Replay.Segment(vs.get(2).number(), 30)),
        2,
        (tr, s) -> logged.incrementAndGet());
    try {
      assertThat(ts.get(0).model().params()).isEqualTo(at25);
      assertThat(ts.get(1).model().params()).isEqualTo(at25);
      assertThat(ts.get(2).model().params()).isEqualTo(ref.params());
      assertThat(ts.get(3).model().params()).isEqualTo(ref.params());
      assertThat(logged.get()).isEqualTo((25 - 15) + (25 - 20) + (30 - 20) + (30 - 25)); // the extra logging saw every replayed step
    } finally {
      ts.forEach(Trainer::close);
    }
  }
}
