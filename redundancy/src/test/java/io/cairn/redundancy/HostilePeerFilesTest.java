package io.cairn.redundancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.cluster.Launcher;
import io.cairn.cluster.Protocol;
import io.cairn.cluster.internal.JobSecret;
import io.cairn.redundancy.internal.PeerFiles;
import io.cairn.redundancy.jobs.RingJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: the ranks' redundancy file servers served committed versions to any client. Against a live job:
 * requests without the handshake, a client with a wrong secret and an endless stream are refused; the job's own
 * secret is served (control); the job ends undisturbed with the reference result.
 */
class HostilePeerFilesTest {
  static final int CELLS = 20_000;
  static final long STEPS = 120;

  @TempDir
  Path dir;

  @Test
  void fileServersServeOnlyTheJob() throws Exception {
    Path d = Files.createDirectories(dir.resolve("job"));
    try (Launcher.Job job = Launcher.builder().ranks(2).nodes(2).jobDir(d).jvmOption("-Xmx96m")
        .failTimeout(Duration.ofSeconds(20))
        .protocol(Protocol.BLOCKING)
        .command(List.of(RingJob.class.getName(), "--cells", "" + CELLS, "--steps", "" + STEPS, "--every", "5",
            "--delay-ms", "40", "--schemes", "partner"))
        .start()) {
      Path addrFile = d.resolve("redundancy-peers").resolve("r1.addr");
      long deadline = System.currentTimeMillis() + 60_000;
      while (!ClusterJobTest.logs(d).contains("global 2 protected") && !job.isDone()
          && System.currentTimeMillis() < deadline)
        Thread.sleep(100);
      assertThat(job.isDone()).as("the job still runs").isFalse();
      String addr = Files.readString(addrFile).trim();
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(addrFile))).isEqualTo("rw-------");
      // no handshake: the request is never read
      for (String req : List.of("LIST 1", "BUNDLE 1", "GET partner/i0000000001/x.red"))
        assertThat(PeerFilesTest.rawRequest(addr, req)).as(req).isEqualTo(-1);
      // a wrong secret
      var wrong = io.cairn.cluster.JobConnections.of(d,
          java.util.Map.of(JobSecret.VARIABLE, JobSecret.generate().hex()));
      assertThatThrownBy(() -> new PeerFiles.Client(addr, 2_000, wrong))
          .isInstanceOf(JobSecret.AuthenticationException.class);
      // endless garbage
      int c = addr.lastIndexOf(':');
      long sent = sendEndless(addr.substring(0, c), Integer.parseInt(addr.substring(c + 1)));
      assertThat(sent).isLessThan(64L << 20);
      // control: the job's secret is served
      try (PeerFiles.Client ok = new PeerFiles.Client(addr, 2_000,
          io.cairn.cluster.JobConnections.of(d, java.util.Map.of()))) {
        assertThat(ok.list(1)).isNotNull();
      }
      assertThat(job.isDone()).as("the attacks hit a running job").isFalse();
      assertThat(job.await(Duration.ofSeconds(150))).as(ClusterJobTest.logs(d)).isZero();
      assertThat(job.restarts()).isZero();
    }
    assertThat(Files.readAllBytes(d.resolve("ring-result.bin"))).isEqualTo(RingJob.reference(2, CELLS, STEPS));
    assertThat(Files.readString(d.resolve("logs/rank-1.log")))
        .contains("redundancy file server: refused a connection from /127.0.0.1:");
  }

  /** Writes bytes without end until the server closes the connection; returns how many it took. */
  static long sendEndless(String host, int port) throws java.io.IOException {
    byte[] chunk = new byte[1 << 20];
    java.util.Arrays.fill(chunk, (byte) 'A');
    long sent = 0;
    try (java.net.Socket s = new java.net.Socket(host, port)) {
      while (sent < (512L << 20)) {
        s.getOutputStream().write(chunk);
        sent += chunk.length;
      }
    } catch (java.io.IOException e) {
      return sent;
    }
    return sent;
  }
}
