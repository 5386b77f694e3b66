package io.cairn.dl.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.cairn.Cairn;
import io.cairn.Checkpointer;
import io.cairn.StateMismatchException;
import io.cairn.Version;
import io.cairn.dl.data.DataLoader;
import io.cairn.dl.data.SyntheticImages;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DJL (PyTorch engine, offline) training checkpointed through Cairn, crashed and resumed. */
class DjlAdapterTest {
  static {
    org.assertj.core.api.Assertions.setMaxElementsForPrinting(16);
  }
  static final int STEPS = 30, BATCH = 16, SIDE = 10;

  @TempDir
  Path dir;

  @BeforeAll
  static void engine() {
    try {
      Engine e = Engine.getEngine("PyTorch");
      assertThat(e.getEngineName()).isEqualTo("PyTorch");
    } catch (Throwable t) {
      Assumptions
          .abort("the PyTorch native library cannot be loaded here (" + t + "); the DJL adapter test is skipped");
    }
  }

  /** What a run produced. */
  record Run(List<Float> losses, float[] params, List<Version> versions) {}

  /** How to train. */
  record Opts(int every, boolean optimizerState, boolean overlap, float lr, long dataSeed, boolean adamW,
      boolean finalSave) {
    static Opts every(int k) { return new Opts(k, true, false, 0.01f, 11, false, false); }
    Opts withOverlap() { return new Opts(every, optimizerState, true, lr, dataSeed, adamW, finalSave); }
    Opts noOptimizerState() { return new Opts(every, false, overlap, lr, dataSeed, adamW, finalSave); }
    Opts lr(float v) { return new Opts(every, optimizerState, overlap, v, dataSeed, adamW, finalSave); }
    Opts dataSeed(long v) { return new Opts(every, optimizerState, overlap, lr, v, adamW, finalSave); }
    Opts withAdamW() { return new Opts(every, optimizerState, overlap, lr, dataSeed, true, finalSave); }
    Opts withFinalSave() { return new Opts(every, optimizerState, overlap, lr, dataSeed, adamW, true); }
  }

  private static Checkpointer open(Path d) {
    return Cairn.builder().name("djl").directory(d).levels("local").set("level.local.keep", "100")
        .set("interval", "none").set("signals", "false").open();
  }

