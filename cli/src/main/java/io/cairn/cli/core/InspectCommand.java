package io.cairn.cli.core;

import io.cairn.Checkpointer;
import io.cairn.Checkpointer.StoredChunk;
import io.cairn.Checkpointer.StoredRegion;
import io.cairn.Checkpointer.StoredVersion;
import io.cairn.cli.Sanitize;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn inspect VERSION}: regions, chunks, codecs, checksums and metadata of one version. */
@Command(name = "inspect", mixinStandardHelpOptions = true, description = "Show one version: regions, chunks, checksums, metadata.")
public final class InspectCommand implements Callable<Integer> {
  @Mixin
  StoreOptions opts;
  @Parameters(index = "0", description = "Version number.")
  long version;
  @Option(names = "--level", description = "Level to read (default: the first that holds the version).")
  String level;
  @Option(names = "--chunks", description = "List every chunk with its checksum.")
  boolean chunks;

  @Override
  public Integer call() {
    Optional<StoredVersion> found;
    try (Checkpointer c = opts.open(false)) {
      found = c.inspect(version, level);
    }
    if (found.isEmpty()) {
      System.err.println("version " + version + " of '" + opts.name + "' is not committed in any level under "
          + opts.dir.toAbsolutePath());
      return 2;
    }
    StoredVersion s = found.get();
    List<Map<String, Object>> regions = new ArrayList<>();
    for (StoredRegion r : s.regions()) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("name", r.region().name());
      e.put("kind", r.region().kind());
      e.put("length", r.region().length());
      e.put("bytes", r.bytes());
      e.put("chunks", r.chunks().size());
      Map<String, Integer> codecs = new LinkedHashMap<>();
      long stored = 0, reused = 0;
      List<Map<String, Object>> cl = new ArrayList<>();
      for (StoredChunk b : r.chunks()) {
        codecs.merge(b.codec(), 1, Integer::sum);
        if (b.version() == s.version().number()) stored += b.storedBytes();
        else
          reused++;
        if (chunks)
          cl.add(Map.of("pack", b.version(), "offset", b.offset(), "stored", b.storedBytes(), "raw", b.rawBytes(),
              "codec", b.codec(), "crc32c", String.format("%08x", b.crc32c()), "xxh64",
              String.format("%016x", b.xxh64())));
      }
      e.put("storedBytes", stored);
      e.put("chunksFromOlderVersions", reused);
      e.put("codecs", codecs);
      if (chunks) e.put("chunkList", cl);
      regions.add(e);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("level", s.level());
    out.put("path", s.location());
    out.put("version", s.version().number());
    out.put("run", s.run());
    out.put("created", s.version().created().toString());
    out.put("writer", s.writer());
    out.put("incrementalOf", s.incrementalOf() > 0 ? s.incrementalOf() : null);
    out.put("label", s.version().label());
    out.put("step", s.version().step());
    out.put("metadata", s.version().metadata());
    out.put("blockSize", s.blockSize());
    out.put("stateBytes", s.version().bytes());
    out.put("regions", regions);
    if (opts.json) {
      System.out.println(Json.write(out));
    } else {
      out.forEach((k, v) -> { if (!k.equals("regions")) System.out.printf("%-14s %s%n", k, Sanitize.value(v)); });
      System.out.printf("%n%-24s %-16s %12s %14s %7s %12s %s%n", "REGION", "KIND", "LENGTH", "BYTES", "CHUNKS",
          "STORED", "CODECS");
      for (Map<String, Object> r : regions) {
        System.out.printf("%-24s %-16s %12d %14d %7d %12d %s%n", Sanitize.text((String) r.get("name")), r.get("kind"),
            (Long) r.get("length"),
            (Long) r.get("bytes"), (Integer) r.get("chunks"), (Long) r.get("storedBytes"), r.get("codecs"));
        if (chunks) for (Object c : (List<?>) r.get("chunkList")) System.out.println("    " + c);
      }
    }
    return 0;
  }
}
