package io.cairn.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job secret's mutual handshake: only both sides with the same secret and role pass; wrong secrets, reflection and replay fail. */
class JobSecretTest {
  @TempDir
  Path dir;

  /** A one-connection server on loopback running the server side; completes with null or the exception. */
  private record Server(ServerSocket socket, CompletableFuture<Throwable> result) implements AutoCloseable {
    static Server start(JobSecret secret, String role) throws IOException {
      ServerSocket ss = new ServerSocket();
      ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      CompletableFuture<Throwable> f = new CompletableFuture<>();
      Thread.ofVirtual().start(() -> {
        try (Socket s = ss.accept()) {
          secret.authenticateAsServer(s, role);
          s.getOutputStream().write(7); // after the handshake, the streams are aligned
          s.getOutputStream().flush();
          f.complete(null);
        } catch (Throwable t) {
          f.complete(t);
        }
      });
      return new Server(ss, f);
    }

    Socket connect() throws IOException {
      Socket s = new Socket();
      s.connect(socket.getLocalSocketAddress(), 2_000);
      return s;
    }

    Throwable outcome() throws Exception { return result.get(15, TimeUnit.SECONDS); }

    @Override
    public void close() throws IOException { socket.close(); }
  }

  @Test
  void sameSecretAndRolePass() throws Exception {
    JobSecret k = JobSecret.generate();
    try (Server srv = Server.start(k, JobSecret.COORDINATOR); Socket s = srv.connect()) {
      k.authenticateAsClient(s, JobSecret.COORDINATOR);
      assertThat(s.getInputStream().read()).isEqualTo(7);
      assertThat(srv.outcome()).isNull();
    }
    // the same secret parsed from its hex form (the environment, the file)
    JobSecret copy = JobSecret.parse(k.hex(), "test");
    try (Server srv = Server.start(copy, JobSecret.DATA); Socket s = srv.connect()) {
      k.authenticateAsClient(s, JobSecret.DATA);
      assertThat(srv.outcome()).isNull();
    }
  }

  @Test
  void wrongSecretFailsOnBothSides() throws Exception {
    JobSecret job = JobSecret.generate();
    JobSecret other = JobSecret.generate();
    // a client with the wrong secret: it sees the server's proof fail and never proves anything; the server sees it go
    try (Server srv = Server.start(job, JobSecret.DATA); Socket s = srv.connect()) {
      assertThatThrownBy(() -> other.authenticateAsClient(s, JobSecret.DATA))
          .isInstanceOf(JobSecret.AuthenticationException.class)
          .hasMessageContaining("does not know this job's secret");
      s.close();
      assertThat(srv.outcome()).isInstanceOf(JobSecret.AuthenticationException.class);
    }
    // a client that skips the check of the server and sends a proof made with its own (wrong) secret
    try (Server srv = Server.start(job, JobSecret.DATA); Socket s = srv.connect()) {
      byte[] nc = new byte[32];
      Arrays.fill(nc, (byte) 3);
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      out.write(hello(JobSecret.DATA, nc));
      DataInputStream in = new DataInputStream(s.getInputStream());
      byte[] ns = in.readNBytes(32);
      in.readNBytes(32);
      out.write(other.mac("client", JobSecret.DATA.getBytes(StandardCharsets.US_ASCII), nc, ns));
      out.flush();
      assertThat(srv.outcome()).isInstanceOf(JobSecret.AuthenticationException.class)
          .hasMessageContaining("client does not know");
      assertThat(in.read()).as("closed without a byte of the protocol").isEqualTo(-1);
    }
  }

  @Test
  void reflectedServerProofFails() throws Exception {
    JobSecret job = JobSecret.generate();
    try (Server srv = Server.start(job, JobSecret.COORDINATOR); Socket s = srv.connect()) {
      byte[] nc = new byte[32];
      new java.util.Random(1).nextBytes(nc);
      OutputStream out = s.getOutputStream();
      out.write(hello(JobSecret.COORDINATOR, nc));
      out.flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      in.readNBytes(32);
      byte[] serverProof = in.readNBytes(32);
      out.write(serverProof); // the server's own answer, sent back as the client's: bound to the direction, it fails
      out.flush();
      assertThat(srv.outcome()).isInstanceOf(JobSecret.AuthenticationException.class);
      assertThat(in.read()).isEqualTo(-1);
    }
  }

