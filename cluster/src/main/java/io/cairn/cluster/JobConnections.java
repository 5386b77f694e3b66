package io.cairn.cluster;

import io.cairn.cluster.internal.JobSecret;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Authenticated connections between the processes of one job, for services beside the communicator (the
 * redundancy module's file servers use it). Both ends prove the job's secret with a mutual challenge–response
 * before anything else is read, and use TLS when the job does ({@code cairn launch --tls}); see
 * docs/security.md. A connection that fails is an {@link IOException} saying why.
 *
 * <pre>{@code
 * JobConnections jc = rank.connections();
 * ServerSocket server = jc.listen("127.0.0.1");
 * Socket s = server.accept(); jc.accept(s, "my-service");            // server side, before reading a byte of s
 * Socket c = jc.connect("127.0.0.1:" + port, 2_000, "my-service");  // client side
 * }</pre>
 */
public final class JobConnections {
  private final JobSecret secret;

  JobConnections(JobSecret secret) {
    this.secret = Objects.requireNonNull(secret, "secret");
  }

  /**
   * The connections of the job in {@code jobDir} as a process of it sees them: the secret of {@code CAIRN_JOB_SECRET}
   * in {@code env}, else {@code <job>/job.secret}; TLS when {@code CAIRN_TLS=true}. For processes that are no rank
   * (a rank uses {@link Rank#connections()}).
   */
  public static JobConnections of(Path jobDir, Map<String, String> env) throws IOException {
    return new JobConnections(JobSecret.forRank(env, jobDir));
  }

  /** A server socket bound to an ephemeral port of {@code bindHost} (a TLS one when the job uses TLS). */
  public ServerSocket listen(String bindHost) throws IOException {
    ServerSocket s = secret.newServerSocket();
    try {
      s.bind(new InetSocketAddress(InetAddress.getByName(bindHost), 0));
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
    return s;
  }

  /** The server side of the handshake on an accepted socket (at most 10 s); the socket is not closed on failure. */
  public void accept(Socket s, String service) throws IOException {
    secret.authenticateAsServer(s, service);
  }

  /** Connects to {@code host:port} and runs the client side of the handshake for {@code service}. */
  public Socket connect(String hostPort, int timeoutMs, String service) throws IOException {
    int c = hostPort.lastIndexOf(':');
    if (c < 1) throw new IOException("bad address '" + hostPort + "': expected host:port");
    Socket s = secret.newSocket();
    try {
      s.connect(new InetSocketAddress(hostPort.substring(0, c), Integer.parseInt(hostPort.substring(c + 1))),
          timeoutMs);
      secret.authenticateAsClient(s, service);
      return s;
    } catch (NumberFormatException e) {
      s.close();
      throw new IOException("bad address '" + hostPort + "': expected host:port");
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  @Override
  public String toString() { return "JobConnections[" + (secret.tls() ? "TLS, " : "") + "secret hidden]"; }
}
