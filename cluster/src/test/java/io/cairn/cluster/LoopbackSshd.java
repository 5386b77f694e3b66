package io.cairn.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private sshd for tests: runs as the current user in the foreground ({@code -D -e}) on a free port of
 * 127.0.0.1, with a throw-away host key and one authorized key made by ssh-keygen in a temporary directory, and
 * no configuration file ({@code -f /dev/null}). Nothing under ~/.ssh nor the system's sshd is read or touched: the
 * client side is {@link #sshOptions} ({@code -F /dev/null}, its own key and known_hosts file, which holds the
 * host key under an alias so host-key checking stays strict, and {@code HostName=127.0.0.1} so that any host name
 * given to ssh reaches this sshd).
 */
final class LoopbackSshd implements AutoCloseable {
  static final String SKIP = "Debian packages openssh-server and openssh-client; scripts/install-deps.sh installs them";

  private final Path dir;
  private final Process process;
  private final int port;
  private final List<String> sshOptions;

  private LoopbackSshd(Path dir, Process process, int port, List<String> sshOptions) {
    this.dir = dir;
    this.process = process;
    this.port = port;
    this.sshOptions = sshOptions;
  }

  /** The path of a tool: on PATH, or in /usr/sbin and /sbin (not on a non-root PATH). */
  static Optional<Path> tool(String name) {
    List<Path> dirs = new ArrayList<>();
    for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
      if (!d.isEmpty()) dirs.add(Path.of(d));
    dirs.addAll(List.of(Path.of("/usr/sbin"), Path.of("/sbin")));
    return dirs.stream().map(d -> d.resolve(name)).filter(Files::isExecutable).findFirst().map(Path::toAbsolutePath);
  }

  /** Why no sshd can be tried here (a missing tool), or empty. */
  static Optional<String> missing() {
    for (String t : List.of("sshd", "ssh", "ssh-keygen"))
      if (tool(t).isEmpty()) return Optional.of(t + " not found (" + SKIP + "): skipping the ssh launcher tests");
    return Optional.empty();
  }

  /**
   * Starts one, or says precisely why it cannot ({@link Unavailable}: the caller skips): sshd does not start,
   * or a probe {@code ssh ... true} through it fails.
   */
  static LoopbackSshd start(Path dir) throws IOException, InterruptedException {
    Path keygen = tool("ssh-keygen").orElseThrow();
    Path hostKey = dir.resolve("host_key");
    Path userKey = dir.resolve("user_key");
    run(List.of(keygen.toString(), "-q", "-t", "ed25519", "-N", "", "-C", "cairn-test-host", "-f", hostKey.toString()));
    run(List.of(keygen.toString(), "-q", "-t", "ed25519", "-N", "", "-C", "cairn-test-user", "-f", userKey.toString()));
    Path authorized = Files.copy(dir.resolve("user_key.pub"), dir.resolve("authorized_keys"));
    Path knownHosts = Files.writeString(dir.resolve("known_hosts"),
        "cairn-test-sshd " + Files.readString(dir.resolve("host_key.pub")));
    // sshd started as root needs its privilege separation directory (made by the system's ssh service, absent in a container)
    Path privsep = Path.of("/run/sshd");
    if ("root".equals(System.getProperty("user.name")) && !Files.isDirectory(privsep)) {
      try {
        Files.createDirectories(privsep, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
            java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x")));
      } catch (IOException e) {
        throw new Unavailable("sshd runs as root and needs " + privsep + ", which cannot be made: " + e);
      }
    }
    String last = "";
    for (int attempt = 0; attempt < 5; attempt++) {
      int port;
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
        port = s.getLocalPort();
      }
      Path log = dir.resolve("sshd-" + attempt + ".log");
      Process p = new ProcessBuilder(tool("sshd").orElseThrow().toString(), "-D", "-e", "-f", "/dev/null", "-p",
          Integer.toString(port),
          "-o", "ListenAddress=127.0.0.1", "-o", "HostKey=" + hostKey, "-o", "AuthorizedKeysFile=" + authorized, "-o",
          "StrictModes=no",
          "-o", "PidFile=none", "-o", "PasswordAuthentication=no", "-o", "KbdInteractiveAuthentication=no", "-o",
          "PubkeyAuthentication=yes",
          "-o", "MaxStartups=100", "-o", "LogLevel=VERBOSE")
          .redirectErrorStream(true).redirectOutput(log.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
      long deadline = System.currentTimeMillis() + 10_000;
      while (p.isAlive() && !Files.readString(log).contains("Server listening on")
          && System.currentTimeMillis() < deadline)
        Thread.sleep(20);
      last = Files.readString(log).strip();
      if (!p.isAlive() || !last.contains("Server listening on")) {
        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        if (last.contains("Address already in use")) continue; // the port was taken meanwhile
        throw new Unavailable("sshd did not start (" + tool("sshd").get() + ", exit "
            + (p.isAlive() ? "none" : p.exitValue()) + "): " + last);
      }
      List<String> opts = List.of("-F", "/dev/null", "-p", Integer.toString(port), "-i", userKey.toString(), "-o",
          "IdentitiesOnly=yes",
          "-o", "IdentityAgent=none", "-o", "HostName=127.0.0.1", "-o", "HostKeyAlias=cairn-test-sshd", "-o",
          "UserKnownHostsFile=" + knownHosts,
          "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes", "-o", "LogLevel=ERROR", "-o",
          "ConnectTimeout=10");
      LoopbackSshd d = new LoopbackSshd(dir, p, port, opts);
      List<String> probe = new ArrayList<>(List.of(tool("ssh").orElseThrow().toString(), "-o", "BatchMode=yes"));
      probe.addAll(opts);
      probe.addAll(List.of("probe-host", "true"));
      Path out = dir.resolve("probe.log");
      Process pr = new ProcessBuilder(probe).redirectErrorStream(true).redirectOutput(out.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
      if (!pr.waitFor(30, TimeUnit.SECONDS) || pr.exitValue() != 0) {
        pr.destroyForcibly();
        String why = Files.readString(out).strip();
        d.close();
        throw new Unavailable(
            "ssh to the test sshd on 127.0.0.1:" + port + " as " + System.getProperty("user.name") + " failed: " + why
                + "; sshd said: " + Files.readString(log).strip());
      }
      return d;
    }
    throw new Unavailable("sshd found no free port on 127.0.0.1: " + last);
  }

  private static void run(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) throw new Unavailable(String.join(" ", cmd) + " failed: " + out.strip());
  }

  /** The options that make {@code ssh <any name>} log in to this sshd. */
  List<String> sshOptions() {
    return sshOptions;
  }

  /** How many logins sshd accepted so far. */
  long logins() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      long n = 0;
      for (Path f : s.filter(f -> f.getFileName().toString().startsWith("sshd-")).toList())
        n += Files.readAllLines(f).stream().filter(l -> l.contains("Accepted publickey")).count();
      return n;
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
  }

  /** This environment cannot run the test sshd; the message says why. */
  static final class Unavailable extends IOException {
    Unavailable(String why) { super(why); }
  }
}
