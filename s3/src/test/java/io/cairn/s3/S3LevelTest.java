package io.cairn.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.Cairn;
import io.cairn.CairnException;
import io.cairn.Checkpointer;
import io.cairn.Version;
import io.cairn.spi.Storage;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The s3 level against a real S3 API server (s3proxy over a temporary directory, 127.0.0.1, a free port). */
class S3LevelTest {
  @TempDir
  static Path serverDir;
  static S3Server server;
  static S3Client client;
  static int buckets;

  @BeforeAll
  static void start() throws Exception {
    server = new S3Server(serverDir);
    client = server.client();
  }

  @AfterAll
  static void stop() throws Exception {
    if (client != null) client.close();
    if (server != null) server.close();
  }

  /** A fresh bucket per test. */
  static String bucket() {
    String b = "cairn-test-" + (++buckets);
    server.createBucket(b);
    return b;
  }

  static Checkpointer open(Path base, String levels, S3Level s3, Consumer<Checkpointer.Builder> more) {
    Checkpointer.Builder b = Cairn.builder().name("run").directory(base).levels(levels.split(","))
        .set("signals", "false").set("block-size", "1MiB").set("level.cloud.kind", "s3")
        .storage(l -> l.name().equals("cloud") ? s3.storage("run") : null);
    if (levels.contains("local")) b.set("level.local.keep", "5");
    more.accept(b);
    return b.open();
  }

