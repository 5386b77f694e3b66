package io.cairn.s3;

import io.cairn.s3.internal.S3Storage;
import io.cairn.spi.Storage;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A checkpoint level in an S3-compatible object store (AWS S3, MinIO, Ceph RGW, ...): kind {@code s3}.
 *
 * <p>From a configuration file, nothing but this module on the class path is needed:
 * <pre>
 * levels = local, cloud
 * level.cloud.kind = s3
 * level.cloud.bucket = my-checkpoints
 * level.cloud.every = 4
 * </pre>
 * (other keys: {@code prefix}, {@code endpoint}, {@code region}, {@code path-style}, {@code part-size},
 * {@code parallel-parts}, {@code max-attempts}, {@code connect-timeout}, {@code profile}; docs/s3.md).
 * From code, for example with credentials of the program's own:
 * <pre>
 * S3Level s3 = S3Level.builder("my-checkpoints").endpoint(URI.create("http://127.0.0.1:9000")).credentials(creds).build();
 * Cairn.builder().levels("local", "cloud").set("level.cloud.kind", "s3")
 *     .storage(l -&gt; l.name().equals("cloud") ? s3.storage("heat") : null).open();
 * </pre>
 * Credentials come from the AWS SDK's default chain (environment, system properties, profile files,
 * container and instance roles) unless given. Objects of run {@code R} are under {@code <prefix>R/}.
 */
public final class S3Level {
  /** Smallest part of a multipart upload that S3 accepts (all parts but the last). */
  public static final long MIN_PART_SIZE = 5L << 20;

  private final Builder b;

  private S3Level(Builder b) { this.b = b; }

  public static Builder builder(String bucket) { return new Builder(bucket); }

  /** Where the objects of run {@code run} go: {@code s3://bucket/<prefix><run>/}. */
  public String location(String run) {
    return "s3://" + b.bucket + "/" + b.prefix + run + "/";
  }

  /**
   * The storage of one run's level (an S3 client of its own, closed when the level is released). Nothing
   * is sent to the store before the level is used.
   */
  public Storage storage(String run) {
    if (!run.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,127}")) throw new IllegalArgumentException("bad run name: " + run);
    String where = b.endpoint != null ? b.endpoint.toString() : "AWS region " + region();
    return new S3Storage(client(), b.bucket, b.prefix + run + "/", where, b.partSize, b.parallelParts, true);
  }

