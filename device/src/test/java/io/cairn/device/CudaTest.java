package io.cairn.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.Checkpointer;
import io.cairn.Metadata;
import io.cairn.StateMismatchException;
import io.cairn.device.cuda.Cuda;
import io.cairn.device.cuda.CudaBuffer;
import io.cairn.device.cuda.CudaContext;
import io.cairn.device.cuda.CudaException;
import io.cairn.device.opencl.ClBuffer;
import io.cairn.device.opencl.ClContext;
import io.cairn.device.opencl.ClQueue;
import io.cairn.device.opencl.OpenCL;
import io.cairn.testing.TestCheckpointers;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CUDA device memory through the driver API. Skips where there is no NVIDIA driver or GPU (CI, this project's build machine). */
class CudaTest {
  @TempDir
  Path dir;

  Checkpointer.Builder builder() {
    return TestCheckpointers.builder("cuda", dir).set("block-size", "1MiB");
  }

  @Test
  void withoutADriverCudaSaysWhyAndRefusesCleanly() {
    Assumptions.assumeFalse(Cuda.available(), "a CUDA GPU is present: covered by the tests below");
    assertThat(Cuda.unavailableReason()).isNotBlank();
    assertThatThrownBy(() -> Cuda.createContext(0)).isInstanceOf(CudaException.class)
        .hasMessage(Cuda.unavailableReason());
  }

  @Test
  void cudaMemoryRoundTripsThroughACheckpointAndMovesBetweenGpusAndToOpenCl() {
    Assumptions.assumeTrue(Cuda.available(), () -> "CUDA not available: " + Cuda.unavailableReason());
    int n = 3_000_001;
    double[] want = new double[n];
    for (int i = 0; i < n; i++) want[i] = Math.sqrt(i) - 7;
    try (CudaContext ctx = Cuda.createContext(0);
        CudaBuffer b = ctx.allocate(double.class, n);
        Checkpointer c = builder().open()) {
      b.write(MemorySegment.ofArray(want));
      c.protect("x", b);
      c.checkpoint(Metadata.create().step(1)).await();
      b.write(MemorySegment.ofArray(new double[n]));
      assertThat(c.restoreLatest()).isPresent();
      double[] got = new double[n];
      b.read(MemorySegment.ofArray(got));
      assertThat(got).isEqualTo(want);

      // another GPU where there is one, else another context on the same GPU
      try (CudaContext ctx2 = Cuda.createContext(Cuda.deviceCount() > 1 ? 1 : 0);
          CudaBuffer b2 = ctx2.allocate(double.class, n)) {
        Migration.move(c, Metadata.create().step(2), new Migration.Move("x", b, b2));
        double[] moved = new double[n];
        b2.read(MemorySegment.ofArray(moved));
        assertThat(moved).isEqualTo(want);
        if (OpenCL.available()) { // and on to an OpenCL device: one checkpoint, two kinds of accelerator
          try (ClContext cl = OpenCL.device(0).createContext();
              ClQueue q = cl.createQueue();
              ClBuffer b3 = q.allocate(double.class, n)) {
            Migration.move(c, Metadata.create().step(3), new Migration.Move("x", b2, b3));
            double[] onCl = new double[n];
            b3.read(MemorySegment.ofArray(onCl));
            assertThat(onCl).isEqualTo(want);
            c.unprotect("x").protect("x", b2);
          }
        }
      }
    }
    try (CudaContext ctx = Cuda.createContext(0);
        CudaBuffer wrong = ctx.allocate(float.class, n);
        Checkpointer c = builder().open()) {
      c.protect("x", wrong);
      assertThatThrownBy(c::restoreLatest).isInstanceOf(StateMismatchException.class)
          .hasMessageContaining("float[] but the checkpoint holds double[]");
    }
  }
}