  @Test
  void replayedClientAnswerFails() throws Exception {
    JobSecret job = JobSecret.generate();
    // record a genuine exchange (in memory): the client's hello and its proof
    Pipe c2s = new Pipe();
    Pipe s2c = new Pipe();
    CompletableFuture<Throwable> server = new CompletableFuture<>();
    Thread.ofVirtual().start(() -> {
      try {
        job.authenticateAsServer(c2s.in, s2c.out, JobSecret.DATA);
        server.complete(null);
      } catch (Throwable t) {
        server.complete(t);
      }
    });
    job.authenticateAsClient(s2c.in, c2s.out, JobSecret.DATA);
    assertThat(server.get(10, TimeUnit.SECONDS)).isNull();
    byte[] recorded = c2s.written(); // hello + nonce + proof, as an eavesdropper saw them
    // replayed to a new server session: the server's nonce is fresh, the old proof does not cover it
    try (Server srv = Server.start(job, JobSecret.DATA); Socket s = srv.connect()) {
      OutputStream out = s.getOutputStream();
      out.write(recorded);
      out.flush();
      assertThat(srv.outcome()).isInstanceOf(JobSecret.AuthenticationException.class)
          .hasMessageContaining("client does not know");
    }
  }

  @Test
  void roleIsBound() throws Exception {
    JobSecret job = JobSecret.generate();
    try (Server srv = Server.start(job, JobSecret.COORDINATOR); Socket s = srv.connect()) {
      assertThatThrownBy(() -> job.authenticateAsClient(s, JobSecret.PEER_FILES))
          .isInstanceOf(JobSecret.AuthenticationException.class);
      assertThat(srv.outcome()).hasMessageContaining("'peer-files' connections on a coordinator port");
    }
    // a proof computed for another role does not pass, even with the right secret
    byte[] nc = new byte[32];
    byte[] ns = new byte[32];
    byte[] forData = job.mac("client", "data".getBytes(StandardCharsets.US_ASCII), nc, ns);
    byte[] forCoord = job.mac("client", "coordinator".getBytes(StandardCharsets.US_ASCII), nc, ns);
    assertThat(forData).isNotEqualTo(forCoord);
  }

  @Test
  void garbageAndEndlessLinesAreRefusedAtOnce() throws Exception {
    JobSecret job = JobSecret.generate();
    // what a text client sends: refused after 4 bytes, however long the line
    byte[] line = "JOIN 0 2 node-0|rack=evil| 1 127.0.0.1 1 0\n".getBytes(StandardCharsets.US_ASCII);
    assertThatThrownBy(() -> job.authenticateAsServer(new ByteArrayInputStream(line), OutputStream.nullOutputStream(),
        JobSecret.COORDINATOR))
        .isInstanceOf(JobSecret.AuthenticationException.class).hasMessageContaining("not a Cairn handshake");
    InputStream endless = new InputStream() {
      long n;
      @Override
      public int read() { n++; return 'A'; }
    };
    assertThatThrownBy(() -> job.authenticateAsServer(endless, OutputStream.nullOutputStream(), JobSecret.COORDINATOR))
        .isInstanceOf(JobSecret.AuthenticationException.class);
    // a role length beyond the limit
    byte[] bad = new byte[]{(byte) 0xCA, 0x1A, 0x0A, 0x01, (byte) 200};
    assertThatThrownBy(
        () -> job.authenticateAsServer(new ByteArrayInputStream(bad), OutputStream.nullOutputStream(), JobSecret.DATA))
        .hasMessageContaining("role of 200 bytes");
  }

