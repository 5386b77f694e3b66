package io.cairn.redundancy.internal;

import io.cairn.cluster.JobConnections;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;
import java.util.stream.Stream;

/**
 * A small file server each rank runs so that a restarted rank can fetch what its node lost from the
 * surviving ranks (their node's redundancy files and their own committed versions) without reading
 * other nodes' disks. Requests (modified UTF-8 strings): {@code LIST <id>} (the {@code .red} files of
 * that id under the node's redundancy directory), {@code GET <relative path>} (one of those files),
 * {@code BUNDLE <version>} (the rank's own version as a bundle). Answer: u8 status (0 ok, 1 error),
 * then u64 length and bytes, or an error message.
 *
 * <p>Every connection first runs the job secret's mutual handshake ({@link JobSecret}, role {@code peer-files});
 * a client that fails it is closed with a warning naming its address, before any request is read.
 */
public final class PeerFiles implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PeerFiles.class);
  private final ServerSocket server;
  /** The handshake's service name. */
  public static final String SERVICE = "peer-files";
  private final JobConnections connections;
  private final Path redundancyDir;
  private final LongFunction<byte[]> bundles;
  private volatile boolean closed;

  /**
   * @param redundancyDir the node's {@code redundancy/<run>} directory (served read-only)
   * @param bundles       version -> this rank's bundle (throws when it does not have it)
   */
  public PeerFiles(String bindHost, JobConnections connections, Path redundancyDir, LongFunction<byte[]> bundles)
      throws IOException {
    this.connections = java.util.Objects.requireNonNull(connections, "connections");
    this.redundancyDir = redundancyDir.toAbsolutePath().normalize();
    this.bundles = bundles;
    this.server = connections.listen(bindHost);
    Thread.ofVirtual().name("cairn-peer-files").start(this::accept);
  }

  /** host:port to publish. */
  public String address() {
    return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
  }

  private void accept() {
    while (!closed) {
      try {
        Socket s = server.accept();
        Thread.ofVirtual().start(() -> serve(s));
      } catch (IOException e) {
        if (closed) return;
      }
    }
  }

  private void serve(Socket s) {
    try {
      connections.accept(s, SERVICE);
    } catch (IOException e) {
      if (!closed)
        LOG.warn("redundancy file server: refused a connection from {}: {}", s.getRemoteSocketAddress(),
            e.getMessage());
      try {
        s.close();
      } catch (IOException ignored) {
        /* closing */ }
      return;
    }
    try (s;
        DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()))) {
      s.setSoTimeout(60_000);
      while (true) {
        String req;
        try {
          req = in.readUTF();
        } catch (java.io.EOFException e) {
          return;
        }
        try {
          byte[] body = answer(req);
          out.writeByte(0);
          out.writeLong(body.length);
          out.write(body);
        } catch (IOException | RuntimeException e) {
          out.writeByte(1);
          out.writeUTF(String.valueOf(e.getMessage()));
        }
        out.flush();
      }
    } catch (IOException ignored) {
      // the client went away
    }
  }

  private byte[] answer(String req) throws IOException {
    if (req.startsWith("LIST ")) {
      String id = String.format("i%010d", Long.parseLong(req.substring(5).trim()));
      List<String> names = new ArrayList<>();
      if (Files.isDirectory(redundancyDir)) {
        try (Stream<Path> levels = Files.list(redundancyDir)) {
          for (Path level : levels.toList()) {
            Path d = level.resolve(id);
            if (!Files.isDirectory(d)) continue;
            try (Stream<Path> fs = Files.list(d)) {
              for (Path f : fs.toList())
                if (f.getFileName().toString().endsWith(".red")) names.add(redundancyDir.relativize(f).toString());
            }
          }
        }
      }
      return String.join("\n", names).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
    if (req.startsWith("GET ")) {
      String rel = req.substring(4);
      if (!rel.matches("[A-Za-z0-9+._-]+/i\\d{10}/[A-Za-z0-9._-]+\\.red"))
        throw new IOException("bad path '" + rel + "'");
      Path p = redundancyDir.resolve(rel).normalize();
      if (!p.startsWith(redundancyDir)) throw new IOException("bad path '" + rel + "'");
      return Files.readAllBytes(p);
    }
    if (req.startsWith("BUNDLE ")) return bundles.apply(Long.parseLong(req.substring(7).trim()));
    throw new IOException("unknown request '" + req + "'");
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  /** A connection to a peer's server. */
  public static final class Client implements AutoCloseable {
    private final Socket s;
    private final DataInputStream in;
    private final DataOutputStream out;

    public Client(String address, int timeoutMillis, JobConnections connections) throws IOException {
      s = connections.connect(address, timeoutMillis, SERVICE);
      s.setSoTimeout(60_000);
      in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
      out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()));
    }

    public byte[] request(String req) throws IOException {
      out.writeUTF(req);
      out.flush();
      if (in.readByte() != 0) throw new IOException(in.readUTF());
      long n = in.readLong();
      if (n < 0 || n > Integer.MAX_VALUE - 16) throw new IOException("bad answer length " + n);
      return in.readNBytes((int) n);
    }

    public List<String> list(long id) throws IOException {
      String s = new String(request("LIST " + id), java.nio.charset.StandardCharsets.UTF_8);
      return s.isEmpty() ? List.of() : List.of(s.split("\n"));
    }

    @Override
    public void close() throws IOException { s.close(); }
  }
}
