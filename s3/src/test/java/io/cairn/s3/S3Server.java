package io.cairn.s3;

import java.net.URI;
import java.nio.file.Path;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.s3.S3Client;

/** A real S3 API server (s3proxy over a directory) in this JVM, on 127.0.0.1 and a free port. */
final class S3Server implements AutoCloseable {
  static final String KEY = "cairn-test-key";
  static final String SECRET = "cairn-test-secret";

  private final BlobStoreContext ctx;
  private final S3Proxy proxy;
  final URI endpoint;

  S3Server(Path dir) throws Exception {
    Properties p = new Properties();
    p.setProperty("jclouds.filesystem.basedir", dir.toString());
    ctx = ContextBuilder.newBuilder("filesystem").credentials("ignored", "ignored").overrides(p)
        .build(BlobStoreContext.class);
    proxy = S3Proxy.builder().blobStore(ctx.getBlobStore()).endpoint(URI.create("http://127.0.0.1:0"))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, KEY, SECRET).build();
    proxy.start();
    long until = System.nanoTime() + 30_000_000_000L;
    while (!"STARTED".equals(proxy.getState())) {
      if (System.nanoTime() > until) throw new IllegalStateException("s3proxy did not start: " + proxy.getState());
      Thread.sleep(10);
    }
    endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
  }

  static StaticCredentialsProvider credentials() {
    return StaticCredentialsProvider.create(AwsBasicCredentials.create(KEY, SECRET));
  }

  S3Level.Builder level(String bucket) {
    return S3Level.builder(bucket).endpoint(endpoint).credentials(credentials()).maxAttempts(2);
  }

  /** A plain client (the tests' own view of the bucket). */
  S3Client client() {
    return level("unused-bucket").build().client();
  }

  void createBucket(String bucket) {
    try (S3Client c = client()) {
      c.createBucket(b -> b.bucket(bucket));
    }
  }

  @Override
  public void close() throws Exception {
    proxy.stop();
    ctx.close();
  }
}
