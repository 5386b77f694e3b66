package io.cairn.dl.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Dataset;
import ai.djl.translate.Batchifier;
import ai.djl.util.Progress;
import io.cairn.dl.data.DataLoader;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Cairn's keyed {@link DataLoader} as a DJL {@link Dataset} (made by {@link DjlCheckpoints#dataset}): each
 * {@code getData} yields the rest of the loader's current epoch, from wherever the loader stands (after a
 * restore: the saved position). Drawing a batch first lets the checkpoint listener start the background
 * copy of the state the previous {@code trainer.step()} produced.
 */
final class CairnDataset implements Dataset {
  private final DataLoader loader;
  private final DjlCheckpoints listener;

  /** @param listener the checkpoint listener to tell when a step is done (null: none) */
  CairnDataset(DataLoader loader, DjlCheckpoints listener) {
    this.loader = loader;
    this.listener = listener;
  }

  @Override
  public Iterable<Batch> getData(NDManager manager) {
    long epoch = loader.epoch();
    long total = loader.batchesPerEpoch();
    return () -> new Iterator<>() {
      @Override
      public boolean hasNext() { return loader.epoch() == epoch; }

      @Override
      public Batch next() {
        if (!hasNext()) throw new NoSuchElementException("epoch " + epoch + " is done");
        if (listener != null) listener.afterStep(); // the previous batch's step is done (EasyTrain: step, close, next)
        long progress = loader.index() / loader.batchSize();
        DataLoader.Batch b = loader.next();
        int n = b.labels().length, in = b.inputs()[0].length;
        float[] x = new float[n * in];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
          System.arraycopy(b.inputs()[i], 0, x, i * in, in);
          y[i] = b.labels()[i];
        }
        NDManager m = manager.newSubManager();
        NDArray xa = m.create(x, new Shape(n, in));
        NDArray ya = m.create(y, new Shape(n));
        return new Batch(m, new NDList(xa), new NDList(ya), n, Batchifier.STACK, Batchifier.STACK, progress, total);
      }
    };
  }

  @Override
  public void prepare(Progress progress) {}
}
