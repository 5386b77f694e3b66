package io.cairn.dl.djl.examples;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Dataset;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.listener.TrainingListenerAdapter;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.CosineTracker;
import ai.djl.training.tracker.WarmUpTracker;
import io.cairn.Cairn;
import io.cairn.Checkpointer;
import io.cairn.dl.data.DataLoader;
import io.cairn.dl.data.SyntheticImages;
import io.cairn.dl.djl.DjlCheckpoints;
import io.cairn.dl.djl.PreemptedException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The listener form: a DJL program trained with {@code EasyTrain.fit}, checkpointed every step by
 * {@link DjlCheckpoints} and resumed where it stopped, bit for bit, after kill -9 or SIGTERM.
 *
 * <pre>
 * java -cp ... io.cairn.dl.djl.examples.DjlTraining DIR [--epochs 3] [--every 1] [--pace MS]
 * </pre>
 * Prints {@code RESUMED s} after a restore, {@code STEP s lossbits} per step, and {@code DONE sha256} of the
 * final weights; at SIGTERM it checkpoints, prints {@code PREEMPTED s} and exits with 75 (requeue).
 * {@code --pace} sleeps after each step (tests use it to kill mid-run).
 */
public final class DjlTraining {
  private DjlTraining() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int epochs = 3, every = 1;
    long pace = 0;
    for (int i = 1; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--epochs" -> epochs = Integer.parseInt(args[i + 1]);
        case "--every" -> every = Integer.parseInt(args[i + 1]);
        case "--pace" -> pace = Long.parseLong(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Engine.getInstance().setRandomSeed(7);
    SyntheticImages data = new SyntheticImages(512, 10, 3, 0.3);
    try (Model model = Model.newInstance("mlp", "PyTorch");
        Checkpointer checkpointer = Cairn.builder().name("djl-example").directory(dir).levels("local")
            .set("interval", "none").open();
        DataLoader loader = new DataLoader(data, 16, 11, 0, 0.05)) {
      SequentialBlock block = new SequentialBlock().add(Linear.builder().setUnits(64).build()).add(Activation::relu)
          .add(Linear.builder().setUnits(4).build());
      model.setBlock(block);
      int total = epochs * loader.batchesPerEpoch();
      Adam adam = Optimizer.adam().optWeightDecays(1e-4f)
          .optLearningRateTracker(WarmUpTracker.builder().optWarmUpSteps(total / 10)
              .setMainTracker(
                  CosineTracker.builder().setBaseValue(0.01f).optFinalValue(1e-4f).setMaxUpdates(total).build())
              .build())
          .build();

      // the adapter: a listener that checkpoints every step, and the data as a dataset whose position it saves
      DjlCheckpoints cairn = new DjlCheckpoints(checkpointer, block, adam, every).configuration("epochs", epochs);
      Dataset train = cairn.dataset(loader);

      long sleep = pace;
      DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()).optOptimizer(adam)
          .addTrainingListeners(cairn, new TrainingListenerAdapter() {
            @Override
            public void onTrainingBatch(Trainer trainer, TrainingListener.BatchData batch) {
              var labels = batch.getLabels().values().iterator().next();
              var preds = batch.getPredictions().values().iterator().next();
              float loss = trainer.getLoss().evaluate(labels, preds).getFloat();
              System.out.println("STEP " + (cairn.stepsDone() - 1) + " " + Float.floatToRawIntBits(loss));
              if (sleep > 0) {
                try {
                  Thread.sleep(sleep);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
            }
          });
      try (Trainer trainer = model.newTrainer(config)) {
        trainer.initialize(new Shape(16, 100));
        cairn.restoreLatest().ifPresent(v -> System.out.println("RESUMED " + cairn.stepsDone()));
        try {
          EasyTrain.fit(trainer, cairn.remainingEpochs(epochs), train, null);
        } catch (PreemptedException e) {
          System.out.println("PREEMPTED " + e.step());
          System.out.flush();
          System.exit(PreemptedException.EXIT_CODE);
        }
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (var p : block.getParameters()) {
          NDArray a = p.getValue().getArray();
          ByteBuffer b = ByteBuffer.allocate((int) a.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
          for (float f : a.toFloatArray()) b.putFloat(f);
          sha.update(b.array());
        }
        System.out.println("DONE " + HexFormat.of().formatHex(sha.digest()));
      } finally {
        cairn.close();
      }
    }
  }
}