  private Region region() {
    if (b.region != null) return Region.of(b.region);
    if (b.endpoint != null) return Region.US_EAST_1; // S3-compatible stores mostly ignore it, but signing needs one
    try {
      return DefaultAwsRegionProviderChain.builder().build().getRegion();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "no AWS region for bucket '" + b.bucket + "': set level.<name>.region (or AWS_REGION), "
              + "or an endpoint for a non-AWS store (" + e.getMessage() + ")",
          e);
    }
  }

  /** A client with the level's settings (the caller closes it). */
  public S3Client client() {
    AwsCredentialsProvider creds = b.credentials != null
        ? b.credentials
        : b.profile != null
            ? ProfileCredentialsProvider.builder().profileName(b.profile).build()
            : DefaultCredentialsProvider.builder().build();
    var builder = S3Client.builder()
        .region(region())
        .credentialsProvider(creds)
        .forcePathStyle(b.pathStyle != null ? b.pathStyle : b.endpoint != null)
        // aws-chunked uploads with trailing checksums are refused by some S3-compatible stores (s3proxy):
        // checksums only where an operation requires them; every chunk carries Cairn's own CRC32C anyway
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
        .httpClient(UrlConnectionHttpClient.builder().connectionTimeout(b.connectTimeout).socketTimeout(b.socketTimeout)
            .build())
        .overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(b.maxAttempts)));
    if (b.endpoint != null) builder.endpointOverride(b.endpoint);
    return builder.build();
  }

  /** Settings of an {@link S3Level}; the same as the configuration keys {@code level.<name>.<key>} of docs/s3.md. */
  public static final class Builder {
    private final String bucket;
    private String prefix = "";
    private URI endpoint;
    private String region;
    private Boolean pathStyle;
    private long partSize = 8L << 20;
    private int parallelParts = 4;
    private int maxAttempts = 5;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration socketTimeout = Duration.ofSeconds(120);
    private AwsCredentialsProvider credentials;
    private String profile;

    private Builder(String bucket) {
      Objects.requireNonNull(bucket, "bucket");
      if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"))
        throw new IllegalArgumentException(
            "'" + bucket + "' is not a bucket name (3-63 lower-case letters, digits, '.' or '-')");
      this.bucket = bucket;
    }

    /** Key prefix before the run's name ({@code "team/project"} or {@code "team/project/"}); default none. */
    public Builder prefix(String prefix) {
      String p = Objects.requireNonNull(prefix, "prefix").strip();
      while (p.startsWith("/")) p = p.substring(1);
      if (p.contains("..") || p.contains("//"))
        throw new IllegalArgumentException("prefix '" + prefix + "' must not contain '..' or '//'");
      this.prefix = p.isEmpty() || p.endsWith("/") ? p : p + "/";
      return this;
    }

    /** The store's URL for S3-compatible stores (MinIO, Ceph RGW, s3proxy); default: AWS. */
    public Builder endpoint(URI endpoint) {
      if (endpoint != null
          && (endpoint.getScheme() == null || !endpoint.getScheme().matches("https?") || endpoint.getHost() == null))
        throw new IllegalArgumentException(
            "endpoint '" + endpoint + "' must be an http:// or https:// URL with a host");
      this.endpoint = endpoint;
      return this;
    }

    /** AWS region (signing region for other stores); default: the SDK's region chain, or us-east-1 with an endpoint. */
    public Builder region(String region) {
      this.region = region;
      return this;
    }

    /** Path-style URLs ({@code endpoint/bucket/key}) instead of virtual hosts; default true with an endpoint, false on AWS. */
    public Builder pathStyle(boolean pathStyle) {
      this.pathStyle = pathStyle;
      return this;
    }

    /** Part size of multipart uploads (5 MiB .. 5 GiB, default 8 MiB); smaller files go up in one PUT. */
    public Builder partSize(long bytes) {
      if (bytes < MIN_PART_SIZE || bytes > (5L << 30) || bytes > Integer.MAX_VALUE - 16)
        throw new IllegalArgumentException("part size " + bytes + " must be between 5MiB and 2GiB");
      this.partSize = bytes;
      return this;
    }

    /** Parts uploaded at once (each a buffer of the part size; default 4). */
    public Builder parallelParts(int n) {
      if (n < 1 || n > 64) throw new IllegalArgumentException("parallel parts " + n + " must be between 1 and 64");
      this.parallelParts = n;
      return this;
    }

    /** Attempts per request, with the SDK's standard backoff between them (default 5). */
    public Builder maxAttempts(int n) {
      if (n < 1 || n > 20) throw new IllegalArgumentException("max attempts " + n + " must be between 1 and 20");
      this.maxAttempts = n;
      return this;
    }

    /** How long to wait for a connection to the store (default 10 s). */
    public Builder connectTimeout(Duration d) {
      if (d.isNegative() || d.isZero()) throw new IllegalArgumentException("connect timeout must be > 0");
      this.connectTimeout = d;
      return this;
    }

    /** Credentials of the caller's (default: the SDK's default chain). */
    public Builder credentials(AwsCredentialsProvider credentials) {
      this.credentials = credentials;
      return this;
    }

    /** A named profile of {@code ~/.aws/credentials} and {@code ~/.aws/config} instead of the default chain. */
    public Builder profile(String profile) {
      this.profile = profile;
      return this;
    }

    public S3Level build() { return new S3Level(this); }
  }
}
