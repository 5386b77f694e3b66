package io.cairn.cluster;

import org.slf4j.LoggerFactory;
import org.slf4j.Logger;
import io.cairn.cluster.internal.JobEnv;
import io.cairn.cluster.internal.JobSecret;
import io.cairn.cluster.internal.LineReader;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A rank's connection to the coordinator: join, heartbeats, reconnection after the coordinator restarts. Each
 * connection first runs the job secret's handshake (the secret of {@code CAIRN_JOB_SECRET}, else re-read from
 * {@code <job>/job.secret} at every attempt: under srun/mpirun rank 0 writes it just before it publishes the address);
 * the secret that worked is the one this rank's data connections use ({@link Endpoint#secret}).
 */
final class CoordClient implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CoordClient.class);

  private final JobEnv env;
  private final Endpoint ep;
  private final long heartbeatMs;
  private final long reconnectMs;
  private final Object writeLock = new Object();
  private volatile Socket socket;
  private volatile PrintWriter out;
  private volatile boolean closed;

  CoordClient(JobEnv env, Endpoint ep) {
    this.env = env;
    this.ep = ep;
    this.heartbeatMs = env.millis(JobEnv.HEARTBEAT_MS);
    this.reconnectMs = env.millis(JobEnv.COORD_TIMEOUT_MS);
  }

  /** Connects (waiting for the coordinator to publish its address) and joins. */
  void start() {
    connectAndJoin();
    Thread.ofVirtual().name("cairn-heartbeat-" + env.rank()).start(() -> {
      while (!closed) {
        try {
          Thread.sleep(heartbeatMs);
        } catch (InterruptedException e) {
          return;
        }
        send("HB");
      }
    });
  }

  private String address() throws IOException {
    if (env.coordinator() != null) return env.coordinator();
    Path f = env.jobDir().resolve("coordinator.addr");
    return Files.exists(f) ? Files.readString(f).trim() : null;
  }

  private void connectAndJoin() {
    long deadline = System.currentTimeMillis() + reconnectMs;
    IOException last = null;
    while (!closed && System.currentTimeMillis() < deadline) {
      try {
        String a = address();
        if (a != null && !a.isEmpty()) {
          int c = a.lastIndexOf(':');
          JobSecret secret = JobSecret.forRank(env.env(), env.jobDir());
          Socket s = secret.newSocket();
          s.setTcpNoDelay(true);
          try {
            s.connect(new InetSocketAddress(a.substring(0, c), Integer.parseInt(a.substring(c + 1))), 5_000);
            secret.authenticateAsClient(s, JobSecret.COORDINATOR);
          } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
          }
          ep.secret(secret);
          PrintWriter w = new PrintWriter(new OutputStreamWriter(s.getOutputStream(), StandardCharsets.UTF_8), false);
          socket = s;
          out = w;
          String levels = String.join(",", env.domainLevels());
          String where = env.node()
              + (env.domainSpec().isEmpty() && levels.isEmpty() ? "" : "|" + env.domainSpec() + "|" + levels);
          send("JOIN " + env.rank() + " " + env.size() + " " + where + " " + ProcessHandle.current().pid() + " "
              + ep.host() + " "
              + ep.port() + " " + env.incarnation() + " " + protocolId() + groupToken());
          Thread.ofVirtual().name("cairn-coord-" + env.rank()).start(() -> readLoop(s));
          return;
        }
      } catch (IOException | RuntimeException e) {
        last = e instanceof IOException io ? io : new IOException(e);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    if (!closed)
      ep.onAbort("rank " + env.rank() + " could not reach the coordinator for " + reconnectMs + " ms (job dir "
          + env.jobDir() + (last != null ? ", last error: " + last.getMessage() : "") + ")");
  }

  private void readLoop(Socket s) {
    try (java.io.InputStream raw = s.getInputStream()) {
      LineReader r = new LineReader(raw, maxLine(env.size()));
      String line;
      while ((line = r.next()) != null) {
        String[] t = line.split(" ");
        switch (t[0]) {
          case "ROLLBACK" -> ep.onRollback(Long.parseLong(t[1]), Long.parseLong(t[2]), Long.parseLong(t[3]),
              t.length > 4 && t[4].startsWith("line=")
                  ? Arrays.stream(t[4].substring(5).split(",")).mapToLong(Long::parseLong).toArray()
                  : null);
          case "GO" -> ep.onGo(Long.parseLong(t[1]), Arrays.copyOfRange(t, 2, t.length));
          case "COMMITTED" -> ep.onCommitted(Long.parseLong(t[1]), t.length > 2 && "halt".equals(t[2]));
          case "FINISHED" -> ep.onFinished();
          case "ABORT" -> ep.onAbort(line.substring(6));
          default -> log.warn("rank {}: unknown coordinator message '{}'", env.rank(), line);
        }
      }
    } catch (IOException e) {
      // lost: handled below
    }
    if (closed || socket != s) return;
    boolean done;
    ep.lock.lock();
    try {
      done = ep.finished || ep.aborted != null;
    } finally {
      ep.lock.unlock();
    }
    if (done) return;
    log.warn("rank {}: lost the coordinator; reconnecting", env.rank());
    ep.onCoordinatorLost();
    connectAndJoin();
  }

  /** The protocol announced in JOIN (independent: the coordinator computes a recovery line; logging, hierarchical: only the failed rank or group restarts). */
  private String protocolId() {
    try {
      return Protocol.parse(env.get("CAIRN_PROTOCOL", "blocking")).id();
    } catch (IllegalArgumentException e) {
      return "blocking"; // refused at start (JobEnv.validate); never a reason not to join
    }
  }

  /**
   * Hierarchical protocol: the rank's group, after the protocol in JOIN (the coordinator rolls back the failed rank's
   * group only); "" for every other protocol.
   */
  private String groupToken() {
    String mode = ep.messageLog() == null ? "" : ep.messageLog().mode();
    return mode.startsWith("hierarchical ") ? " " + mode.substring("hierarchical ".length()) : "";
  }

  /** Longest line the coordinator may send: a GO names every rank's address, node and domains. */
  static int maxLine(int size) {
    return (int) Math.min(Integer.MAX_VALUE - 16, (1L << 20) + 4096L * size);
  }

  void send(String line) {
    PrintWriter w = out;
    if (w == null) return;
    synchronized (writeLock) {
      w.print(line);
      w.print('\n');
      w.flush();
    }
  }

  @Override
  public void close() {
    closed = true;
    Socket s = socket;
    if (s != null) {
      try {
        s.close();
      } catch (IOException ignored) {
        /* closing */ }
    }
  }
}
