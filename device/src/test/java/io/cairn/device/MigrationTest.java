package io.cairn.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.Checkpointer;
import io.cairn.Metadata;
import io.cairn.device.opencl.ClBuffer;
import io.cairn.device.opencl.ClContext;
import io.cairn.device.opencl.ClQueue;
import io.cairn.device.opencl.HeatSolver;
import io.cairn.device.opencl.OpenCL;
import io.cairn.testing.TestCheckpointers;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A running heat solver moved between OpenCL contexts and devices through a checkpoint, bit-identical to a run that stayed. */
class MigrationTest {
  @TempDir
  Path dir;

  @BeforeAll
  static void needOpenCl() {
    Assumptions.assumeTrue(OpenCL.available(), () -> "OpenCL is not usable here: " + OpenCL.unavailableReason());
  }

  static final int N = 96, STEPS = 30;

  /** Runs STEPS steps, moving to device {@code devices[k]} (a fresh context each time) every 10 steps; returns the grid. */
  static float[] runMoving(Path dir, int... devices) {
    ClContext ctx = OpenCL.device(devices[0]).createContext();
    ClQueue q = ctx.createQueue();
    HeatSolver h = new HeatSolver(q, N);
    long[] step = {0};
    try (Checkpointer c = TestCheckpointers.builder("mig", dir, "memory")
        .set("level.memory.path", dir.resolve("shm").toString()).open()) {
      c.protect("grid", h.grid()).protect("step", step);
      for (int k = 1; step[0] < STEPS;) {
        h.step();
        step[0]++;
        if (step[0] % 10 == 0 && step[0] < STEPS) {
          ClContext ctx2 = OpenCL.device(devices[k++ % devices.length]).createContext();
          ClQueue q2 = ctx2.createQueue();
          HeatSolver h2 = new HeatSolver(q2, N); // initial grid; the move overwrites it
          Migration.move(c, Metadata.create().step(step[0]), new Migration.Move("grid", h.grid(), h2.grid()));
          h.close();
          q.close();
          ctx.close(); // the old device is released; the job goes on on the new one
          h = h2;
          q = q2;
          ctx = ctx2;
        }
      }
      return h.read();
    } finally {
      h.close();
      q.close();
      ctx.close();
    }
  }

  static float[] reference() {
    float[] g = HeatSolver.initial(N);
    for (int i = 0; i < STEPS; i++) HeatSolver.referenceStep(g, N);
    return g;
  }

  @Test
  void movingBetweenContextsIsBitIdenticalToStaying() {
    float[] stayed;
    try (ClContext ctx = OpenCL.device(0).createContext();
        ClQueue q = ctx.createQueue();
        HeatSolver h = new HeatSolver(q, N)) {
      for (int i = 0; i < STEPS; i++) h.step();
      stayed = h.read();
    }
    float[] moved = runMoving(dir, 0, 0, 0);
    assertThat(HeatSolver.fingerprint(moved)).isEqualTo(HeatSolver.fingerprint(stayed));
    assertThat(moved).isEqualTo(stayed);
    assertThat(moved).as("no FMA contraction: the host computes the same bits").isEqualTo(reference());
  }

  @Test
  void aMoveIntoMemoryOfAnotherShapeIsRefusedBeforeAnythingHappens() {
    try (ClContext ctx = OpenCL.device(0).createContext();
        ClQueue q = ctx.createQueue();
        ClBuffer a = q.allocate(float.class, 100);
        ClBuffer b = q.allocate(float.class, 101);
        ClBuffer d = q.allocate(double.class, 100)) {
      assertThatThrownBy(() -> new Migration.Move("u", a, b)).hasMessageContaining("float[100] into float[101]");
      assertThatThrownBy(() -> new Migration.Move("u", a, d))
          .hasMessageContaining("element type and length must match");
    }
  }

  /** Two PoCL devices (POCL_DEVICES="pthread basic", set for a child JVM): the job hops between them. */
  @Test
  void movingBetweenTwoPoclDevicesIsBitIdentical() throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "--enable-native-access=ALL-UNNAMED", "-cp",
        System.getProperty("java.class.path"),
        TwoDevices.class.getName(), dir.toString()).redirectErrorStream(true);
    pb.environment().put("POCL_DEVICES", "pthread basic");
    Process p = pb.start();
    StringBuilder out = new StringBuilder();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String l; (l = in.readLine()) != null;) out.append(l).append('\n');
    } finally {
      if (!p.waitFor(120, TimeUnit.SECONDS)) p.destroyForcibly();
    }
    Assumptions.assumeFalse(out.toString().contains("ONE-DEVICE"), "PoCL did not expose two devices: " + out);
    assertThat(p.exitValue()).as(out.toString()).isZero();
    assertThat(out.toString()).contains("devices 2").contains("moved bit-identical");
  }

  /** Child with POCL_DEVICES="pthread basic": runs on device 0 and 1 alternately, compares with the host reference. */
  public static final class TwoDevices {
    public static void main(String[] a) {
      int n = OpenCL.devices().size();
      System.out.println("devices " + n + " " + OpenCL.devices());
      if (n < 2) {
        System.out.println("ONE-DEVICE");
        return;
      }
      float[] moved = runMoving(Path.of(a[0]), 0, 1, 0);
      if (!java.util.Arrays.equals(moved, reference())) {
        System.out.println("MISMATCH");
        System.exit(1);
      }
      System.out.println("moved bit-identical " + Long.toHexString(HeatSolver.fingerprint(moved)));
    }
  }
}
