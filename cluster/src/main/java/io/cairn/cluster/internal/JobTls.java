package io.cairn.cluster.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS for every connection of a job ({@code cairn launch --tls}): the launcher makes a self-signed EC key pair
 * and certificate for the job with the JDK's {@code keytool} ({@code <job>/tls.p12}, PKCS12, mode 0600, its
 * password derived from the job secret), and every process of the job uses it as its own key and as the one
 * certificate it trusts: TLS 1.3, client certificates required. The job secret's handshake then runs inside TLS,
 * so the streams after it are private and cannot be changed on the way. Switched on in a process by
 * {@code CAIRN_TLS=true} (the launcher sets it).
 */
public final class JobTls {
  /** Environment variable that switches TLS on ({@code true}). */
  public static final String VARIABLE = "CAIRN_TLS";
  /** The job's key store in the job directory. */
  public static final String FILE = "tls.p12";
  private static final String ALIAS = "cairn-job";
  private static final String[] PROTOCOLS = {"TLSv1.3"};

  private final SSLContext context;

  private JobTls(SSLContext context) {
    this.context = context;
  }

  /** Whether {@code env} switches TLS on; an IllegalArgumentException for a value other than true or false. */
  public static boolean enabled(Map<String, String> env) {
    String v = env.get(VARIABLE);
    if (v == null || v.equals("false")) return false;
    if (v.equals("true")) return true;
    throw new IllegalArgumentException(VARIABLE + "='" + v + "': use true or false (cairn launch --tls sets it)");
  }

  /** Makes {@code <job>/tls.p12} for a new launch (replacing an older one) with the JDK's keytool. */
  public static void create(Path jobDir, JobSecret secret) throws IOException {
    Path tmpDir = jobDir.resolve(".tls-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
    JobSecret.createPrivateDirectories(tmpDir);
    try {
      Path ks = tmpDir.resolve(FILE);
      Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
      List<String> cmd = new ArrayList<>(List.of(keytool.toString(), "-genkeypair", "-alias", ALIAS, "-keyalg", "EC",
          "-groupname", "secp256r1",
          "-sigalg", "SHA256withECDSA", "-dname", "CN=cairn job " + jobDir.getFileName(), "-validity", "3650",
          "-storetype", "PKCS12",
          "-keystore", ks.toString(), "-storepass:env", "CAIRN_TLS_STOREPASS", "-keypass:env", "CAIRN_TLS_STOREPASS"));
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      pb.environment().put("CAIRN_TLS_STOREPASS", password(secret)); // never on a command line
      Process p = pb.start();
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readNBytes(64 * 1024);
      try {
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          throw new IOException("keytool did not finish within 120 s");
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while keytool made the job's TLS key", e);
      }
      if (p.exitValue() != 0)
        throw new IOException(
            "keytool could not make the job's TLS key (exit " + p.exitValue() + "): " + new String(out).trim());
      try {
        Files.setPosixFilePermissions(ks, EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
      } catch (UnsupportedOperationException ignored) {
        // no POSIX modes here
      }
      Files.move(ks, jobDir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      try (var s = Files.list(tmpDir)) {
        for (Path f : s.toList()) Files.deleteIfExists(f);
      }
      Files.deleteIfExists(tmpDir);
    }
  }

  /** Loads {@code <job>/tls.p12} (a private regular file of this user, like the secret's). */
  public static JobTls load(Path jobDir, JobSecret secret) throws IOException {
    Path f = jobDir.resolve(FILE);
    if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS))
      throw new IOException(VARIABLE + "=true but " + f
          + " (the job's TLS key) is missing or not a regular file; launch with cairn launch --tls");
    try {
      Set<PosixFilePermission> p = Files.getPosixFilePermissions(f, LinkOption.NOFOLLOW_LINKS);
      if (!EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE).containsAll(p))
        throw new IOException(f + " (the job's TLS key) has mode " + PosixFilePermissions.toString(p)
            + ": it must be rw------- (chmod 600)");
    } catch (UnsupportedOperationException ignored) {
      // no POSIX modes here
    }
    char[] pass = password(secret).toCharArray();
    try (InputStream in = Files.newInputStream(f, LinkOption.NOFOLLOW_LINKS)) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(in, pass);
      Certificate cert = ks.getCertificate(ALIAS);
      if (cert == null) throw new IOException(f + " holds no key '" + ALIAS + "'");
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry(ALIAS, cert); // the job's own certificate is the only one trusted
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, pass);
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ctx = SSLContext.getInstance("TLSv1.3");
      ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      return new JobTls(ctx);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot use " + f + " (the job's TLS key; made for another job secret?): " + e.getMessage(),
          e);
    }
  }

  /** An unconnected client socket. */
  Socket socket() throws IOException {
    SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket();
    s.setEnabledProtocols(PROTOCOLS);
    s.setUseClientMode(true);
    return s;
  }

  /** An unbound server socket that requires the clients' certificate. */
  ServerSocket serverSocket() throws IOException {
    SSLServerSocket s = (SSLServerSocket) context.getServerSocketFactory().createServerSocket();
    s.setEnabledProtocols(PROTOCOLS);
    s.setNeedClientAuth(true);
    return s;
  }

  private static String password(JobSecret secret) { return secret.derive("cairn-tls-keystore"); }
}
