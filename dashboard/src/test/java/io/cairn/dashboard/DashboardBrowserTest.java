package io.cairn.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cairn.Cairn;
import io.cairn.Checkpointer;
import io.cairn.Metadata;
import io.cairn.cluster.DistributedArray;
import io.cairn.cluster.ParallelCheckpointer;
import io.cairn.cluster.Protocol;
import io.cairn.cluster.Rank;
import io.cairn.cluster.internal.Coordinator;
import io.cairn.internal.util.Svg;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real headless browser (Debian's chromium and chromium-driver, driven by Selenium): the pages
 * load and show the numbers of a run and a job the test made, update when a new checkpoint commits, escape what
 * they show, and never write into the directories. Skipped when the browser is not installed.
 */
class DashboardBrowserTest {
  static final Path CHROMIUM = Path.of(System.getProperty("cairn.chromium", "/usr/bin/chromium"));
  static final Path DRIVER = Path.of(System.getProperty("cairn.chromedriver", "/usr/bin/chromedriver"));
  /** A label and a region name that would run script if the page did not escape them. */
  static final String EVIL_LABEL = "<script>window.pwned=1</script><img src=x onerror='window.pwned=2'>";
  static final String EVIL_REGION = "<img src=y onerror='window.pwned=3'>";

  static WebDriver browser;
  static ChromeDriverService service;
  @TempDir
  static Path tmp;

  static final String MISSING = "headless browser tests skipped: " + CHROMIUM + " or " + DRIVER
      + " is missing (Debian packages chromium and chromium-driver; scripts/install-deps.sh)";

  @BeforeAll
  static void startBrowser() throws IOException {
    if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(DRIVER)) {
      System.err.println(MISSING);
      return;
    }
    ChromeOptions o = new ChromeOptions();
    o.setBinary(CHROMIUM.toFile());
    o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--window-size=1280,1000",
        "--user-data-dir=" + Files.createDirectories(tmp.resolve("chromium-profile")));
    service = new ChromeDriverService.Builder().usingDriverExecutable(new File(DRIVER.toString())).usingAnyFreePort()
        .build();
    browser = new ChromeDriver(service, o);
    browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
  }

  /** Each test is reported as skipped, with the reason, when the browser is not installed. */
  @org.junit.jupiter.api.BeforeEach
  void needsTheBrowser() { assumeTrue(browser != null, MISSING); }

  @AfterAll
  static void stopBrowser() {
    if (browser != null) browser.quit();
    if (service != null) service.stop();
    if (service != null) assertThat(service.isRunning()).as("chromedriver stopped").isFalse();
  }

  static Checkpointer open(Path dir) {
    return Cairn.builder().directory(dir).name("heat").set("signals", "false").set("levels", "local,persistent")
        .set("level.persistent.incremental", "true").set("level.persistent.every", "1").set("block-size", "64KiB")
        .set("interval", "young").set("interval.mtbf", "1h").open();
  }

  /**
   * The text of every element {@code css} selects, read in one script (the page replaces its content once a second, so
   * element references kept across calls can go stale).
   */
  @SuppressWarnings("unchecked")
  static List<String> texts(String css) {
    return (List<String>) js("return Array.from(document.querySelectorAll(arguments[0])).map(e => e.textContent)", css);
  }

  static String text(String css) {
    List<String> t = texts(css);
    assertThat(t).as("elements matching " + css).isNotEmpty();
    return t.getFirst();
  }

  static Object js(String script, Object... args) { return ((JavascriptExecutor) browser).executeScript(script, args); }

  static WebDriverWait waiting(int seconds) {
    return new WebDriverWait(browser, Duration.ofSeconds(seconds), Duration.ofMillis(100));
  }

  @Test
  void runPageShowsTheRunsNumbersUpdatesLiveEscapesAndNeverWrites() throws Exception {
    Path dir = tmp.resolve("ckpt");
    long[] state = new long[100_000]; // 800,000 bytes: "781.3 KiB"
    byte[] small = new byte[5_000];
    try (Checkpointer ck = open(dir)) {
      ck.protect("state", state).protect(EVIL_REGION, small);
      for (int s = 1; s <= 2; s++) {
        state[s] = s;
        ck.checkpoint(Metadata.create().label(EVIL_LABEL).step(s));
      }
    }
    Map<String, String> before = snapshot(dir);
    try (Dashboard d = Dashboard.builder(dir).port(0).start()) {
      assertThat(d.uri().getHost()).isEqualTo("127.0.0.1");
      browser.get(d.uri().toString());
      assertThat(text("table.runs a.run")).isEqualTo("heat");
      assertThat(text("table.runs .newest")).isEqualTo("2");
      browser.get(d.uri().resolve((String) js("return document.querySelector('table.runs a.run').getAttribute('href')"))
          .toString());
      waiting(10).until(b -> b.getCurrentUrl().contains("/run?name=heat"));
      assertThat(texts("table.level-local .version")).containsExactly("2", "1");
      assertThat(texts("table.level-local .state-bytes"))
          .containsOnly(Html.size(800_000 + 5_000)).hasSize(2);
      // persistent is incremental: version 2 stores only the changed chunk, and its chain leads to version 1
      String chain = text("table.level-persistent tbody tr:first-child td:nth-child(6)");
      assertThat(chain).isEqualTo("→ 1");
      long stored2 = parse(text("table.level-persistent tbody tr:first-child .stored-bytes"));
      assertThat(stored2).isLessThan(800_000 / 2);
      // the interval policy and its inputs, the timing plot
      assertThat(text(".interval-mode")).isEqualTo("young");
      assertThat(text(".interval")).matches("[0-9.]+ (s|ms)");
      assertThat(texts("#plot-times svg circle")).hasSize(2);
      assertThat(texts("#plot-sizes svg polyline")).hasSize(2);
      // escaped: the label and the region name are shown as text, and no script of theirs ran
      assertThat(texts(".label")).contains(EVIL_LABEL);
      assertThat(texts(".region")).contains(EVIL_REGION);
      assertThat(js("return typeof window.pwned")).isEqualTo("undefined");
      assertThat(browser.getPageSource()).doesNotContain("<script>window.pwned");
      screenshot("dashboard-run.png");
      // the other pages load too; nothing was written into the checkpoint directory by any of it
      browser.get(d.uri().resolve("/reports").toString());
      browser.get(d.uri().resolve("/api/state.json").toString());
      assertThat(text("body")).contains("\"name\":\"heat\"").contains("\"stateBytes\":805000");
      assertThat(snapshot(dir)).isEqualTo(before);

      // live: a checkpoint committed while the page is open appears without reloading
      browser.get(d.uri().resolve("/run?name=heat").toString());
      js("window.notReloaded = true");
      try (Checkpointer ck = open(dir)) {
        ck.protect("state", state).protect(EVIL_REGION, small);
        ck.restoreLatest();
        state[3] = 3;
        ck.checkpoint(Metadata.create().label("third").step(3));
      }
      waiting(15).until(b -> texts("table.level-local .version").contains("3"));
      assertThat(js("return window.notReloaded")).isEqualTo(true);
      assertThat(text("#live")).startsWith("live");
      // the restore of the new incarnation is in the history: a restore series in the plot
      assertThat(texts("#plot-times svg text")).contains("restore");
      assertThat(js("return typeof window.pwned")).isEqualTo("undefined");
    }
  }

  @Test
  void jobPageShowsRanksGlobalVersionsAndRecoveries() throws Exception {
    Path job = tmp.resolve("job");
    int globals = 3;
    runJob(job, 2, globals);
    // no launcher ran this job (rank threads): its processes file, in the launcher's format, as after one restart of rank 1
    Files.writeString(job.resolve("processes"),
        "# processes of the launch by 1:2 (pid:start of the launcher)\nlauncher 1 2\nrestarts 1\n"
            + "rank 0 node=node-0 incarnation=0 11 12\nrank 1 node=node-1 incarnation=1 13 14\n");
    Map<String, String> before = snapshot(job);
    try (Dashboard d = Dashboard.builder(job).port(0).start()) {
      browser.get(d.uri().resolve("/job").toString());
      assertThat(text(".ranks")).isEqualTo("2");
      List<io.cairn.cluster.internal.GlobalManifest.Entry> committed = io.cairn.cluster.internal.GlobalManifest
          .read(job);
      assertThat(committed).hasSizeGreaterThanOrEqualTo(globals);
      assertThat(text(".newest-global")).isEqualTo(Long.toString(committed.getLast().global()));
      assertThat(text(".protocol")).isEqualTo(Protocol.BLOCKING.id());
      assertThat(text(".starts")).isEqualTo("1");
      assertThat(text(".rollbacks")).isEqualTo("0");
      assertThat(texts("table.globals .global"))
          .containsExactlyElementsOf(committed.reversed().stream().map(e -> Long.toString(e.global())).toList());
      assertThat(text(".restarts")).isEqualTo("1");
      assertThat(texts("table.ranks tbody td:nth-child(4)")).containsExactly("0", "1");
      List<String> rows = texts("table.ranks tbody tr");
      assertThat(rows).hasSize(2);
      assertThat(rows.get(1)).contains("node-1").contains("rack=r1");
      assertThat(texts("table.events .event")).contains("start", "running", "restored");
      screenshot("dashboard-job.png");
      // the ranks' runs are on the runs page, from the persistent and the node-local levels
      browser.get(d.uri().toString());
      assertThat(texts("table.runs a.run")).contains("r0of2", "r1of2");
      assertThat(text("table.runs")).contains("local@node-0");
      assertThat(snapshot(job)).isEqualTo(before);
    }
  }

  @Test
  void reportsAreRenderedWithTheirPlotsAndAnSvgsScriptNeverRuns() throws Exception {
    Path dir = tmp.resolve("reports-home");
    Path rep = Files.createDirectories(dir.resolve("bench-out"));
    Files.writeString(rep.resolve("bench.json"),
        "{\"title\":\"engine bench <b>x</b>\",\"results\":[{\"case\":\"sync\",\"ratio\":1.25},"
            + "{\"case\":\"async\",\"ratio\":0.5}]}");
    Files.writeString(rep.resolve("bench.svg"),
        Svg.barChart("ratio", "x", List.of("sync", "async"), new double[]{1.25, 0.5}));
    Files.writeString(rep.resolve("evil.svg"),
        "<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'><script>parent.pwned=9</script></svg>");
    Path extra = Files.createDirectories(tmp.resolve("elsewhere"));
    Files.writeString(extra.resolve("metrics.json"),
        "{\"title\":\"simulated\",\"results\":[{\"policy\":\"young\",\"makespan\":3.5}]}");
    try (Dashboard d = Dashboard.builder(dir).reports(extra).port(0).start()) {
      browser.get(d.uri().resolve("/reports").toString());
      String text = text("#content");
      assertThat(text).contains("engine bench <b>x</b>").contains("1.25").contains("async").contains("simulated")
          .contains("3.5");
      assertThat(texts("img.report-plot")).hasSize(2);
      waiting(10).until(b -> (Boolean) js("return Array.from(document.images).every(i => i.complete)"));
      assertThat(js("return document.querySelector(\"img[alt='bench-out/bench.svg']\").naturalWidth")).isEqualTo(760L);
      assertThat(js("return typeof window.pwned")).isEqualTo("undefined");
      // no way out of the report directories
      browser.get(d.uri().resolve("/file?root=0&path=../reports-home/bench-out/bench.svg").toString());
      browser.get(d.uri().resolve("/file?root=0&path=%2Fetc%2Fpasswd.svg").toString());
      assertThat(text("body")).contains("no such report image");
    }
  }

  @Test
  void aNonLoopbackBindNeedsATokenAndTheTokenIsChecked() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("auth"));
    assertThatThrownBy(() -> Dashboard.builder(dir).bind("0.0.0.0").port(0).start())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a loopback address").hasMessageContaining("--token-file");
    Path token = dir.resolve("token");
    Files.writeString(token, "0123456789abcdef0123456789abcdef0123456789abcdef\n");
    Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> Dashboard.builder(dir).bind("0.0.0.0").tokenFile(token).port(0).start())
        .hasMessageContaining("can be read or changed by other users");
    Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
    Path shortToken = Files.writeString(dir.resolve("short"), "abc");
    Files.setPosixFilePermissions(shortToken, PosixFilePermissions.fromString("rw-------"));
    assertThatThrownBy(() -> Dashboard.builder(dir).tokenFile(shortToken).port(0).start())
        .hasMessageContaining("at least 32");
    // the token's checks, on loopback (tests listen on loopback only)
    try (Dashboard d = Dashboard.builder(dir).tokenFile(token).port(0).start()) {
      browser.manage().deleteAllCookies();
      browser.get(d.uri().toString());
      assertThat(text("body")).contains("authentication required");
      browser.get(d.uri().resolve("/?token=wrong").toString());
      assertThat(text("body")).contains("authentication required");
      browser.get(d.uri().resolve("/?token=0123456789abcdef0123456789abcdef0123456789abcdef").toString());
      assertThat(browser.getCurrentUrl()).doesNotContain("token");
      assertThat(text("h2")).isEqualTo("Runs");
      assertThat(browser.manage().getCookieNamed(Dashboard.COOKIE).isHttpOnly()).isTrue();
      browser.manage().deleteAllCookies();
      browser.get(d.uri().resolve("/run?name=abc&token=0123456789abcdef0123456789abcdef0123456789abcdef").toString());
      assertThat(browser.getCurrentUrl()).isEqualTo(d.uri().resolve("/run?name=abc").toString());
      assertThat(text("h2")).isEqualTo("Run abc");
      // another site's name for 127.0.0.1 (DNS rebinding) and writes are refused
      assertThat(raw(d, "GET / HTTP/1.1\r\nHost: evil.example:80\r\nConnection: close\r\n\r\n"))
          .startsWith("HTTP/1.1 421");
      assertThat(raw(d, "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
          .startsWith("HTTP/1.1 405");
      assertThat(raw(d,
          "GET /api/state.json HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer 0123456789abcdef0123456789abcdef0123456789abcdef"
              + "\r\nConnection: close\r\n\r\n"))
          .startsWith("HTTP/1.1 200");
    }
  }

  private static String raw(Dashboard d, String request) throws IOException {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", d.uri().getPort())) {
      s.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      return new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  /** A job of {@code size} rank threads and a coordinator thread in this JVM (as the cluster module's tests run them), {@code globals} checkpoints. */
  static void runJob(Path dir, int size, int globals) throws Exception {
    try (Coordinator c = new Coordinator(dir, size, true, 10_000, "127.0.0.1", null)) {
      Thread ct = Thread.ofPlatform().daemon(true).start(c);
      ExecutorService pool = Executors.newFixedThreadPool(size);
      try {
        List<Future<?>> fs = new ArrayList<>();
        for (int r = 0; r < size; r++) {
          Map<String, String> e = new HashMap<>();
          e.put("CAIRN_RANK", "" + r);
          e.put("CAIRN_SIZE", "" + size);
          e.put("CAIRN_NODE", "node-" + r % 2);
          e.put("CAIRN_DOMAINS", "rack=r" + r % 2 + ",power=p0");
          e.put("CAIRN_JOB_DIR", dir.toString());
          e.put("CAIRN_COORD", "127.0.0.1:" + c.port());
          e.put("CAIRN_SUPERVISED", "true");
          e.put("CAIRN_PROTOCOL", Protocol.BLOCKING.id());
          fs.add(pool.submit(() -> {
            try (Rank rank = Rank.join(e)) {
              DistributedArray u = DistributedArray.create(rank.comm(), "u", 10_000);
              long[] step = {0};
              ParallelCheckpointer ck = rank.checkpointer();
              ck.protect(u).protect("step", step);
              rank.run(() -> {
                for (long s = step[0] + 1; s <= globals; s++) {
                  u.local()[0] = s;
                  step[0] = s;
                  ck.checkpoint(s);
                }
              });
            }
            return null;
          }));
        }
        for (Future<?> f : fs) f.get(60, TimeUnit.SECONDS);
      } finally {
        pool.shutdownNow();
        c.close();
        ct.join(5_000);
      }
    }
  }

  /** Every file and directory under {@code dir} with its size, modification time and permissions. */
  static Map<String, String> snapshot(Path dir) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s::iterator)
        out.put(dir.relativize(p).toString(),
            Files.size(p) + " " + Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis() + " "
                + PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)));
    }
    return out;
  }

  private static long parse(String size) {
    String[] t = size.split(" ");
    double v = Double.parseDouble(t[0]);
    return (long) (v * switch (t[1]) {
      case "KiB" -> 1024;
      case "MiB" -> 1048576;
      default -> 1;
    });
  }

  /** Screenshots for docs/dashboard.md: target/screenshots/NAME. */
  private static void screenshot(String name) throws IOException {
    Path out = Files.createDirectories(Path.of("target", "screenshots")).resolve(name);
    org.openqa.selenium.Dimension size = browser.manage().window().getSize();
    long height = Math.min(2200, (Long) js("return document.documentElement.scrollHeight") + 140);
    browser.manage().window()
        .setSize(new org.openqa.selenium.Dimension(size.getWidth(), (int) Math.max(size.getHeight(), height)));
    try {
      Files.write(out, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    } finally {
      browser.manage().window().setSize(size);
    }
  }
}
