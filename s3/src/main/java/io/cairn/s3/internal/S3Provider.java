package io.cairn.s3.internal;

import io.cairn.s3.S3Level;
import io.cairn.spi.LevelInfo;
import io.cairn.spi.Storage;
import io.cairn.spi.StorageProvider;
import java.io.IOException;
import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Kind {@code s3} for configuration files: {@code level.<name>.kind = s3} and the keys of docs/s3.md. */
public final class S3Provider implements StorageProvider {
  static final Set<String> OPTIONS = Set.of("bucket", "prefix", "endpoint", "region", "path-style", "part-size",
      "parallel-parts",
      "max-attempts", "connect-timeout", "profile");

  @Override
  public String kind() { return "s3"; }

  @Override
  public Set<String> options() { return OPTIONS; }

  @Override
  public Storage open(LevelInfo level, Map<String, String> options, String run, boolean readOnly) throws IOException {
    return level(level.name(), options).storage(run);
  }

  /** The level's settings from its configuration keys; a wrong value names the key. */
  public static S3Level level(String name, Map<String, String> o) {
    String p = "level." + name + ".";
    String bucket = o.get("bucket");
    if (bucket == null || bucket.isBlank())
      throw new IllegalArgumentException("'" + p + "bucket' is required for a level of kind s3");
    S3Level.Builder b;
    String key = "bucket";
    try {
      b = S3Level.builder(bucket.strip());
      for (var e : o.entrySet()) {
        key = e.getKey();
        String v = e.getValue().strip();
        switch (key) {
          case "prefix" -> b.prefix(v);
          case "endpoint" -> b.endpoint(URI.create(v));
          case "region" -> b.region(v);
          case "path-style" -> b.pathStyle(bool(v));
          case "part-size" -> b.partSize(bytes(v));
          case "parallel-parts" -> b.parallelParts(Integer.parseInt(v));
          case "max-attempts" -> b.maxAttempts(Integer.parseInt(v));
          case "connect-timeout" -> b.connectTimeout(duration(v));
          case "profile" -> b.profile(v);
          default -> {}
        }
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + p + key + "' = '" + o.get(key) + "': " + e.getMessage(), e);
    }
    return b.build();
  }

  private static boolean bool(String v) {
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on" -> true;
      case "false", "no", "off" -> false;
      default -> throw new IllegalArgumentException("must be true or false");
    };
  }

  /** A size: a number of bytes, or with KiB/MiB/GiB (also k, m, g). */
  static long bytes(String v) {
    var m = java.util.regex.Pattern.compile("(?i)(\\d{1,12})\\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?").matcher(v);
    if (!m.matches()) throw new IllegalArgumentException("'" + v + "' is not a size (e.g. 8MiB)");
    String u = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
    int shift = switch (u.charAt(0)) { case 'k' -> 10; case 'm' -> 20; case 'g' -> 30; default -> 0; };
    return Long.parseLong(m.group(1)) << shift;
  }

  /** A duration: seconds, or with ms/s/m. */
  static java.time.Duration duration(String v) {
    var m = java.util.regex.Pattern.compile("(?i)(\\d{1,9})\\s*(ms|s|m)?").matcher(v);
    if (!m.matches()) throw new IllegalArgumentException("'" + v + "' is not a duration (e.g. 10s, 500ms, 1m)");
    long n = Long.parseLong(m.group(1));
    String u = m.group(2) == null ? "s" : m.group(2).toLowerCase(Locale.ROOT);
    return switch (u) {
      case "ms" -> java.time.Duration.ofMillis(n);
      case "m" -> java.time.Duration.ofMinutes(n);
      default -> java.time.Duration.ofSeconds(n);
    };
  }
}
