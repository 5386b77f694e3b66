package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.cluster.examples.Heat;
import io.cairn.cluster.internal.JobSecret;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14's hostile clients against a live job (real rank JVMs): forged JOIN lines to the coordinator, a forged
 * HELLO + DATA frame on a rank's data port, an endless line without newline, clients with a wrong secret. Every
 * one is refused at the handshake; the job runs on undisturbed (no rollback, no restart) and its result is
 * bit-identical to the undisturbed one; the pid a forged JOIN names is never killed.
 */
class HostileClientsTest {
  static final int ROWS = 48;
  static final int COLS = 48;
  static final int STEPS = 500;

  @TempDir
  Path dir;

  @Test
  void hostileClientsAreRefusedAndTheJobIsUnaffected() throws Exception {
    Path d = dir.resolve("job");
    Process victim = new ProcessBuilder("sleep", "600").start(); // the pid a forged JOIN offers the coordinator to kill
    try (Launcher.Job job = Jobs.builder(d, 2, "io.cairn.cluster.examples.Heat", "--rows", "" + ROWS, "--cols",
        "" + COLS, "--steps", "" + STEPS,
        "--every", "10", "--delay-ms", "10").failTimeout(Duration.ofSeconds(3)).start()) {
      RecoveryTest.awaitGlobals(d, job, 2);
      assertThat(job.isDone()).as("the job still runs").isFalse();
      String coord = Files.readString(d.resolve("coordinator.addr")).trim();
      Matcher state = Pattern.compile("epoch (\\d+)").matcher(Files.readString(d.resolve("coordinator.state")));
      assertThat(state.find()).isTrue();
      long epoch = Long.parseLong(state.group(1));
      List<InetSocketAddress> rankPorts = rankPorts(d);
      assertThat(rankPorts).hasSize(2);

      // 1. the forged JOIN lines of the issue: one aborted the job, one made every rank roll back (and offered a pid to kill)
      for (String line : List.of("JOIN 0 2 node-0|rack=evil| 1 127.0.0.1 1 0",
          "JOIN 1 2 node-0 " + victim.pid() + " 127.0.0.1 1 0",
          "JOIN 1 2 node-0 " + victim.pid() + " 127.0.0.1 1 0", "DONE " + epoch)) {
        assertRefused(address(coord), line.getBytes(StandardCharsets.US_ASCII), "coordinator: " + line);
      }
      // 2. a forged HELLO + DATA frame on rank 1's data port: rank 0's halo row, made up
      ByteBuffer frame = ByteBuffer.allocate(4 + 4 + 8 + 1 + 4 + 8 + 4 + COLS * 8);
      frame.putInt(Endpoint.HELLO).putInt(0).putLong(epoch).put(Endpoint.DATA).putInt(2).putLong(0).putInt(COLS * 8);
      for (int i = 0; i < COLS; i++) frame.putDouble(1e6);
      assertRefused(rankPorts.get(1), frame.array(), "forged data frame");
      // 3. a line without a newline, sent until the coordinator closes the connection
      long sent = sendEndlessLine(address(coord));
      assertThat(sent).as("bytes the coordinator took before it closed the connection").isLessThan(64L << 20);
      // 4. clients that run the handshake with a wrong secret: the coordinator and a rank cannot prove the job's secret to them
      JobSecret wrong = JobSecret.generate();
      for (InetSocketAddress a : List.of(address(coord), rankPorts.get(0))) {
        try (Socket s = new Socket()) {
          s.connect(a, 2_000);
          String role = a.equals(address(coord)) ? JobSecret.COORDINATOR : JobSecret.DATA;
          assertThatThrownBy(() -> wrong.authenticateAsClient(s, role))
              .isInstanceOf(JobSecret.AuthenticationException.class);
        }
      }
      // control: the job's own secret passes the data port's handshake (this client then goes without a word)
      JobSecret right = JobSecret.read(d);
      try (Socket s = new Socket()) {
        s.connect(rankPorts.get(0), 2_000);
        right.authenticateAsClient(s, JobSecret.DATA);
      }
      assertThat(job.isDone()).as("the attacks hit a running job (make it longer)").isFalse();

      assertThat(Jobs.await(job, Duration.ofSeconds(120))).as(Jobs.logs(d)).isZero();
      assertThat(job.restarts()).as("restarts").isZero();
    }
    try {
      assertThat(victim.isAlive()).as("the pid of a forged JOIN was not killed").isTrue();
    } finally {
      victim.destroyForcibly();
      assertThat(victim.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    }
    assertThat(Files.readAllBytes(d.resolve("heat-result.bin"))).as("final grid")
        .isEqualTo(Heat.reference(ROWS, COLS, STEPS));
    String coordLog = Files.readString(d.resolve("logs/coordinator.log"));
    assertThat(coordLog).contains("refused a connection from /127.0.0.1:").contains("not a Cairn handshake")
        .contains("epoch 1: all 2 ranks joined").doesNotContain("epoch 2").doesNotContain("aborted")
        .doesNotContain("OutOfMemoryError");
    assertThat(Files.readString(d.resolve("logs/rank-1.log"))).contains("refused a data connection from /127.0.0.1:");
    assertThat(Files.exists(d.resolve("aborted"))).isFalse();
    // the job directory's secret and addresses are private
    assertThat(mode(d)).isEqualTo("rwx------");
    for (String f : List.of(JobSecret.FILE, "coordinator.addr", "coordinator.state"))
      assertThat(mode(d.resolve(f))).as(f).isEqualTo("rw-------");
  }

  /**
   * {@code cairn launch --tls}: every connection is TLS 1.3 with the job's own certificate. A client that speaks
   * the secret's handshake in plain text, and a TLS client with another certificate, are refused; the job's own
   * key and secret pass; the result is the undisturbed one.
   */
  @Test
  void tlsJobRefusesPlainAndForeignClients() throws Exception {
    Path d = dir.resolve("tls");
    int steps = 300;
    try (Launcher.Job job = Jobs.builder(d, 2, "io.cairn.cluster.examples.Heat", "--rows", "" + ROWS, "--cols",
        "" + COLS, "--steps", "" + steps,
        "--every", "10", "--delay-ms", "10").nodes(2).tls(true).start()) {
      RecoveryTest.awaitGlobals(d, job, 2);
      assertThat(job.isDone()).as("the job still runs").isFalse();
      InetSocketAddress coord = address(Files.readString(d.resolve("coordinator.addr")).trim());
      List<InetSocketAddress> rankPorts = rankPorts(d);
      JobSecret right = JobSecret.read(d);
      // the right secret, but no TLS
      try (Socket s = new Socket()) {
        s.connect(coord, 2_000);
        assertThatThrownBy(() -> right.authenticateAsClient(s, JobSecret.COORDINATOR)).isInstanceOf(IOException.class);
      }
      try (Socket s = new Socket()) { // a plain JOIN line: answered by a TLS alert record (content type 21) at most, then closed
        s.connect(coord, 2_000);
        s.setSoTimeout(15_000);
        s.getOutputStream().write("JOIN 0 2 node-0|rack=evil| 1 127.0.0.1 1 0\n".getBytes(StandardCharsets.US_ASCII));
        byte[] answer;
        try {
          answer = s.getInputStream().readAllBytes();
        } catch (java.net.SocketException e) {
          answer = new byte[0]; // reset by the server
        }
        assertThat(answer.length == 0 || answer[0] == 21).as("answer %s", java.util.Arrays.toString(answer)).isTrue();
      }
      // TLS with a certificate of another job
      Path other = dir.resolve("other");
      JobSecret otherSecret = JobSecret.generate();
      otherSecret.writeTo(other);
      io.cairn.cluster.internal.JobTls.create(other, otherSecret);
      JobSecret foreign = otherSecret.withTls(io.cairn.cluster.internal.JobTls.load(other, otherSecret));
      for (InetSocketAddress a : List.of(coord, rankPorts.get(1))) {
        try (Socket s = foreign.newSocket()) {
          s.connect(a, 2_000);
          assertThatThrownBy(
              () -> foreign.authenticateAsClient(s, a.equals(coord) ? JobSecret.COORDINATOR : JobSecret.DATA))
              .isInstanceOf(IOException.class);
        }
      }
      // control: the job's key and secret pass
      JobSecret own = right.withTls(io.cairn.cluster.internal.JobTls.load(d, right));
      try (Socket s = own.newSocket()) {
        s.connect(rankPorts.get(1), 2_000);
        own.authenticateAsClient(s, JobSecret.DATA);
        assertThat(((javax.net.ssl.SSLSocket) s).getSession().getProtocol()).isEqualTo("TLSv1.3");
      }
      assertThat(job.isDone()).as("the attacks hit a running job").isFalse();
      assertThat(Jobs.await(job, Duration.ofSeconds(120))).as(Jobs.logs(d)).isZero();
      assertThat(job.restarts()).isZero();
    }
    assertThat(Files.readAllBytes(d.resolve("heat-result.bin"))).isEqualTo(Heat.reference(ROWS, COLS, steps));
    assertThat(Files.readString(d.resolve("logs/coordinator.log"))).contains("TLS handshake failed")
        .doesNotContain("epoch 2");
    assertThat(mode(d.resolve(io.cairn.cluster.internal.JobTls.FILE))).isEqualTo("rw-------");
  }

  /** Sends {@code bytes} and expects the server to close the connection without sending anything. */
  static void assertRefused(InetSocketAddress a, byte[] bytes, String what) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(a, 2_000);
      s.setSoTimeout(15_000);
      OutputStream out = s.getOutputStream();
      try {
        out.write(bytes);
        out.write('\n');
        out.flush();
      } catch (IOException e) {
        return; // already closed by the server
      }
      InputStream in = s.getInputStream();
      int b;
      try {
        b = in.read();
      } catch (SocketTimeoutException e) {
        throw new AssertionError(what + ": the connection stayed open for 15 s");
      } catch (IOException e) {
        return; // reset by the server
      }
      assertThat(b).as(what + ": closed without an answer").isEqualTo(-1);
    }
  }

  /** Writes 'A's without a newline until the server closes; returns how many it took. */
  static long sendEndlessLine(InetSocketAddress a) throws IOException {
    byte[] chunk = new byte[1 << 20];
    java.util.Arrays.fill(chunk, (byte) 'A');
    long sent = 0;
    try (Socket s = new Socket()) {
      s.connect(a, 2_000);
      s.setSoTimeout(15_000);
      OutputStream out = s.getOutputStream();
      try {
        while (sent < (512L << 20)) {
          out.write(chunk);
          sent += chunk.length;
        }
      } catch (IOException e) {
        return sent;
      }
    }
    return sent;
  }

  static InetSocketAddress address(String hostPort) {
    int c = hostPort.lastIndexOf(':');
    return new InetSocketAddress(hostPort.substring(0, c), Integer.parseInt(hostPort.substring(c + 1)));
  }

  /** The data ports of the ranks, from the coordinator's log ("rank R joined from HOST:PORT"). */
  static List<InetSocketAddress> rankPorts(Path d) throws IOException {
    InetSocketAddress[] a = new InetSocketAddress[2];
    Matcher m = Pattern.compile("rank (\\d+) joined from ([0-9.]+):(\\d+)")
        .matcher(Files.readString(d.resolve("logs/coordinator.log")));
    while (m.find()) a[Integer.parseInt(m.group(1))] = new InetSocketAddress(m.group(2), Integer.parseInt(m.group(3)));
    List<InetSocketAddress> l = new ArrayList<>();
    for (InetSocketAddress x : a) if (x != null) l.add(x);
    return l;
  }

  static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }
}
