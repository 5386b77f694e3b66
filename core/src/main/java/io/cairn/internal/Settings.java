package io.cairn.internal;

import io.cairn.internal.format.Codec;
import io.cairn.internal.store.FileModes;
import io.cairn.internal.store.MemoryLevel;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Validated configuration. Sources, later wins: embedded defaults, a properties file, builder calls,
 * environment variables ({@code CAIRN_} + the key in upper case with {@code .} and {@code -} as
 * {@code _}, e.g. {@code CAIRN_LEVEL_LOCAL_KEEP=5}). Unknown keys and bad values are rejected with a
 * message that names the key and its source. Keys are documented in {@code docs/config.md}.
 */
public final class Settings {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Settings.class);
  /**
   * A configured level.
   *
   * @param modes the modes of what the level creates (key {@code permissions})
   * @param memoryBase for a {@code memory} level in its default directory (see {@link MemoryLevel}): the
   *     base directory whose incarnation its copies belong to; null otherwise
   */
  public record LevelSpec(String name, String kind, Path path, int keep, int every, Codec codec, boolean incremental,
      FileModes modes, Path memoryBase, boolean shuffle) {
    public LevelSpec(String name, String kind, Path path, int keep, int every, Codec codec, boolean incremental) {
      this(name, kind, path, keep, every, codec, incremental, FileModes.PRIVATE, null);
    }

    public LevelSpec(String name, String kind, Path path, int keep, int every, Codec codec, boolean incremental,
        FileModes modes, Path memoryBase) {
      this(name, kind, path, keep, every, codec, incremental, modes, memoryBase, false);
    }
  }

  public enum Mode { SYNC, ASYNC }
  public enum WhenFull { BLOCK, SKIP }
  public enum Interval { NONE, STEPS, SECONDS, YOUNG, DALY }

  private static final Pattern LEVEL_KEY = Pattern
      .compile("level\\.([a-z][a-z0-9_-]*)\\.(kind|path|keep|every|codec|incremental)");
  private static final List<String> KEYS = List.of("name", "mode", "levels", "block-size", "incremental.full-every",
      "interval", "interval.steps", "interval.seconds", "interval.mtbf", "interval.first", "async.staging-limit",
      "async.when-full", "restore.max-attempts", "signals", "files.dir", "permissions");
  private static final List<String> LEVEL_FIELDS = List.of("kind", "path", "keep", "every", "codec", "incremental");
  private static final List<String> KINDS = List.of("process", "memory", "local", "persistent");
  /** {@code level.<name>.<option>}: an option of a kind another module provides ({@link io.cairn.spi.StorageProvider}). */
  private static final Pattern LEVEL_OPTION = Pattern.compile("level\\.([a-z][a-z0-9_-]*)\\.([a-z][a-z0-9-]*)");

  /** Whether {@code k} is {@code level.<name>.<option>} with an option some provider accepts. */
  private static boolean providerOption(String k) {
    Matcher m = LEVEL_OPTION.matcher(k);
    return m.matches() && !LEVEL_FIELDS.contains(m.group(2))
        && io.cairn.internal.store.Providers.options().contains(m.group(2));
  }

  /** The built-in kinds and those of the providers on the class path. */
  private static List<String> kinds() {
    List<String> out = new ArrayList<>(KINDS);
    for (String k : io.cairn.internal.store.Providers.kinds()) if (!out.contains(k)) out.add(k);
    return out;
  }

  private final TreeMap<String, String> values = new TreeMap<>();
  private final Map<String, String> sources = new LinkedHashMap<>();

  public Settings() {
    put("name", "cairn", "default");
    put("mode", "sync", "default");
    put("levels", "memory,local,persistent", "default");
    put("block-size", "4MiB", "default");
    put("incremental.full-every", "8", "default");
    put("interval", "seconds", "default");
    put("interval.steps", "100", "default");
    put("interval.seconds", "600", "default");
    put("interval.mtbf", "24h", "default");
    put("interval.first", "60s", "default");
    put("async.staging-limit", "2GiB", "default");
    put("async.when-full", "block", "default");
    put("restore.max-attempts", "3", "default");
    put("signals", "true", "default");
    put("permissions", "private", "default");
    put("level.memory.keep", "2", "default");
    put("level.local.keep", "3", "default");
    put("level.persistent.keep", "2", "default");
    put("level.persistent.every", "4", "default");
  }

  private void put(String key, String value, String source) {
    values.put(key, value.trim());
    sources.put(key, source);
  }

  /** Sets one key, checking that it is known and its value valid. */
  public Settings set(String key, String value, String source) {
    String k = key.trim();
    if (!KEYS.contains(k) && !LEVEL_KEY.matcher(k).matches() && !providerOption(k)) {
      java.util.Set<String> opts = io.cairn.internal.store.Providers.options();
      throw new IllegalArgumentException("unknown configuration key '" + k + "' (from " + source + "); known keys: "
          + String.join(", ", KEYS) + ", level.<name>.{" + String.join(",", LEVEL_FIELDS) + "}"
          + (opts.isEmpty()
              ? ""
              : ", level.<name>.{" + String.join(",", opts) + "} for the kinds "
                  + io.cairn.internal.store.Providers.kinds())
          + (LEVEL_OPTION.matcher(k).matches()
              ? " (keys of a level kind another module provides, such as s3, need that module on the class path)"
              : ""));
    }
    if (value == null)
      throw new IllegalArgumentException("configuration key '" + k + "' (from " + source + ") has no value");
    String old = values.get(k), oldSource = sources.get(k);
    put(k, value, source);
    try {
      validate(k);
    } catch (IllegalArgumentException e) {
      if (old == null) {
        values.remove(k);
        sources.remove(k);
      } else
        put(k, old, oldSource);
      throw e;
    }
    return this;
  }

  /** Loads a properties file ({@code key = value} lines, {@code #} comments). */
  public Settings load(Path file) {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read configuration file " + file + ": " + e.getMessage(), e);
    }
    for (String k : new TreeMap<>(p).keySet().stream().map(Object::toString).toList())
      set(k, p.getProperty(k), file.toString());
    return this;
  }

  /** Applies {@code CAIRN_*} environment overrides for every known key and every level key. */
  public Settings applyEnvironment(Map<String, String> env) {
    List<String> candidates = new ArrayList<>(KEYS);
    for (String level : levelNames()) for (String f : LEVEL_FIELDS) candidates.add("level." + level + "." + f);
    for (String level : levelNames())
      for (String f : io.cairn.internal.store.Providers.options()) candidates.add("level." + level + "." + f);
    for (String k : candidates) {
      String v = env.get(envName(k));
      if (v != null) set(k, v, "environment " + envName(k));
    }
    List<String> known = candidates.stream().map(Settings::envName).toList();
    for (String e : new java.util.TreeSet<>(env.keySet())) {
      if (!e.startsWith("CAIRN_") || known.contains(e)) continue;
      String near = nearest(e, known);
      if (inCoreNamespace(e)) {
        throw new IllegalArgumentException("unknown configuration variable " + e + " in the environment"
            + (near != null ? " (did you mean " + near + "?)" : "") + "; core keys: "
            + String.join(", ", KEYS.stream().map(Settings::envName).toList()) + ", CAIRN_LEVEL_<NAME>_<FIELD>");
      }
      if (near != null && !OTHER_COMPONENTS.contains(e) && OTHER_PREFIXES.stream().noneMatch(e::startsWith)) {
        String w = "environment variable " + e + " is not a Cairn setting and is ignored; did you mean " + near + "?";
        warnings.add(w);
        log.warn(w);
      }
    }
    return this;
  }

  /**
   * {@code CAIRN_*} variables of other components (the launcher, the cluster runtime, the scripts):
   * never reported as misspelt core keys even when their names are close to one ({@code CAIRN_NODE},
   * {@code CAIRN_MODE}).
   */
  private static final Set<String> OTHER_COMPONENTS = Set.of("CAIRN_NODE", "CAIRN_RANK", "CAIRN_SIZE", "CAIRN_BIND",
      "CAIRN_COORD", "CAIRN_JOB_DIR", "CAIRN_INCARNATION", "CAIRN_SUPERVISED", "CAIRN_PROTOCOL", "CAIRN_SOAK",
      "CAIRN_JDK",
      "CAIRN_JAVA_OPTS", "CAIRN_HEARTBEAT_MS", "CAIRN_PEER_TIMEOUT_MS", "CAIRN_FAIL_TIMEOUT_MS",
      "CAIRN_COORD_TIMEOUT_MS",
      "CAIRN_DOMAINS", "CAIRN_SECRET", "CAIRN_DEBUG");
  private static final List<String> OTHER_PREFIXES = List.of("CAIRN_CLUSTER_", "CAIRN_DOMAIN", "CAIRN_FAULT",
      "CAIRN_REDUNDANCY_",
      "CAIRN_JOB_", "CAIRN_TLS");

  private final List<String> warnings = new ArrayList<>();

  /** Warnings about the configuration (misspelt variables), also logged. */
  public List<String> warnings() {
    return List.copyOf(warnings);
  }

  /**
   * The known variable closest to {@code var}, when it is close enough to be a typo: the same without
   * underscores, or at most 2 edits (at most 1 for short names) apart. Null otherwise.
   */
  static String nearest(String var, List<String> known) {
    String best = null;
    int bestD = Integer.MAX_VALUE;
    String plain = var.replace("_", "");
    for (String k : known) {
      int d = k.replace("_", "").equals(plain) ? 0 : levenshtein(var, k);
      if (d < bestD) { bestD = d; best = k; }
    }
    int suffix = var.length() - "CAIRN_".length();
    int limit = suffix <= 5 ? 1 : 2;
    return bestD <= limit ? best : null;
  }

  /** Edit distance (Levenshtein, with a swap of two neighbours counting as one edit). */
  static int levenshtein(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) d[i][0] = i;
    for (int j = 0; j <= b.length(); j++) d[0][j] = j;
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1))
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
    return d[a.length()][b.length()];
  }

  /**
   * Whether an environment variable belongs to the core's configuration: {@code CAIRN_} followed by the
   * first word of a core key ({@code CAIRN_LEVEL_...}, {@code CAIRN_INTERVAL...}, ...). Other {@code CAIRN_*}
   * variables belong to other components (the launcher, the scripts) and are left to them; a misspelt
   * core variable is still caught.
   */
  static boolean inCoreNamespace(String var) {
    if (!var.startsWith("CAIRN_")) return false;
    for (String k : KEYS) {
      String first = envName(k.split("[.-]")[0]);
      if (var.equals(first) || var.startsWith(first + "_")) return true;
    }
    return var.startsWith("CAIRN_LEVEL_");
  }

  public static String envName(String key) {
    return "CAIRN_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  private void validate(String k) {
    switch (k) {
      case "mode" -> mode();
      case "block-size" -> {
        long b;
        try {
          b = parseBytes(get(k));
        } catch (SizeOutOfRange e) {
          b = Long.MAX_VALUE;
        } catch (IllegalArgumentException e) {
          fail(k, e.getMessage());
          return;
        }
        if (b < 4096 || b > (256 << 20)) fail(k, "out of range: must be between 4KiB and 256MiB");
      }
      case "async.staging-limit" -> bytes(k);
      case "incremental.full-every", "interval.steps", "restore.max-attempts" -> {
        if (integer(k) < 1) fail(k, "must be >= 1");
      }
      case "interval" -> interval();
      case "interval.seconds", "interval.mtbf", "interval.first" -> {
        if (duration(k).isNegative() || duration(k).isZero()) fail(k, "must be > 0");
      }
      case "async.when-full" -> whenFull();
      case "signals" -> bool(k);
      case "name" -> {
        if (!get(k).matches("[A-Za-z0-9][A-Za-z0-9._-]{0,127}"))
          fail(k, "must be 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit");
      }
      case "levels" -> {
        List<String> names = levelNames();
        if (names.isEmpty()) fail(k, "must name at least one level");
        for (String n : names) {
          if (!n.matches("[a-z][a-z0-9_-]*"))
            fail(k, "level name '" + n + "': use lower-case letters, digits, '_' or '-', starting with a letter");
          if (names.indexOf(n) != names.lastIndexOf(n))
            fail(k, "names the level '" + n + "' twice; each level is listed once");
        }
      }
      case "files.dir" -> { if (get(k).isEmpty()) fail(k, "must not be empty (leave it unset for the default)"); }
      case "permissions" -> fileModes();
      default -> {
        Matcher m = LEVEL_KEY.matcher(k);
        if (m.matches()) {
          switch (m.group(2)) {
            case "kind" -> {
              if (!kinds().contains(get(k)))
                fail(k, "must be one of " + kinds() + (get(k).equals("s3")
                    ? " (kind s3 needs the cairn-s3 module on the class path)"
                    : ""));
            }
            case "keep", "every" -> { if (integer(k) < 1) fail(k, "must be >= 1"); }
            case "codec" -> {
              try {
                Codec.Choice.parse(get(k));
              } catch (IllegalArgumentException e) {
                fail(k, e.getMessage());
              }
            }
            case "incremental" -> bool(k);
            case "path" ->
              { if (get(k).isEmpty()) fail(k, "must not be empty (leave it unset for the default directory)"); }
            default -> {}
          }
        }
      }
    }
  }

  private void fail(String k, String why) {
    throw new IllegalArgumentException(
        "configuration key '" + k + "' = '" + values.get(k) + "' (from " + sources.get(k) + "): " + why);
  }

  public String get(String key) { return values.get(key); }

  public String source(String key) { return sources.get(key); }

  public int integer(String k) {
    try {
      return Integer.parseInt(get(k));
    } catch (NumberFormatException e) {
      fail(k,
          get(k).matches("[+-]?\\d+") ? "is out of range (at most " + Integer.MAX_VALUE + ")" : "is not an integer");
      return 0;
    }
  }

  public boolean bool(String k) {
    String v = get(k).toLowerCase(Locale.ROOT);
    if (v.equals("true") || v.equals("yes") || v.equals("on")) return true;
    if (v.equals("false") || v.equals("no") || v.equals("off")) return false;
    fail(k, "must be true or false");
    return false;
  }

  public long bytes(String k) {
    try {
      return parseBytes(get(k));
    } catch (IllegalArgumentException e) {
      fail(k, e.getMessage());
      return 0;
    }
  }

  public Duration duration(String k) {
    try {
      return parseDuration(get(k));
    } catch (IllegalArgumentException e) {
      fail(k, e.getMessage());
      return Duration.ZERO;
    }
  }

  public Mode mode() { return enumValue("mode", Mode.class); }
  public WhenFull whenFull() { return enumValue("async.when-full", WhenFull.class); }
  public Interval interval() { return enumValue("interval", Interval.class); }

  private <E extends Enum<E>> E enumValue(String k, Class<E> type) {
    try {
      return Enum.valueOf(type, get(k).toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      fail(k, "must be one of "
          + java.util.Arrays.stream(type.getEnumConstants()).map(c -> c.name().toLowerCase(Locale.ROOT)).toList());
      return null;
    }
  }

  public List<String> levelNames() {
    List<String> out = new ArrayList<>();
    for (String s : get("levels").split(",")) if (!s.isBlank()) out.add(s.trim());
    return out;
  }

  /** The configured levels, in the order written (fastest first). */
  public List<LevelSpec> levels(Path defaultBase) {
    List<LevelSpec> out = new ArrayList<>();
    for (String n : levelNames()) {
      if (!n.matches("[a-z][a-z0-9_-]*"))
        throw new IllegalArgumentException(
            "level name '" + n + "' (key 'levels'): use lower-case letters, digits, '_' or '-'");
      String p = "level." + n + ".";
      String kind = values.getOrDefault(p + "kind", kinds().contains(n) ? n : null);
      if (kind == null)
        throw new IllegalArgumentException("level '" + n + "' needs 'level." + n + ".kind' (one of " + kinds() + ")");
      for (String k : levelOptions(n).keySet()) {
        io.cairn.spi.StorageProvider provider = io.cairn.internal.store.Providers.get(kind);
        if (provider == null || !provider.options().contains(k))
          throw new IllegalArgumentException(
              "configuration key '" + p + k + "' (from " + sources.get(p + k) + ") is not an option of level '"
                  + n + "' of kind " + kind
                  + (provider == null ? "" : " (its options: " + new java.util.TreeSet<>(provider.options()) + ")"));
      }
      Path path = switch (kind) {
        case "process" -> null;
        case "memory" -> values.containsKey(p + "path") ? Path.of(get(p + "path")) : defaultMemoryRoot(defaultBase);
        default -> values.containsKey(p + "path") ? Path.of(get(p + "path")) : defaultBase.resolve(n);
      };
      Path memoryBase = kind.equals("memory") && !values.containsKey(p + "path")
          ? defaultBase.toAbsolutePath().normalize()
          : null;
      int keep = values.containsKey(p + "keep") ? integer(p + "keep") : 2;
      int every = values.containsKey(p + "every") ? integer(p + "every") : 1;
      Codec.Choice codec = values.containsKey(p + "codec") ? Codec.Choice.parse(get(p + "codec")) : Codec.Choice.NONE;
      boolean inc = values.containsKey(p + "incremental") && bool(p + "incremental");
      out.add(new LevelSpec(n, kind, path, keep, every, codec.codec(), inc, fileModes(), memoryBase, codec.shuffle()));
    }
    for (String k : values.keySet()) {
      Matcher m = LEVEL_KEY.matcher(k).matches() ? LEVEL_KEY.matcher(k) : LEVEL_OPTION.matcher(k);
      if (m.matches() && !levelNames().contains(m.group(1)) && !sources.get(k).equals("default"))
        throw new IllegalArgumentException(
            "configuration key '" + k + "' (from " + sources.get(k) + ") names level '" + m.group(1)
                + "', which is not in 'levels' (" + get("levels") + ")");
    }
    return out;
  }

  /**
   * The provider options set for level {@code level} ({@code level.<level>.<option>} keys other than the
   * built-in fields), option name to value; empty for the built-in kinds.
   */
  public Map<String, String> levelOptions(String level) {
    Map<String, String> out = new TreeMap<>();
    String p = "level." + level + ".";
    for (var e : values.entrySet()) {
      String k = e.getKey();
      if (k.startsWith(p) && !LEVEL_KEY.matcher(k).matches() && providerOption(k))
        out.put(k.substring(p.length()), e.getValue());
    }
    return out;
  }

  /** The modes of the directories and files the levels create (key {@code permissions}). */
  public FileModes fileModes() {
    try {
      return FileModes.parse(get("permissions"));
    } catch (IllegalArgumentException e) {
      fail("permissions", e.getMessage());
      return null;
    }
  }

  /**
   * The default directory of a memory level: {@code /dev/shm} when it exists (a RAM file system), else
   * the temp directory; then {@code cairn-<user>/<SHA-256 of the base directory>} (see {@link MemoryLevel}).
   * The system property {@code cairn.memory.root} replaces {@code /dev/shm} (tests).
   */
  static Path defaultMemoryRoot(Path base) {
    String forced = System.getProperty("cairn.memory.root");
    Path shm = Path.of("/dev/shm");
    Path root = forced != null && !forced.isBlank()
        ? Path.of(forced)
        : Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
    return MemoryLevel.directory(root, System.getProperty("user.name", "user"), base);
  }

  public static long parseBytes(String s) {
    Matcher m = Pattern.compile("(?i)\\s*(\\d+)\\s*(b|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)?\\s*").matcher(s);
    if (!m.matches()) throw new IllegalArgumentException("'" + s + "' is not a size (e.g. 4096, 64KiB, 4MiB, 2GiB)");
    String u = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
    int shift = switch (u.charAt(0)) { case 'k' -> 10; case 'm' -> 20; case 'g' -> 30; case 't' -> 40; default -> 0; };
    long n;
    try {
      n = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      n = -1;
    }
    if (n < 0 || n > (Long.MAX_VALUE >> shift))
      throw new SizeOutOfRange("'" + s.trim() + "' is out of range (sizes go up to 8 EiB)");
    return n << shift;
  }

  /** A size too large for 64 bits. */
  static final class SizeOutOfRange extends IllegalArgumentException {
    SizeOutOfRange(String message) { super(message); }
  }

  public static Duration parseDuration(String s) {
    Matcher m = Pattern.compile("(?i)\\s*(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|min|h|d)?\\s*").matcher(s);
    if (!m.matches()) throw new IllegalArgumentException("'" + s + "' is not a duration (e.g. 90s, 5m, 24h, 7d)");
    double n = Double.parseDouble(m.group(1));
    String u = m.group(2) == null ? "s" : m.group(2).toLowerCase(Locale.ROOT);
    double secs = switch (u) {
      case "ms" -> n / 1000;
      case "m", "min" -> n * 60;
      case "h" -> n * 3600;
      case "d" -> n * 86400;
      default -> n;
    };
    if (!(secs < 100 * 365.25 * 86400))
      throw new IllegalArgumentException("'" + s.trim() + "' is out of range (durations go up to 100 years)");
    return Duration.ofNanos((long) (secs * 1e9));
  }

  /** All effective values with their sources, for {@code cairn config} style listings. */
  public Map<String, String> effective() {
    Map<String, String> out = new LinkedHashMap<>();
    values.forEach((k, v) -> out.put(k, v + "   (" + sources.get(k) + ")"));
    return out;
  }
}
