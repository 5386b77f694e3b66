package io.cairn.dashboard;

import static io.cairn.dashboard.Html.esc;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * {@code cairn serve}: a read-only web dashboard of a checkpoint directory or a parallel job's directory,
 * and of the reports of {@code cairn bench}, {@code simulate} and {@code advise}. The pages update
 * themselves once a second. It never writes into the directories it shows, listens on the loopback
 * interface unless told otherwise, and then requires a shared-secret token. See docs/dashboard.md.
 *
 * <pre>{@code
 * try (Dashboard d = Dashboard.builder(Path.of("cairn-data")).port(8080).start()) {
 *   System.out.println(d.uri());
 *   d.join();
 * }
 * }</pre>
 */
public final class Dashboard implements AutoCloseable {
  /** The cookie that carries the token once the browser presented it ({@code ?token=}). */
  static final String COOKIE = "cairn-token";
  private final Server server;
  private final URI uri;
  private final Path dir;
  private final Runs runs;
  private final Job job;
  private final Reports reports;
  private final byte[] token;
  private final boolean loopback;

  private Dashboard(Builder b) throws IOException {
    if (!Files.isDirectory(b.dir))
      throw new IllegalArgumentException(
          b.dir + " is not a directory (give a checkpoint directory or a job directory with --dir)");
    this.dir = b.dir.toAbsolutePath().normalize();
    InetAddress addr;
    try {
      addr = InetAddress.getByName(b.bind);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(
          "--bind " + b.bind + ": not an address of this machine (" + e.getMessage() + ")");
    }
    this.loopback = addr.isLoopbackAddress();
    if (!loopback && b.tokenFile == null)
      throw new IllegalArgumentException("--bind " + b.bind
          + " is not a loopback address: anyone who can reach it could read the run's state; "
          + "give --token-file FILE (a private file, mode 0600, holding a secret of at least 32 characters) so that only holders of the token get in");
    this.token = b.tokenFile == null ? null : readToken(b.tokenFile);
    this.runs = new Runs(dir, b.config, b.names);
    try {
      runs.specs(); // a wrong configuration is said now, not on every page
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    this.job = Job.is(dir) ? new Job(dir) : null;
    List<Path> roots = new ArrayList<>();
    roots.add(dir);
    for (Path p : b.reports) {
      if (!Files.isDirectory(p)) throw new IllegalArgumentException("--reports " + p + ": not a directory");
      roots.add(p.toAbsolutePath().normalize());
    }
    this.reports = new Reports(roots);

    QueuedThreadPool pool = new QueuedThreadPool(16, 2);
    pool.setName("cairn-serve");
    pool.setDaemon(true);
    server = new Server(pool);
    HttpConfiguration hc = new HttpConfiguration();
    hc.setSendServerVersion(false);
    hc.setSendXPoweredBy(false);
    ServerConnector c = new ServerConnector(server, 1, 1, new HttpConnectionFactory(hc));
    c.setHost(addr.getHostAddress());
    c.setPort(b.port);
    server.addConnector(c);
    server.setHandler(new Handler.Abstract() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) {
        serve(request, response, callback);
        return true;
      }
    });
    try {
      server.start();
    } catch (Exception e) {
      try {
        server.stop();
      } catch (Exception ignored) {
        // already failed
      }
      throw new IOException("cannot listen on " + b.bind + ":" + b.port + ": " + e.getMessage(), e);
    }
    String host = addr.getHostAddress();
    uri = URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + c.getLocalPort() + "/");
  }

  /** A dashboard of {@code dir}: a checkpoint directory (the {@code --dir} of the program) or a job directory. */
  public static Builder builder(Path dir) {
    return new Builder(dir);
  }

  /** Options of {@link #builder}. */
  public static final class Builder {
    private final Path dir;
    private String bind = "127.0.0.1";
    private int port = 8080;
    private Path tokenFile;
    private Path config;
    private final Set<String> names = new LinkedHashSet<>();
    private final List<Path> reports = new ArrayList<>();

    private Builder(Path dir) { this.dir = dir; }

    /** The address to listen on (default 127.0.0.1); one that is not a loopback address needs {@link #tokenFile}. */
    public Builder bind(String address) {
      this.bind = address;
      return this;
    }

    /** The port (default 8080; 0: any free one, see {@link #uri}). */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** A private file (mode 0600) holding the token a browser must present ({@code ?token=} once, or {@code Authorization: Bearer}). */
    public Builder tokenFile(Path file) {
      this.tokenFile = file;
      return this;
    }

    /** The configuration file the program uses (levels and their paths), when not the defaults. */
    public Builder config(Path file) {
      this.config = file;
      return this;
    }

    /** A run to show even when its directories cannot be listed (e.g. on an {@code s3} level). */
    public Builder name(String run) {
      names.add(run);
      return this;
    }

    /** Another directory with reports of {@code cairn bench}, {@code simulate} or {@code advise}. */
    public Builder reports(Path dir) {
      reports.add(dir);
      return this;
    }

    /**
     * Starts the server.
     *
     * @throws IllegalArgumentException for a wrong option (message naming it)
     * @throws IOException when the address cannot be listened on
     */
    public Dashboard start() throws IOException { return new Dashboard(this); }
  }

  /** Where the dashboard answers, e.g. {@code http://127.0.0.1:8080/}. */
  public URI uri() { return uri; }

  /** Waits until the server stops. */
  public void join() throws InterruptedException { server.join(); }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("cannot stop the dashboard: " + e.getMessage(), e);
    }
  }

  private static byte[] readToken(Path f) throws IOException {
    if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS))
      throw new IllegalArgumentException("--token-file " + f + ": not a regular file (or a symbolic link)");
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(f, LinkOption.NOFOLLOW_LINKS);
      for (PosixFilePermission p : perms)
        if (p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))
          throw new IllegalArgumentException(
              "--token-file " + f + " can be read or changed by other users (" + p + "); chmod 600 it");
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: nothing to check
    }
    String t = Files.readString(f, StandardCharsets.UTF_8).trim();
    if (t.length() < 32 || !t.matches("[\\x21-\\x7e]+"))
      throw new IllegalArgumentException(
          "--token-file " + f + ": the token must be at least 32 printable characters without spaces "
              + "(e.g. head -c32 /dev/urandom | xxd -p -c64 > " + f + ")");
    return t.getBytes(StandardCharsets.UTF_8);
  }

  // ---------------------------------------------------------------- requests

  private void serve(Request req, Response res, Callback cb) {
    res.getHeaders().put("X-Content-Type-Options", "nosniff");
    res.getHeaders().put("Referrer-Policy", "no-referrer");
    res.getHeaders().put("Cache-Control", "no-store");
    res.getHeaders().put("Content-Security-Policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
    try {
      String method = req.getMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        send(res, cb, 405, "text/plain; charset=utf-8", "read-only: only GET\n");
        return;
      }
      if (loopback && !localHost(req.getHeaders().get(HttpHeader.HOST))) { // another site's page, renamed to 127.0.0.1 (DNS rebinding)
        send(res, cb, 421, "text/plain; charset=utf-8",
            "this dashboard answers to 127.0.0.1, ::1 and localhost only\n");
        return;
      }
      String path = Request.getPathInContext(req);
      Fields query = Request.extractQueryParameters(req);
      if (token != null && !authenticated(req, res, cb, path, query)) return;
      long now = System.currentTimeMillis();
      switch (path) {
        case "/app.js" -> send(res, cb, 200, "text/javascript; charset=utf-8", resource("app.js"));
        case "/app.css" -> send(res, cb, 200, "text/css; charset=utf-8", resource("app.css"));
        case "/file" -> file(res, cb, query);
        case "/api/state.json" -> send(res, cb, 200, "application/json", State.json(runs, job != null, now));
        default -> {
          boolean fragment = path.startsWith("/fragment/");
          String page = fragment ? path.substring("/fragment".length()) : path;
          String body = content(page, query, now);
          if (body == null) {
            send(res, cb, 404, "text/plain; charset=utf-8", "no such page\n");
            return;
          }
          send(res, cb, 200, "text/html; charset=utf-8", fragment ? body : shell(page, query, body));
        }
      }
    } catch (RuntimeException | IOException e) {
      send(res, cb, 500, "text/plain; charset=utf-8", "cairn serve: " + e.getMessage() + "\n");
    }
  }

  private static boolean localHost(String host) {
    if (host == null) return false;
    String h = host.startsWith("[")
        ? host.substring(0, host.indexOf(']') + 1)
        : host.contains(":") ? host.substring(0, host.lastIndexOf(':')) : host;
    return h.equals("localhost") || h.equals("[::1]") || h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
  }

  private boolean authenticated(Request req, Response res, Callback cb, String path, Fields query) {
    String given = query.getValue("token");
    if (given != null && same(given)) { // once, from the link: kept in a cookie, and the address bar loses it
      res.getHeaders().add(HttpHeader.SET_COOKIE, COOKIE + "=" + given + "; Path=/; HttpOnly; SameSite=Strict");
      StringBuilder back = new StringBuilder(path.startsWith("//") ? "/" : path); // never to another host
      for (String k : query.getNames()) // the page's other parameters (?name=…) stay
        if (!k.equals("token"))
          back.append(back.indexOf("?") < 0 ? '?' : '&').append(Html.q(k)).append('=')
              .append(Html.q(String.valueOf(query.getValue(k))));
      res.getHeaders().put(HttpHeader.LOCATION, back.toString());
      send(res, cb, 303, "text/plain; charset=utf-8", "authenticated\n");
      return false;
    }
    String auth = req.getHeaders().get(HttpHeader.AUTHORIZATION);
    if (auth != null && auth.startsWith("Bearer ") && same(auth.substring(7).trim())) return true;
    for (HttpCookie c : Request.getCookies(req)) if (c.getName().equals(COOKIE) && same(c.getValue())) return true;
    res.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"cairn serve\"");
    send(res, cb, 401, "text/plain; charset=utf-8",
        "cairn serve: authentication required: open " + path
            + "?token=<the token in the --token-file> once, or send 'Authorization: Bearer <token>'\n");
    return false;
  }

  private boolean same(String given) { return MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8)); }

  /** The page's content (also what the page polls, at /fragment + its path); null for no such page. */
  private String content(String page, Fields query, long now) {
    StringBuilder b = new StringBuilder();
    switch (page) {
      case "/" -> {
        if (job != null)
          b.append("<p class='jobnote'>This is a parallel job's directory: see <a href='/job'>the job</a>.</p>");
        runs.overview(b, now);
        b.append(
            "<p><a href='/reports'>Reports</a> (JSON and SVG files of cairn bench, simulate, advise under the directory");
        b.append(reports.roots().size() > 1 ? " and --reports" : "").append(")</p>");
      }
      case "/run" -> {
        String name = query.getValue("name");
        if (name == null || !Runs.RUN_NAME.matcher(name).matches()) return null;
        runs.page(b, name, now);
      }
      case "/job" -> {
        if (job == null)
          b.append("<p class='empty'>").append(esc(dir)).append(" is not a parallel job's directory.</p>");
        else
          job.page(b, now);
      }
      case "/reports" -> reports.page(b);
      default -> {
        return null;
      }
    }
    return b.toString();
  }

  private String shell(String page, Fields query, String body) {
    StringBuilder src = new StringBuilder("/fragment").append(page);
    String name = query.getValue("name");
    if (name != null) src.append("?name=").append(Html.q(name));
    return "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>cairn serve: " + esc(dir) + "</title>"
        + "<link rel='stylesheet' href='/app.css'><script src='/app.js' defer></script></head><body>"
        + "<header><h1><a href='/'>Cairn</a></h1><nav><a href='/'>runs</a>"
        + (job != null ? " <a href='/job'>job</a>" : "")
        + " <a href='/reports'>reports</a></nav><span id='live' class='stale'>loaded</span></header>"
        + "<main id='content' data-src='" + esc(src) + "'>" + body + "</main>"
        + "<footer>read-only view of " + esc(dir) + "</footer></body></html>\n";
  }

  private void file(Response res, Callback cb, Fields query) throws IOException {
    int idx;
    try {
      idx = Integer.parseInt(String.valueOf(query.getValue("root")));
    } catch (NumberFormatException e) {
      idx = -1;
    }
    Path p = reports.image(idx, query.getValue("path"));
    if (p == null) {
      send(res, cb, 404, "text/plain; charset=utf-8", "no such report image\n");
      return;
    }
    if (Files.size(p) > 32 << 20) {
      send(res, cb, 413, "text/plain; charset=utf-8", "image larger than 32 MiB\n");
      return;
    }
    res.getHeaders().put("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox");
    send(res, cb, 200, p.toString().endsWith(".svg") ? "image/svg+xml" : "image/png", Files.readAllBytes(p));
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = Dashboard.class.getResourceAsStream(name)) {
      if (in == null) throw new IOException("missing resource " + name);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static void send(Response res, Callback cb, int status, String type, String body) {
    send(res, cb, status, type, body.getBytes(StandardCharsets.UTF_8));
  }

  private static void send(Response res, Callback cb, int status, String type, byte[] body) {
    res.setStatus(status);
    res.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
    res.getHeaders().put(HttpHeader.CONTENT_LENGTH, Long.toString(body.length));
    res.write(true, ByteBuffer.wrap(body), cb);
  }
}