  static double[] random(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] a = new double[n];
    for (int i = 0; i < n; i++) a[i] = r.nextDouble();
    return a;
  }

  static List<String> keys(String bucket) {
    List<String> out = new ArrayList<>();
    for (S3Object o : client.listObjectsV2Paginator(b -> b.bucket(bucket)).contents()) out.add(o.key());
    return out;
  }

  static byte[] get(String bucket, String key) {
    return client.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
  }

  static void put(String bucket, String key, byte[] data) {
    client.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(data));
  }

  @Test
  void commitsDataThenManifestAndRestoresFromTheBucketAlone(@TempDir Path base) {
    String bucket = bucket();
    S3Level s3 = server.level(bucket).prefix("team/proj").partSize(S3Level.MIN_PART_SIZE).build();
    double[] a = random(12 << 17, 1); // 12 MiB: a multipart upload of 3 parts
    long[] step = {0};
    try (Checkpointer c = open(base, "local,cloud", s3, b -> {})) {
      c.protect("a", a).protect("step", step);
      for (int i = 1; i <= 2; i++) {
        step[0] = i;
        a[i] = -i;
        Version v = c.checkpoint().await();
        assertThat(v.levels()).containsExactly("local", "cloud");
      }
    }
    List<String> keys = keys(bucket);
    assertThat(keys).contains("team/proj/run/v0000000001/data.pack", "team/proj/run/v0000000001/manifest",
        "team/proj/run/v0000000002/data.pack", "team/proj/run/v0000000002/manifest");
    assertThat(keys).noneMatch(k -> k.endsWith(".tmp"));
    long packSize = client.headObject(b -> b.bucket(bucket).key("team/proj/run/v0000000002/data.pack")).contentLength();
    assertThat(packSize).isGreaterThan(12L << 20);

    // the local disk is gone (a new machine): the bucket alone restores it
    double[] back = new double[a.length];
    long[] stepBack = {0};
    try (Checkpointer c = open(base.resolve("elsewhere"), "cloud", s3, b -> {})) {
      c.protect("a", back).protect("step", stepBack);
      assertThat(c.versions()).extracting(Version::number).containsExactly(1L, 2L);
      assertThat(c.restoreLatest()).map(Version::number).contains(2L);
    }
    assertThat(back).isEqualTo(a);
    assertThat(stepBack[0]).isEqualTo(2);
  }

  @Test
  void fallsBackWhenTheNewestManifestOrPackIsDamagedOrMissing(@TempDir Path base) {
    String bucket = bucket();
    S3Level s3 = server.level(bucket).build();
    double[] a = random(1 << 17, 2); // 1 MiB
    List<double[]> saved = new ArrayList<>();
    try (Checkpointer c = open(base, "cloud", s3, b -> b.set("level.cloud.keep", "6"))) {
      c.protect("a", a);
      for (int i = 1; i <= 5; i++) {
        a[0] = i;
        c.checkpoint();
        saved.add(a.clone());
      }
    }
    String run = "run/";
    // v5: manifest damaged; v4: manifest missing; v3: pack damaged (one byte of chunk data); v2: pack missing
    byte[] m5 = get(bucket, run + "v0000000005/manifest");
    m5[m5.length / 2] ^= 0x40;
    put(bucket, run + "v0000000005/manifest", m5);
    client.deleteObject(b -> b.bucket(bucket).key(run + "v0000000004/manifest"));
    byte[] p3 = get(bucket, run + "v0000000003/data.pack");
    p3[p3.length - 100] ^= 0x01;
    put(bucket, run + "v0000000003/data.pack", p3);
    client.deleteObject(b -> b.bucket(bucket).key(run + "v0000000002/data.pack"));

    double[] back = new double[a.length];
    try (Checkpointer c = open(base, "cloud", s3, b -> b.readOnly(true))) {
      c.protect("a", back);
      // v4 has no manifest: it is not a version at all
      assertThat(c.versions()).extracting(Version::number).doesNotContain(4L);
      assertThat(c.restoreLatest()).map(Version::number).contains(1L);
    }
    assertThat(back).isEqualTo(saved.get(0));

    // and each damage alone: only v5's manifest damaged -> v4 once it is back
    put(bucket, run + "v0000000004/manifest", get(bucket, run + "v0000000001/manifest")); // wrong version inside: damaged
    try (Checkpointer c = open(base, "cloud", s3, b -> b.readOnly(true))) {
      c.protect("a", back);
      assertThat(c.restoreLatest()).map(Version::number).contains(1L);
    }
  }

  @Test
  void packDamageAloneFallsBackOneVersion(@TempDir Path base) {
    String bucket = bucket();
    S3Level s3 = server.level(bucket).build();
    double[] a = random(1 << 16, 3);
    List<double[]> saved = new ArrayList<>();
    try (Checkpointer c = open(base, "cloud", s3, b -> {})) {
      c.protect("a", a);
      for (int i = 1; i <= 2; i++) {
        a[0] = i;
        c.checkpoint();
        saved.add(a.clone());
      }
    }
    byte[] p = get(bucket, "run/v0000000002/data.pack");
    p[p.length - 1] ^= 0x10;
    put(bucket, "run/v0000000002/data.pack", p);
    double[] back = new double[a.length];
    try (Checkpointer c = open(base, "cloud", s3, b -> b.readOnly(true))) {
      c.protect("a", back);
      assertThat(c.restoreLatest()).map(Version::number).contains(1L);
    }
    assertThat(back).isEqualTo(saved.get(0));
  }

  @Test
  void incrementalChainsAndRetentionKeepWhatKeptVersionsReference(@TempDir Path base) {
    String bucket = bucket();
    S3Level s3 = server.level(bucket).build();
    double[] a = random(4 << 17, 4); // 4 MiB = 4 blocks of 1 MiB
    try (Checkpointer c = open(base, "cloud", s3,
        b -> b.set("level.cloud.incremental", "true").set("level.cloud.keep", "2")
            .set("incremental.full-every", "4"))) {
      c.protect("a", a);
      for (int i = 1; i <= 6; i++) {
        a[(i % 4) << 17] = i; // one block changes per version
        c.checkpoint();
      }
    }
    // v5 is full (every 4th), v6 references v5 for 3 of its 4 blocks
    long full = client.headObject(b -> b.bucket(bucket).key("run/v0000000005/data.pack")).contentLength();
    long inc = client.headObject(b -> b.bucket(bucket).key("run/v0000000006/data.pack")).contentLength();
    assertThat(inc).isLessThan(full / 3);
    List<String> keys = keys(bucket);
    // retention (keep 2): v5 and v6 committed; v1..v4 gone entirely
    assertThat(keys.stream().filter(k -> k.endsWith("/manifest"))).containsExactly("run/v0000000005/manifest",
        "run/v0000000006/manifest");
    assertThat(keys).noneMatch(k -> k.matches("run/v000000000[1-4]/.*"));
    double[] back = new double[a.length];
    try (Checkpointer c = open(base, "cloud", s3, b -> b.readOnly(true))) {
      c.protect("a", back);
      assertThat(c.restoreLatest()).map(Version::number).contains(6L);
    }
    assertThat(back).isEqualTo(a);
  }

  @Test
  void retentionKeepsAPackThatAKeptIncrementalVersionNeeds(@TempDir Path base) {
    String bucket = bucket();
    S3Level s3 = server.level(bucket).build();
    double[] a = random(2 << 17, 5);
    try (Checkpointer c = open(base, "cloud", s3,
        b -> b.set("level.cloud.incremental", "true").set("level.cloud.keep", "1"))) {
      c.protect("a", a);
      for (int i = 1; i <= 3; i++) {
        a[0] = i; // only the first block changes: v3 references v1's second block
        c.checkpoint();
      }
    }
    List<String> keys = keys(bucket);
    assertThat(keys.stream().filter(k -> k.endsWith("/manifest"))).containsExactly("run/v0000000003/manifest");
    assertThat(keys).contains("run/v0000000001/data.pack").doesNotContain("run/v0000000002/data.pack",
        "run/v0000000001/manifest");
    double[] back = new double[a.length];
    try (Checkpointer c = open(base, "cloud", s3, b -> b.readOnly(true))) {
      c.protect("a", back);
      assertThat(c.restoreLatest()).map(Version::number).contains(3L);
    }
    assertThat(back).isEqualTo(a);
  }

  @Test
  void aManifestIsNeverReplaced(@TempDir Path base) throws Exception {
    String bucket = bucket();
    S3Level s3 = server.level(bucket).build();
    Storage st = s3.storage("run");
    try (Storage.Output o = st.create("v0000000001/manifest.tmp")) {
      o.write(java.nio.ByteBuffer.wrap("first".getBytes(StandardCharsets.UTF_8)));
      o.sync();
    }
    st.rename("v0000000001/manifest.tmp", "v0000000001/manifest");
    try (Storage.Output o = st.create("v0000000001/manifest.tmp")) {
      o.write(java.nio.ByteBuffer.wrap("second".getBytes(StandardCharsets.UTF_8)));
      o.sync();
    }
    assertThatThrownBy(() -> st.rename("v0000000001/manifest.tmp", "v0000000001/manifest"))
        .isInstanceOf(java.nio.file.FileAlreadyExistsException.class).hasMessageContaining("never replaced");
    assertThat(new String(get(bucket, "run/v0000000001/manifest"), StandardCharsets.UTF_8)).isEqualTo("first");
    st.lock(".lock", "test").close();
  }

  @Test
  void wrongCredentialsGiveAClearErrorNamingTheBucketAndEndpoint(@TempDir Path base) {
    String bucket = bucket();
    S3Level bad = S3Level.builder(bucket).endpoint(server.endpoint).maxAttempts(1)
        .credentials(StaticCredentialsProvider.create(AwsBasicCredentials.create(S3Server.KEY, "not-the-secret")))
        .build();
    double[] a = random(1000, 6);
    // with a local level too, the program goes on; the s3 level's failure is reported
    try (Checkpointer c = open(base, "local,cloud", bad, b -> {})) {
      c.protect("a", a);
      Version v = c.checkpoint().await();
      assertThat(v.levels()).containsExactly("local");
    }
    // alone, the checkpoint fails with a message that says what to check
    try (Checkpointer c = open(base.resolve("alone"), "cloud", bad, b -> {})) {
      c.protect("a", a);
      assertThatThrownBy(c::checkpoint).isInstanceOf(CairnException.class)
          .hasMessageContaining("s3://" + bucket + "/run/v0000000001/data.pack")
          .hasMessageContaining(server.endpoint.toString())
          .hasMessageContaining("access denied")
          .hasMessageContaining("credentials")
          .hasMessageNotContaining("\tat ");
    }
    assertThat(keys(bucket)).isEmpty();
  }

  @Test
  void anUnreachableStoreLeavesTheOtherLevelsWorking(@TempDir Path base) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    S3Level down = S3Level.builder("cairn-nowhere").endpoint(URI.create("http://127.0.0.1:" + port))
        .credentials(S3Server.credentials()).maxAttempts(2).build();
    double[] a = random(1000, 7);
    try (Checkpointer c = open(base, "local,cloud", down, b -> {})) { // opening lists the store: refused, reported
      c.protect("a", a);
      for (int i = 1; i <= 2; i++) {
        a[0] = i;
        assertThat(c.checkpoint().await().levels()).containsExactly("local");
      }
    }
    double[] back = new double[a.length];
    try (Checkpointer c = open(base, "local,cloud", down, b -> {})) {
      c.protect("a", back);
      assertThat(c.restoreLatest()).map(Version::number).contains(2L);
    }
    assertThat(back).isEqualTo(a);
    try (Checkpointer c = open(base.resolve("alone"), "cloud", down, b -> {})) {
      c.protect("a", a);
      assertThatThrownBy(c::checkpoint).isInstanceOf(CairnException.class)
          .hasMessageContaining("cannot reach the store at http://127.0.0.1:" + port)
          .hasMessageContaining("s3://cairn-nowhere/run/")
          .hasMessageNotContaining("\tat ");
    }
  }

  @Test
  void aStoreThatGoesAwayMidRunIsReportedAndTheOtherLevelsGoOn(@TempDir Path base, @TempDir Path dir2)
      throws Exception {
    S3Server second = new S3Server(dir2);
    double[] a = random(1000, 8);
    try {
      second.createBucket("going-away");
      S3Level s3 = second.level("going-away").build();
      try (Checkpointer c = open(base, "local,cloud", s3, b -> b.async(true))) {
        c.protect("a", a);
        assertThat(c.checkpoint().await().levels()).containsExactly("local", "cloud");
        second.close();
        second = null;
        a[0] = 42;
        Version v = c.checkpoint().await(); // written asynchronously: the local level commits, the store's failure is logged
        assertThat(v.levels()).containsExactly("local");
      }
    } finally {
      if (second != null) second.close();
    }
    double[] back = new double[a.length];
    try (Checkpointer c = Cairn.builder().name("run").directory(base).levels("local").set("signals", "false").open()) {
      c.protect("a", back);
      assertThat(c.restoreLatest()).map(Version::number).contains(2L);
    }
    assertThat(back).isEqualTo(a);
  }

  @Test
  void aKillDuringAMultipartUploadLeavesNoVisibleVersion(@TempDir Path base) throws Exception {
    String bucket = bucket();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
        UploadChild.class.getName(),
        server.endpoint.toString(), bucket, base.toString(), "24").redirectErrorStream(true).start();
    List<String> lines = new ArrayList<>();
    boolean killed = false;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        lines.add(line);
        if (line.startsWith("UPLOADING")) {
          killed = p.isAlive();
          p.destroyForcibly(); // SIGKILL on Linux
          break;
        }
      }
    } finally {
      p.destroyForcibly();
    }
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(lines).as("child output").contains("COMMITTED 1").doesNotContain("COMMITTED 2");
    assertThat(killed).as("the child was alive, uploading, when killed: " + lines).isTrue();
    assertThat(p.exitValue()).as("killed by SIGKILL").isEqualTo(137);

    List<String> keys = keys(bucket);
    assertThat(keys).contains("killed/v0000000001/manifest").doesNotContain("killed/v0000000002/manifest",
        "killed/v0000000002/data.pack");
    S3Level s3 = server.level(bucket).build();
    long[] state = new long[1024];
    try (Checkpointer c = Cairn.builder().name("killed").directory(base).levels("cloud").set("level.cloud.kind", "s3")
        .set("signals", "false").storage(l -> s3.storage("killed")).open()) {
      c.protect("state", state);
      assertThat(c.versions()).extracting(Version::number).containsExactly(1L);
      assertThat(c.restoreLatest()).map(Version::number).contains(1L);
      // nothing of the torn version is visible, so its number is free again: the next checkpoint commits as version 2
      Version v = c.checkpoint().await();
      assertThat(v.number()).isEqualTo(2L);
      assertThat(v.levels()).containsExactly("cloud");
    }
    // the store still holds the unfinished upload (the kill came after its first part): invisible to Cairn,
    // removed by an abort or the bucket's lifecycle rule
    var uploads = client.listMultipartUploads(b -> b.bucket(bucket)).uploads();
    assertThat(uploads).as("the multipart upload the kill interrupted")
        .anyMatch(u -> u.key().equals("killed/v0000000002/data.pack"));
    for (var u : uploads) client.abortMultipartUpload(b -> b.bucket(bucket).key(u.key()).uploadId(u.uploadId()));
  }

  @Test
  void aConfigurationFileSelectsTheLevel(@TempDir Path base) throws Exception {
    String bucket = bucket();
    Path conf = base.resolve("cairn.properties");
    Files.writeString(conf, String.join("\n", "name = fromconf", "levels = local, cloud", "level.cloud.kind = s3",
        "level.cloud.bucket = " + bucket, "level.cloud.endpoint = " + server.endpoint, "level.cloud.prefix = ckpt",
        "level.cloud.part-size = 5MiB", "level.cloud.every = 2", "signals = false", ""));
    String oldKey = System.getProperty("aws.accessKeyId"), oldSecret = System.getProperty("aws.secretAccessKey");
    System.setProperty("aws.accessKeyId", S3Server.KEY); // the SDK's default credentials chain
    System.setProperty("aws.secretAccessKey", S3Server.SECRET);
    try {
      double[] a = random(1000, 9);
      try (Checkpointer c = Cairn.builder().directory(base).config(conf).open()) {
        c.protect("a", a);
        assertThat(c.checkpoint().await().levels()).containsExactly("local", "cloud");
        assertThat(c.checkpoint().await().levels()).containsExactly("local"); // every 2
        assertThat(c.checkpoint().await().levels()).containsExactly("local", "cloud");
      }
      assertThat(keys(bucket)).contains("ckpt/fromconf/v0000000001/manifest", "ckpt/fromconf/v0000000003/manifest");
      assertThatThrownBy(() -> Cairn.builder().directory(base).config(conf).set("level.cloud.part-size", "1MiB").open())
          .hasMessageContaining("level.cloud.part-size").hasMessageContaining("5MiB");
      assertThatThrownBy(() -> Cairn.builder().directory(base).config(conf).set("level.local.bucket", "x").open())
          .hasMessageContaining("level.local.bucket").hasMessageContaining("not an option of level 'local'");
    } finally {
      if (oldKey == null) System.clearProperty("aws.accessKeyId");
      else
        System.setProperty("aws.accessKeyId", oldKey);
      if (oldSecret == null) System.clearProperty("aws.secretAccessKey");
      else
        System.setProperty("aws.secretAccessKey", oldSecret);
    }
    assertThat(Arrays.asList("x")).hasSize(1);
  }
}
