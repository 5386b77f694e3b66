package io.cairn.dl.djl;

import static org.assertj.core.api.Assertions.assertThat;

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
import ai.djl.training.optimizer.Adam;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.cairn.Cairn;
import io.cairn.Checkpointer;
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
  static { org.assertj.core.api.Assertions.setMaxElementsForPrinting(16); }
  static final int STEPS = 30, BATCH = 16, SIDE = 10;

  @TempDir Path dir;

  @BeforeAll static void engine() {
    try {
      Engine e = Engine.getEngine("PyTorch");
      assertThat(e.getEngineName()).isEqualTo("PyTorch");
    } catch (Throwable t) {
      Assumptions.abort("the PyTorch native library cannot be loaded here (" + t + "); the DJL adapter test is skipped");
    }
  }

  /** What a run produced. */
  record Run(List<Float> losses, float[] params) { }

  private static Checkpointer open(Path d) {
    return Cairn.builder().name("djl").directory(d).levels("local").set("interval", "none").set("signals", "false").open();
  }

  /**
   * Trains to {@code until} steps (resuming from {@code d} if it holds a checkpoint), checkpointing every
   * {@code every} steps; {@code optimizerState=false} leaves Adam's state out.
   */
  private static Run train(Path d, int until, int every, boolean optimizerState) {
    Engine.getInstance().setRandomSeed(7);
    SyntheticImages data = new SyntheticImages(512, SIDE, 3, 0.3);
    List<Float> losses = new ArrayList<>();
    try (Model model = Model.newInstance("mlp", "PyTorch"); Checkpointer c = open(d);
         DataLoader loader = new DataLoader(data, BATCH, 11, 0, 0.05)) {
      SequentialBlock block = new SequentialBlock().add(Linear.builder().setUnits(32).build()).add(Activation::relu)
          .add(Linear.builder().setUnits(4).build());
      model.setBlock(block);
      Adam adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.01f)).build();
      DjlCheckpoints ck = new DjlCheckpoints(c, block, adam, every, optimizerState).extra("loader", loader.beforeLastBatch());
      DefaultTrainingConfig cfg = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()).optOptimizer(adam).addTrainingListeners(ck);
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
            trainer.notifyListeners(l -> l.onTrainingBatch(trainer, new TrainingListener.BatchData(null, Map.of(), Map.of())));
            trainer.step();
          }
        }
        List<float[]> ps = new ArrayList<>();
        int n = 0;
        for (var p : block.getParameters()) { float[] a = p.getValue().getArray().toFloatArray(); ps.add(a); n += a.length; }
        float[] all = new float[n];
        int o = 0;
        for (float[] a : ps) { System.arraycopy(a, 0, all, o, a.length); o += a.length; }
        return new Run(losses, all);
      }
    }
  }

  @Test void crashAndResumeGivesTheSameWeights() {
    Run ref = train(dir.resolve("ref"), STEPS, 0, true);
    assertThat(ref.losses().getLast()).isLessThan(ref.losses().getFirst()); // it learns
    train(dir.resolve("run"), 17, 5, true);             // checkpoints after steps 5, 10, 15; "crash" at 17
    Run resumed = train(dir.resolve("run"), STEPS, 5, true);
    assertThat(resumed.losses()).hasSize(STEPS - 15);
    assertThat(resumed.losses()).isEqualTo(ref.losses().subList(15, STEPS));
    assertThat(resumed.params()).isEqualTo(ref.params());
  }

  @Test void withoutAdamStateTheResumeDiffers() {
    Run ref = train(dir.resolve("ref2"), STEPS, 0, false);
    train(dir.resolve("noadam"), 17, 5, false);
    Run resumed = train(dir.resolve("noadam"), STEPS, 5, false);
    assertThat(resumed.losses().getFirst()).isEqualTo(ref.losses().get(15)); // weights and data restored
    assertThat(resumed.params()).isNotEqualTo(ref.params());                 // moments and counts were not
  }
}
