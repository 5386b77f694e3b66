package io.cairn.cluster.internal;

import io.cairn.internal.util.AtomicFiles;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The per-job secret (256 random bits) and the mutual challenge–response every connection of a job runs
 * before anything else is read: the coordinator's, the ranks' data connections and the redundancy file
 * servers'. See docs/security.md ("Cluster").
 *
 * <p>Where it comes from: {@code CAIRN_JOB_SECRET} (64 or more hex digits) when set, else the file
 * {@code <job>/job.secret} (mode 0600, owned by this user). The launcher makes one per launch (and passes it to
 * local processes in the environment, to ranks through ssh in the file); without the launcher (srun, mpirun)
 * rank 0 makes it and writes the file before it publishes {@code coordinator.addr}.
 *
 * <p>Handshake (binary, fixed sizes): the client sends {@code MAGIC}, the role (length byte, ASCII) and a fresh
 * 32-byte nonce {@code Nc}; the server answers a fresh nonce {@code Ns} and {@code HMAC(K, "cairn-auth1 server" | role | Nc | Ns)};
 * the client checks it and sends {@code HMAC(K, "cairn-auth1 client" | role | Nc | Ns)}, which the server checks.
 * Each side's proof covers the other side's fresh nonce (no replay), names the direction (a server's answer
 * reflected back as a client's fails) and the role (an answer for one kind of connection is useless for another).
 * Comparisons are constant-time ({@link MessageDigest#isEqual}).
 */
public final class JobSecret {
  /** Environment variable holding the secret in hex. */
  public static final String VARIABLE = "CAIRN_JOB_SECRET";
  /** The secret's file in the job directory. */
  public static final String FILE = "job.secret";
  /** Handshake roles. */
  public static final String COORDINATOR = "coordinator";
  public static final String DATA = "data";
  public static final String PEER_FILES = "peer-files";

  static final int MAGIC = 0xCA1A0A01;
  static final int NONCE = 32;
  static final int MAC_LEN = 32;
  private static final int MAX_ROLE = 32;
  /** How long a peer may take for its part of the handshake. */
  public static final int HANDSHAKE_TIMEOUT_MS = 10_000;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final byte[] key;
  private final JobTls tls;

  private JobSecret(byte[] key) {
    this(key, null);
  }

  private JobSecret(byte[] key, JobTls tls) {
    this.key = key.clone();
    this.tls = tls;
  }

  /** This secret, with TLS on every connection made through {@link #newSocket} and {@link #newServerSocket}. */
  public JobSecret withTls(JobTls t) {
    return new JobSecret(key, t);
  }

  /** Whether connections use TLS ({@link JobTls}). */
  public boolean tls() { return tls != null; }

  /** An unconnected client socket: plain, or TLS when the job uses it; {@link #authenticateAsClient} runs its handshakes. */
  public Socket newSocket() throws IOException {
    return tls == null ? new Socket() : tls.socket();
  }

  /** An unbound server socket: plain, or TLS (client certificate required) when the job uses it. */
  public java.net.ServerSocket newServerSocket() throws IOException {
    return tls == null ? new java.net.ServerSocket() : tls.serverSocket();
  }

  /** A value derived from the secret for another purpose (hex of HMAC(K, label)). */
  String derive(String label) {
    return HexFormat.of().formatHex(mac(label, new byte[]{'-'}, new byte[0], new byte[0])); // labels differ from "server" and "client"
  }

  /** A fresh secret: 256 bits from {@link SecureRandom}. */
  public static JobSecret generate() {
    byte[] k = new byte[32];
    RANDOM.nextBytes(k);
    return new JobSecret(k);
  }

  /** Parses a secret in hex (at least 64 digits); {@code where} names its origin in the error. */
  public static JobSecret parse(String hex, String where) {
    String h = hex == null ? "" : hex.trim();
    if (h.length() < 64 || h.length() > 1024 || h.length() % 2 != 0 || !h.matches("[0-9a-fA-F]+"))
      throw new IllegalArgumentException(
          where + " must be a job secret of at least 256 bits: 64 to 1024 hex digits (an even number), got "
              + (h.isEmpty()
                  ? "nothing"
                  : h.length() + " characters" + (h.matches("[0-9a-fA-F]*") ? "" : " that are not all hex digits")));
    return new JobSecret(HexFormat.of().parseHex(h));
  }

  /** The secret in hex (for the environment of a child process; never log it). */
  public String hex() {
    return HexFormat.of().formatHex(key);
  }

  @Override
  public String toString() { return "JobSecret[hidden]"; }

  // ------------------------------------------------------------------ where it lives

  /** The secret named by {@link #VARIABLE} in {@code env}, or null when it is not set. */
  public static JobSecret fromEnv(Map<String, String> env) {
    String v = env.get(VARIABLE);
    return v == null ? null : parse(v, VARIABLE);
  }

  /**
   * A process that hosts the coordinator: the secret of {@code env} when it has one, else a fresh one written to
   * {@code <job>/job.secret} (the ranks read it there), before anything else is published.
   */
  public static JobSecret forCoordinator(Map<String, String> env, Path jobDir) throws IOException {
    JobSecret s = fromEnv(env);
    if (s == null) {
      s = generate();
      s.writeTo(jobDir);
    }
    return withTlsOf(env, jobDir, s);
  }

  private static JobSecret withTlsOf(Map<String, String> env, Path jobDir, JobSecret s) throws IOException {
    return JobTls.enabled(env) ? s.withTls(JobTls.load(jobDir, s)) : s;
  }

  /** A rank: the secret of {@code env}, else the job directory's file (an IOException when it is not there yet). */
  public static JobSecret forRank(Map<String, String> env, Path jobDir) throws IOException {
    JobSecret s = fromEnv(env);
    return withTlsOf(env, jobDir, s != null ? s : read(jobDir));
  }

  private static final Set<PosixFilePermission> PRIVATE_FILE = EnumSet.of(PosixFilePermission.OWNER_READ,
      PosixFilePermission.OWNER_WRITE);

  /** Writes {@code <job>/job.secret} (mode 0600, atomically, durably); creates the job directory with mode 0700 if needed. */
  public void writeTo(Path jobDir) throws IOException {
    createPrivateDirectories(jobDir);
    Path f = jobDir.resolve(FILE);
    byte[] text = (hex() + "\n").getBytes(StandardCharsets.US_ASCII);
    AtomicFiles.write(f, true, ch -> AtomicFiles.writeFully(ch, java.nio.ByteBuffer.wrap(text)));
  }

  /** Creates an empty file readable and writable by its owner only (where the file system has POSIX modes). */
  public static void createPrivateFile(Path f) throws IOException {
    try {
      Files.createFile(f, PosixFilePermissions.asFileAttribute(PRIVATE_FILE));
    } catch (UnsupportedOperationException e) {
      Files.createFile(f);
    }
  }

  /** Creates a directory and its missing parents; the ones it creates get mode 0700 (where the file system has POSIX modes). */
  public static void createPrivateDirectories(Path dir) throws IOException {
    Path d = dir.toAbsolutePath();
    if (Files.isDirectory(d)) return;
    Path parent = d.getParent();
    if (parent != null) createPrivateDirectories(parent);
    try {
      Files.createDirectory(d, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (UnsupportedOperationException e) {
      Files.createDirectory(d);
    } catch (FileAlreadyExistsException e) {
      if (!Files.isDirectory(d)) throw e;
    }
  }

  /**
   * Reads {@code <job>/job.secret}: it must be a regular file (not a link), owned by this user and not readable or
   * writable by anyone else; else an IOException says what is wrong.
   */
  public static JobSecret read(Path jobDir) throws IOException {
    Path f = jobDir.resolve(FILE);
    if (!Files.exists(f, LinkOption.NOFOLLOW_LINKS))
      throw new NoSuchFileException(f + " (the job secret) does not exist (yet)");
    if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS))
      throw new IOException(f + " (the job secret) is not a regular file; refusing it");
    try {
      Set<PosixFilePermission> p = Files.getPosixFilePermissions(f, LinkOption.NOFOLLOW_LINKS);
      if (!PRIVATE_FILE.containsAll(p))
        throw new IOException(
            f + " (the job secret) has mode " + PosixFilePermissions.toString(p) + ": others could read or change it; "
                + "it must be rw------- (chmod 600), or delete it and launch again");
      String owner = Files.getOwner(f, LinkOption.NOFOLLOW_LINKS).getName();
      String me = System.getProperty("user.name");
      if (me != null && !owner.equals(me))
        throw new IOException(f + " (the job secret) belongs to " + owner + ", not to " + me + "; refusing it");
    } catch (UnsupportedOperationException e) {
      // no POSIX modes here (e.g. a Windows file system)
    }
    byte[] b;
    try (InputStream in = Files.newInputStream(f, LinkOption.NOFOLLOW_LINKS)) {
      b = in.readNBytes(2048);
    }
    return parse(new String(b, StandardCharsets.US_ASCII), "the job secret file " + f);
  }

  // ------------------------------------------------------------------ handshake

  /** A handshake failed: the peer does not know the job's secret, or it is no Cairn peer of this kind. */
  public static final class AuthenticationException extends IOException {
    public AuthenticationException(String message) { super(message); }
  }

  /** Runs the client side on a connected socket (bounded by {@link #HANDSHAKE_TIMEOUT_MS}). */
  public void authenticateAsClient(Socket s, String role) throws IOException {
    int old = s.getSoTimeout();
    s.setSoTimeout(HANDSHAKE_TIMEOUT_MS);
    try {
      tlsHandshake(s);
      authenticateAsClient(s.getInputStream(), s.getOutputStream(), role);
    } catch (SocketTimeoutException e) {
      throw new AuthenticationException("no answer to the handshake within " + HANDSHAKE_TIMEOUT_MS + " ms");
    }
    s.setSoTimeout(old);
  }

  /** Runs the server side on an accepted socket (bounded by {@link #HANDSHAKE_TIMEOUT_MS}). */
  public void authenticateAsServer(Socket s, String role) throws IOException {
    int old = s.getSoTimeout();
    s.setSoTimeout(HANDSHAKE_TIMEOUT_MS);
    try {
      tlsHandshake(s);
      authenticateAsServer(s.getInputStream(), s.getOutputStream(), role);
    } catch (SocketTimeoutException e) {
      throw new AuthenticationException(
          "the client did not complete the handshake within " + HANDSHAKE_TIMEOUT_MS + " ms");
    }
    s.setSoTimeout(old);
  }

  /** TLS first, on a TLS socket: the peer must hold the job's certificate (both ways). */
  private static void tlsHandshake(Socket s) throws IOException {
    if (!(s instanceof javax.net.ssl.SSLSocket ssl)) return;
    try {
      ssl.startHandshake();
    } catch (javax.net.ssl.SSLException e) {
      throw new AuthenticationException("TLS handshake failed: " + e.getMessage());
    }
  }

  /** Client side: sends the challenge, checks the server's proof, proves itself. Reads exactly the handshake's bytes. */
  public void authenticateAsClient(InputStream rawIn, OutputStream out, String role) throws IOException {
    byte[] r = roleBytes(role);
    byte[] nc = nonce();
    byte[] hello = new byte[4 + 1 + r.length + NONCE];
    java.nio.ByteBuffer.wrap(hello).putInt(MAGIC).put((byte) r.length).put(r).put(nc);
    out.write(hello);
    out.flush();
    DataInputStream in = new DataInputStream(rawIn);
    byte[] ns = new byte[NONCE];
    byte[] proof = new byte[MAC_LEN];
    try {
      in.readFully(ns);
      in.readFully(proof);
    } catch (java.io.EOFException e) {
      throw new AuthenticationException(
          "the peer closed the connection during the handshake (it refused this job's secret, or is no Cairn "
              + role + " endpoint)");
    }
    if (!MessageDigest.isEqual(proof, mac("server", r, nc, ns)))
      throw new AuthenticationException(
          "the peer does not know this job's secret (wrong " + role + " server, or another job)");
    out.write(mac("client", r, nc, ns));
    out.flush();
  }

  /** Server side: reads the challenge, proves itself, checks the client's proof. Reads at most 4 + 1 + 32 + 32 + 32 bytes. */
  public void authenticateAsServer(InputStream rawIn, OutputStream out, String role) throws IOException {
    byte[] r = roleBytes(role);
    DataInputStream in = new DataInputStream(rawIn);
    try {
      int magic = in.readInt();
      if (magic != MAGIC)
        throw new AuthenticationException(String.format("not a Cairn handshake (first bytes 0x%08x)", magic));
      int len = in.readUnsignedByte();
      if (len > MAX_ROLE) throw new AuthenticationException("bad handshake (role of " + len + " bytes)");
      byte[] theirs = new byte[len];
      in.readFully(theirs);
      if (!MessageDigest.isEqual(theirs, r))
        throw new AuthenticationException(
            "handshake for '" + new String(theirs, StandardCharsets.US_ASCII).replaceAll("[^ -~]", "?")
                + "' connections on a " + role + " port");
      byte[] nc = new byte[NONCE];
      in.readFully(nc);
      byte[] ns = nonce();
      byte[] answer = new byte[NONCE + MAC_LEN];
      System.arraycopy(ns, 0, answer, 0, NONCE);
      System.arraycopy(mac("server", r, nc, ns), 0, answer, NONCE, MAC_LEN);
      out.write(answer);
      out.flush();
      byte[] proof = new byte[MAC_LEN];
      in.readFully(proof);
      if (!MessageDigest.isEqual(proof, mac("client", r, nc, ns)))
        throw new AuthenticationException("the client does not know this job's secret");
    } catch (java.io.EOFException e) {
      throw new AuthenticationException("the client closed the connection during the handshake");
    }
  }

  private static byte[] roleBytes(String role) {
    byte[] r = role.getBytes(StandardCharsets.US_ASCII);
    if (r.length == 0 || r.length > MAX_ROLE) throw new IllegalArgumentException("bad handshake role '" + role + "'");
    return r;
  }

  private static byte[] nonce() {
    byte[] n = new byte[NONCE];
    RANDOM.nextBytes(n);
    return n;
  }

  /** HMAC-SHA256 over the direction's label, the role and both nonces (each field length-prefixed by construction: fixed sizes, one role byte). */
  byte[] mac(String direction, byte[] role, byte[] nc, byte[] ns) {
    try {
      Mac m = Mac.getInstance("HmacSHA256");
      m.init(new SecretKeySpec(key, "HmacSHA256"));
      m.update(("cairn-auth1 " + direction).getBytes(StandardCharsets.US_ASCII));
      m.update((byte) 0);
      m.update((byte) role.length);
      m.update(role);
      m.update(nc);
      m.update(ns);
      return m.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available in this JDK", e);
    }
  }
}