  /**
   * Trains to {@code until} steps (resuming from {@code d} if it holds a checkpoint) with DJL's own
   * trainer calls (forward, backward, listeners, step), as a hand-written loop does.
   */
  static Run train(Path d, int until, Opts o) {
    Engine.getInstance().setRandomSeed(7);
    SyntheticImages data = new SyntheticImages(512, SIDE, 3, 0.3);
    List<Float> losses = new ArrayList<>();
    try (Model model = Model.newInstance("mlp", "PyTorch");
        Checkpointer c = open(d);
        DataLoader loader = new DataLoader(data, BATCH, o.dataSeed(), 0, 0.05)) {
      SequentialBlock block = new SequentialBlock().add(Linear.builder().setUnits(32).build()).add(Activation::relu)
          .add(Linear.builder().setUnits(4).build());
      model.setBlock(block);
      Optimizer opt = o.adamW()
          ? Optimizer.adamW().optLearningRateTracker(Tracker.fixed(o.lr())).build()
          : Optimizer.adam().optLearningRateTracker(Tracker.fixed(o.lr())).build();
      try (DjlCheckpoints ck = new DjlCheckpoints(c, block, opt, o.every(), o.optimizerState()).data(loader)
          .skipWhenBusy(o.adamW() || skip)) {
        if (beforeCommit != null) ck.beforeCommit(beforeCommit);
        DefaultTrainingConfig cfg = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()).optOptimizer(opt)
            .addTrainingListeners(ck);
        try (Trainer trainer = model.newTrainer(cfg)) {
          trainer.initialize(new Shape(BATCH, SIDE * SIDE));
          ck.restoreLatest();
          for (long s = ck.stepsDone(); s < until; s++) {
            DataLoader.Batch b = loader.next();
            float[] x = new float[BATCH * SIDE * SIDE];
            float[] y = new float[BATCH];
            for (int i = 0; i < BATCH; i++) {
              System.arraycopy(b.inputs()[i], 0, x, i * SIDE * SIDE, SIDE * SIDE);
              y[i] = b.labels()[i];
            }
            try (NDManager m = trainer.getManager().newSubManager()) {
              NDArray xa = m.create(x, new Shape(BATCH, SIDE * SIDE));
              NDArray ya = m.create(y, new Shape(BATCH));
              try (GradientCollector gc = trainer.newGradientCollector()) {
                NDList pred = trainer.forward(new NDList(xa));
                NDArray loss = trainer.getLoss().evaluate(new NDList(ya), pred);
                gc.backward(loss);
                losses.add(loss.getFloat());
              }
              trainer.notifyListeners(
                  l -> l.onTrainingBatch(trainer, new TrainingListener.BatchData(null, Map.of(), Map.of())));
              trainer.step();
              if (o.overlap()) ck.afterStep();
            }
          }
          if (afterLoop != null) afterLoop.run();
          if (o.finalSave()) ck.checkpoint(); // between steps, e.g. at a stop
          return new Run(losses, params(block), null);
        } finally {
          ck.awaitIdle();
          coalescedOut = ck.coalesced();
          skippedOut = ck.skipped();
          bufferWaitsOut = List.copyOf(ck.bufferWaitNanos());
        }
      } finally {
        versionsOut = c.versions();
      }
    }
  }

  static List<Version> versionsOut;
  static long coalescedOut, skippedOut;
  static List<Long> bufferWaitsOut;
  static java.util.function.LongConsumer beforeCommit; // set by a test: runs on the committer before each commit
  static Runnable afterLoop; // set by a test: runs after the last step of train()
  static boolean skip; // skipWhenBusy

  @org.junit.jupiter.api.AfterEach
  void hooks() {
    beforeCommit = null;
    afterLoop = null;
    skip = false;
  }

  static float[] params(ai.djl.nn.Block block) {
    List<float[]> ps = new ArrayList<>();
    int n = 0;
    for (var p : block.getParameters()) {
      float[] a = p.getValue().getArray().toFloatArray();
      ps.add(a);
      n += a.length;
    }
    float[] all = new float[n];
    int o = 0;
    for (float[] a : ps) { System.arraycopy(a, 0, all, o, a.length); o += a.length; }
    return all;
  }

  private Run reference() { return train(dir.resolve("ref"), STEPS, Opts.every(0)); }

  @Test
  void crashAndResumeGivesTheSameWeights() {
    Run ref = reference();
    assertThat(ref.losses().getLast()).isLessThan(ref.losses().getFirst()); // it learns
    train(dir.resolve("run"), 17, Opts.every(5)); // checkpoints at steps 5, 10, 15; "crash" at 17
    Run resumed = train(dir.resolve("run"), STEPS, Opts.every(5));
    assertThat(resumed.losses()).hasSize(STEPS - 15);
    assertThat(resumed.losses()).isEqualTo(ref.losses().subList(15, STEPS));
    assertThat(resumed.params()).isEqualTo(ref.params());
    // the resume does not write a checkpoint of the state it restored (15 again): 5, 10, 15, 20, 25 (10 or 20 may have been
    // superseded before their commit started by the next one when a commit took longer than 5 steps: coalescing)
    assertThat(versionsOut.stream().map(Version::step).toList()).isSubsetOf(5L, 10L, 15L, 20L, 25L).contains(15L, 25L)
        .doesNotHaveDuplicates().isSorted();
  }

  @Test
  void everyStepTwoPhaseWithAndWithoutTheOverlappedCopyIsBitIdentical() {
    Run ref = reference();
    for (Opts o : List.of(Opts.every(1), Opts.every(1).withOverlap())) {
      Path d = dir.resolve(o.overlap() ? "overlap" : "plain");
      train(d, 17, o);
      // every step 1..16 checkpointed (one per onTrainingBatch after the first); when a commit is slower than a step, the
      // newer checkpoint supersedes the queued one (coalescing): versions are then fewer, but the newest is committed
      assertThat(versionsOut.getLast().step()).isEqualTo(16);
      assertThat(versionsOut.size() + coalescedOut).isEqualTo(16);
      assertThat(bufferWaitsOut).allMatch(n -> n < 50_000_000L); // a capture never waits for a commit (3 buffers)
      Run resumed = train(d, STEPS, o);
      assertThat(resumed.losses()).as("overlap=%s", o.withOverlap()).isEqualTo(ref.losses().subList(16, STEPS));
      assertThat(resumed.params()).as("overlap=%s", o.withOverlap()).isEqualTo(ref.params());
    }
  }

  /**
   * Commits slower than steps (the first commit is held until the 17th step has trained): the training thread never
   * waits for a staging buffer; each newer checkpoint supersedes the queued one, so when the first commit (step 1) ends
   * the newest state (step 16) is committed next, and resuming from it is bit-identical. With skipWhenBusy the queued
   * one (normally step 2) is kept and the later ones are skipped instead.
   */
  @Test
  void slowCommitsAreCoalescedAndNeverStallTheStep() throws Exception {
    Run ref = reference();
    for (boolean skipping : List.of(false, true)) {
      for (Opts o : List.of(Opts.every(1), Opts.every(1).withOverlap())) {
        Path d = dir.resolve("slow-" + skipping + "-" + o.overlap());
        java.util.concurrent.CountDownLatch trained = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean first = new java.util.concurrent.atomic.AtomicBoolean(true);
        beforeCommit = step -> {
          try {
            if (first.getAndSet(false) && !trained.await(120, java.util.concurrent.TimeUnit.SECONDS))
              throw new IllegalStateException("training did not end");
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        };
        afterLoop = trained::countDown;
        skip = skipping;
        train(d, 17, o);
        beforeCommit = null;
        afterLoop = null;
        String what = "skipWhenBusy=" + skipping + ", overlap=" + o.overlap();
        assertThat(bufferWaitsOut).as(what).allMatch(n -> n < 50_000_000L);
        // the first commit (normally step 1) held; then one more: the newest (16), or with skipWhenBusy the one queued then
        assertThat(versionsOut).as(what).hasSizeBetween(1, 2);
        if (skipping) {
          assertThat(versionsOut.size() + skippedOut).as(what).isEqualTo(16);
          assertThat(skippedOut).as(what).isGreaterThanOrEqualTo(14);
        } else {
          assertThat(versionsOut.getLast().step()).as(what).isEqualTo(16);
          assertThat(versionsOut.size() + coalescedOut).as(what).isEqualTo(16);
          assertThat(coalescedOut).as(what).isGreaterThanOrEqualTo(14);
        }
        int from = (int) versionsOut.getLast().step();
        skip = false;
        Run resumed = train(d, STEPS, Opts.every(5));
        assertThat(resumed.losses()).as(what).isEqualTo(ref.losses().subList(from, STEPS));
        assertThat(resumed.params()).as(what).isEqualTo(ref.params());
      }
    }
  }

  @Test
  void anExplicitCheckpointBetweenStepsResumesBitIdentically() {
    Run ref = reference();
    train(dir.resolve("final"), 17, Opts.every(5).withFinalSave()); // periodic at 5, 10, 15 plus a final save after step 17
    assertThat(versionsOut.getLast().step()).isEqualTo(17);
    Run resumed = train(dir.resolve("final"), STEPS, Opts.every(5));
    assertThat(resumed.losses()).isEqualTo(ref.losses().subList(17, STEPS));
    assertThat(resumed.params()).isEqualTo(ref.params());
  }

  @Test
  void withoutAdamStateTheResumeDiffers() {
    Run ref = train(dir.resolve("ref2"), STEPS, Opts.every(0).noOptimizerState());
    train(dir.resolve("noadam"), 17, Opts.every(5).noOptimizerState());
    Run resumed = train(dir.resolve("noadam"), STEPS, Opts.every(5).noOptimizerState());
    assertThat(resumed.losses().getFirst()).isEqualTo(ref.losses().get(15)); // weights and data restored
    assertThat(resumed.params()).isNotEqualTo(ref.params()); // moments and counts were not
  }

  /** AdamW, every step, overlapped copy, and skipWhenBusy (a step whose both staging buffers are still committing is skipped). */
  @Test
  void adamWResumesBitIdentically() {
    Run ref = train(dir.resolve("refw"), STEPS, Opts.every(0).withAdamW());
    train(dir.resolve("adamw"), 17, Opts.every(1).withAdamW().withOverlap());
    assertThat(versionsOut).isNotEmpty().hasSizeLessThanOrEqualTo(16);
    int from = (int) versionsOut.getLast().step();
    Run resumed = train(dir.resolve("adamw"), STEPS, Opts.every(1).withAdamW().withOverlap());
    assertThat(resumed.losses()).isEqualTo(ref.losses().subList(from, STEPS));
    assertThat(resumed.params()).isEqualTo(ref.params());
  }

  @Test
  void otherOptimizersAreRefusedByName() {
    try (Checkpointer c = open(dir.resolve("sgd"))) {
      assertThatThrownBy(() -> new DjlCheckpoints(c, new SequentialBlock(),
          Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.1f)).build(), 1))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Adam and AdamW only")
          .hasMessageContaining("ai.djl.training.optimizer.Sgd");
    }
  }

  @Test
  void anotherConfigurationIsRefusedClearlyAndTheCheckpointStaysUsable() {
    Run ref = reference();
    Path d = dir.resolve("cfg");
    train(d, 12, Opts.every(5));
    // another learning rate, another data seed, another optimizer: each refused naming the difference, several times
    for (int i = 0; i < 4; i++) {
      assertThatThrownBy(() -> train(d, STEPS, Opts.every(5).lr(0.02f)))
          .isInstanceOf(ConfigurationMismatchException.class).isInstanceOf(StateMismatchException.class)
          .hasMessageContaining("optimizer.learningRateTracker.value: checkpoint 0.01, this run 0.02")
          .hasMessageContaining("the checkpoint is intact").hasMessageNotContaining("damaged")
          .hasMessageNotContaining("corrupt");
    }
    assertThatThrownBy(() -> train(d, STEPS, Opts.every(5).dataSeed(12)))
        .isInstanceOf(ConfigurationMismatchException.class)
        .hasMessageContaining("data.seed: checkpoint 11, this run 12");
    assertThatThrownBy(() -> train(d, STEPS, Opts.every(5).withAdamW()))
        .isInstanceOf(ConfigurationMismatchException.class).hasMessageContaining(
            "optimizer.type: checkpoint ai.djl.training.optimizer.Adam, this run ai.djl.training.optimizer.AdamW");
    // a run without the optimizer state (other regions) is refused by configuration too, not as damage
    assertThatThrownBy(() -> train(d, STEPS, Opts.every(5).noOptimizerState()))
        .isInstanceOf(ConfigurationMismatchException.class)
        .hasMessageContaining("optimizer.state: checkpoint saved, this run NOT saved");
    // the refusals cost nothing: the right configuration resumes from step 10, bit-identically
    Run resumed = train(d, STEPS, Opts.every(5));
    assertThat(resumed.losses()).isEqualTo(ref.losses().subList(10, STEPS));
    assertThat(resumed.params()).isEqualTo(ref.params());
  }

  @Test
  void theIntraOpThreadCountIsRecordedAndChecked() throws Exception {
    Path d = dir.resolve("threads");
    train(d, 7, Opts.every(5));
    Class<?> jni = Class.forName("ai.djl.pytorch.jni.JniUtils");
    int before = (Integer) jni.getMethod("getNumThreads").invoke(null);
    jni.getMethod("setNumThreads", int.class).invoke(null, before + 1);
    try {
      assertThatThrownBy(() -> train(d, STEPS, Opts.every(5))).isInstanceOf(ConfigurationMismatchException.class)
          .hasMessageContaining("engine.intra-op threads: checkpoint " + before + ", this run " + (before + 1));
    } finally {
      jni.getMethod("setNumThreads", int.class).invoke(null, before);
    }
    assertThat(train(d, 12, Opts.every(5)).losses()).hasSize(7);
  }
}
