package io.cairn.cli.device;

import static io.cairn.cli.CliRunner.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.device.opencl.OpenCL;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cairn demo --device opencl}: the OpenCL solver killed with SIGKILL, restarted and moved between contexts, bit-identical. */
class DeviceDemoTest {
  @TempDir
  Path dir;

  @Test
  void openclDemoIsBitIdenticalAfterKillsAndMoves() {
    Assumptions.assumeTrue(OpenCL.available(), () -> "OpenCL is not usable here: " + OpenCL.unavailableReason());
    String out = run(0, "demo", "--device", "opencl", "--size", "192", "--steps", "60", "--kills", "1",
        "--migrate-every", "25",
        "--seed", "7", "--dir", dir.resolve("demo").toString());
    assertThat(out).contains("in OpenCL device memory").contains("killed with SIGKILL")
        .contains("moved through version")
        .contains("BIT-IDENTICAL");
  }

  @Test
  void deviceListAndASmallBenchRun() {
    Assumptions.assumeTrue(OpenCL.available(), () -> "OpenCL is not usable here: " + OpenCL.unavailableReason());
    assertThat(run(0, "device", "list")).contains("opencl 0").contains("CUDA");
    String out = run(0, "bench", "--only", "device", "--size", "8", "--repeat", "1", "--dir",
        dir.resolve("bench").toString());
    assertThat(out).contains("capture bandwidth").contains("queue hold of an async capture")
        .contains("restore into the device");
    assertThat(dir.resolve("bench/bench-device.json")).exists();
    var r = io.cairn.cli.CliRunner.run("device", "bench", "--device", "99", "--dir", dir.resolve("bench").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--device 99: there are");
  }

  @Test
  void anUnknownDeviceIsAClearError() {
    var r = io.cairn.cli.CliRunner.run("demo", "--device", "tpu", "--dir", dir.resolve("demo").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--device: 'none' or 'opencl', not 'tpu'");
  }
}
