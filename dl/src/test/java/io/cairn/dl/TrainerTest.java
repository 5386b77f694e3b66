package io.cairn.dl;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.dl.nn.Activation;
import io.cairn.dl.nn.Conv2d;
import io.cairn.dl.nn.Dense;
import io.cairn.dl.nn.Model;
import io.cairn.dl.rng.Keys;
import io.cairn.dl.train.Trainer;
import org.junit.jupiter.api.Test;

class TrainerTest {
  static {
    org.assertj.core.api.Assertions.setMaxElementsForPrinting(16);
  }

  @Test
  void dataParallelResultDoesNotDependOnTheWorkerCount() {
    for (String model : new String[]{"mlp", "cnn"}) {
      DemoRun.Options o = new DemoRun.Options().model(model).steps(12).mode(DemoRun.Mode.NONE)
          .optimizer(model.equals("mlp") ? "adam" : "sgd");
      DemoRun.Result ref = DemoRun.run(o.workers(1), null);
      for (int w : new int[]{2, 4, 8}) {
        DemoRun.Result r = DemoRun.run(o.workers(w), null);
        assertThat(r.params()).as("%s weights with %d workers", model, w).isEqualTo(ref.params());
        assertThat(r.metrics().losses()).isEqualTo(ref.metrics().losses());
        assertThat(r.metrics().sampleHashes()).isEqualTo(ref.metrics().sampleHashes());
      }
    }
  }

  @Test
  void changingTheWorkerCountMidRunChangesNothing() {
    DemoRun.Options o = new DemoRun.Options().steps(10).mode(DemoRun.Mode.NONE);
    DemoRun.Result ref = DemoRun.run(o, null);
    try (Trainer t = DemoRun.trainer(o)) {
      int[] ws = {3, 1, 8, 2, 4};
      for (int i = 0; i < 10; i++) {
        t.setWorkers(ws[i % ws.length]);
        t.step();
      }
      assertThat(t.model().params()).isEqualTo(ref.params());
    }
  }

  @Test
  void trainingLearns() {
    DemoRun.Options o = new DemoRun.Options().steps(150).workers(2).mode(DemoRun.Mode.NONE).samples(1024);
    try (Trainer t = DemoRun.trainer(o)) {
      double before = t.accuracy(400);
      while (t.stepsDone() < 150) t.step();
      double[] l = t.metrics().losses();
      double first = 0, last = 0;
      for (int i = 0; i < 10; i++) { first += l[i]; last += l[l.length - 1 - i]; }
      assertThat(last).isLessThan(first * 0.6);
      assertThat(t.accuracy(400)).isGreaterThan(Math.max(0.6, before));
    }
  }

  /** Backward passes agree with central finite differences (double-checked in float tolerance). */
  @Test
  void gradientsMatchFiniteDifferences() {
    Conv2d conv = new Conv2d(2, 5, 5, 3, 3, 1);
    Model m = new Model(conv, Activation.tanh(conv.outSize()), new Dense(conv.outSize(), 6), Activation.relu(6),
        new Dense(6, 3));
    Keys keys = new Keys(9);
    m.init(keys);
    float[] x = new float[m.inputSize()];
    var s = keys.stream("x", 0, 0, 0);
    for (int i = 0; i < x.length; i++) x[i] = (float) s.normal();
    float[] g = new float[m.paramCount()];
    Model.Workspace ws = m.workspace();
    ws.lossAndGradient(x, 1, g, false, keys, 0, 0);
    float[] w = m.params();
    var pick = keys.stream("pick", 0, 0, 0);
    int checked = 0;
    for (int t = 0; t < 60; t++) {
      int i = pick.nextInt(w.length);
      float old = w[i];
      float h = 1e-2f;
      w[i] = old + h;
      double up = ws.lossAndGradient(x, 1, null, false, keys, 0, 0);
      w[i] = old - h;
      double down = ws.lossAndGradient(x, 1, null, false, keys, 0, 0);
      w[i] = old;
      double num = (up - down) / (2 * h);
      assertThat(g[i]).as("gradient of parameter %d", i).isCloseTo((float) num,
          org.assertj.core.data.Offset.offset(2e-2f + 0.05f * Math.abs((float) num)));
      checked++;
    }
    assertThat(checked).isEqualTo(60);
  }
}