  @Test
  void lineReaderBoundsMemory() throws Exception {
    LineReader r = new LineReader(new ByteArrayInputStream("HB\nDONE 3\nlast".getBytes(StandardCharsets.UTF_8)), 16);
    assertThat(r.next()).isEqualTo("HB");
    assertThat(r.next()).isEqualTo("DONE 3");
    assertThat(r.next()).isEqualTo("last");
    assertThat(r.next()).isNull();
    long[] read = {0};
    InputStream endless = new InputStream() {
      @Override
      public int read() { read[0]++; return 'x'; }
      @Override
      public int read(byte[] b, int off, int len) {
        Arrays.fill(b, off, off + len, (byte) 'x');
        read[0] += len;
        return len;
      }
    };
    LineReader big = new LineReader(endless, 64 * 1024);
    assertThatThrownBy(big::next).hasMessageContaining("line longer than 65536 bytes");
    assertThat(read[0]).as("stops reading at the bound").isLessThan(64 * 1024 + 16 * 1024);
  }

  @Test
  void secretFileIsPrivateAndCheckedWhenRead() throws Exception {
    Path job = dir.resolve("a/job");
    JobSecret k = JobSecret.generate();
    k.writeTo(job);
    Path f = job.resolve(JobSecret.FILE);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(job))).isEqualTo("rwx------");
    assertThat(JobSecret.read(job).hex()).isEqualTo(k.hex());
    assertThat(JobSecret.forRank(Map.of(), job).hex()).isEqualTo(k.hex());
    assertThat(JobSecret.forRank(Map.of(JobSecret.VARIABLE, JobSecret.generate().hex()), job).hex())
        .as("the environment first").isNotEqualTo(k.hex());
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> JobSecret.read(job)).hasMessageContaining("rw-r--r--").hasMessageContaining("chmod 600");
    Files.delete(f);
    Path elsewhere = dir.resolve("elsewhere");
    k.writeTo(elsewhere);
    Files.createSymbolicLink(f, elsewhere.resolve(JobSecret.FILE));
    assertThatThrownBy(() -> JobSecret.read(job)).hasMessageContaining("not a regular file");
    Files.delete(f);
    assertThatThrownBy(() -> JobSecret.read(job)).isInstanceOf(java.nio.file.NoSuchFileException.class);
    // a coordinator without CAIRN_JOB_SECRET makes a fresh one each time
    JobSecret a = JobSecret.forCoordinator(Map.of(), job);
    JobSecret b = JobSecret.forCoordinator(Map.of(), job);
    assertThat(a.hex()).isNotEqualTo(b.hex()).hasSize(64);
    assertThat(JobSecret.read(job).hex()).isEqualTo(b.hex());
    assertThatThrownBy(() -> JobSecret.parse("abcd", "CAIRN_JOB_SECRET")).hasMessageContaining("CAIRN_JOB_SECRET")
        .hasMessageContaining("64");
    assertThatThrownBy(() -> JobSecret.parse("z".repeat(64), "CAIRN_JOB_SECRET")).hasMessageContaining("not all hex");
    assertThat(k.toString()).doesNotContain(k.hex());
  }

  private static byte[] hello(String role, byte[] nc) {
    byte[] r = role.getBytes(StandardCharsets.US_ASCII);
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 + 1 + r.length + 32);
    b.putInt(JobSecret.MAGIC).put((byte) r.length).put(r).put(nc);
    return b.array();
  }

  /** A pipe that also records what went through it. */
  private static final class Pipe {
    final java.io.PipedInputStream in;
    final ByteArrayOutputStream copy = new ByteArrayOutputStream();
    final OutputStream out;

    Pipe() throws IOException {
      in = new java.io.PipedInputStream(1 << 16);
      java.io.PipedOutputStream po = new java.io.PipedOutputStream(in);
      out = new OutputStream() {
        @Override
        public void write(int b) throws IOException { copy.write(b); po.write(b); }
        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          copy.write(b, off, len);
          po.write(b, off, len);
        }
        @Override
        public void flush() throws IOException { po.flush(); }
      };
    }

    byte[] written() { return copy.toByteArray(); }
  }
}
