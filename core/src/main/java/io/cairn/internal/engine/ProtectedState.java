package io.cairn.internal.engine;

import io.cairn.CairnException;
import io.cairn.StateMismatchException;
import io.cairn.internal.store.FileModes;
import io.cairn.internal.format.Kind;
import io.cairn.internal.format.Manifest;
import io.cairn.internal.format.RegionEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the program protects: named regions (arrays, buffers, device memory, objects) and routed files
 * (files the program writes itself into a directory Cairn owns). Gives the sources of a checkpoint
 * and the sinks of a restore, and checks that a checkpoint matches what is protected.
 */
final class ProtectedState {
  private static final String FILE_NAME = "[A-Za-z0-9][A-Za-z0-9._-]{0,254}";

  private final Path filesDir;
  private final FileModes fileModes;
  private final LinkedHashMap<String, RegionSource> regions = new LinkedHashMap<>();
  private final Map<String, Path> routed = new LinkedHashMap<>();

  ProtectedState(Path filesDir, FileModes fileModes) {
    this.filesDir = filesDir;
    this.fileModes = fileModes;
  }

  Path filesDir() { return filesDir; }

  void protect(RegionSource r) {
    if (regions.containsKey(r.name()) || routed.containsKey(r.name()))
      throw new IllegalArgumentException("a region named '" + r.name() + "' is already protected");
    if (r.name().isEmpty() || r.name().length() > 1024)
      throw new IllegalArgumentException("region name must be 1..1024 characters");
    regions.put(r.name(), r);
  }

  void unprotect(String name) { regions.remove(name); }

  /** Where the program writes (before a checkpoint) or reads (after a restore) the routed file {@code name}. */
  Path route(String name) {
    if (!name.matches(FILE_NAME))
      throw new IllegalArgumentException(
          "file name '" + name + "': use letters, digits, '.', '_' or '-' (no directories)");
    if (regions.containsKey(name)) throw new IllegalArgumentException("'" + name + "' is already a protected region");
    Path p = filesDir.resolve(name);
    routed.put(name, p);
    try {
      fileModes.createDirectories(filesDir); // private like the levels (key permissions)
    } catch (IOException e) {
      throw new CairnException("cannot create the routed-files directory " + filesDir + ": " + e.getMessage(), e);
    }
    return p;
  }

  /** What a checkpoint takes now: the protected regions, then the routed files that exist. */
  List<RegionSource> sources() {
    List<RegionSource> srcs = new ArrayList<>(regions.values());
    for (var e : routed.entrySet()) {
      if (Files.isRegularFile(e.getValue())) srcs.add(new Regions.FileRegion(e.getKey(), e.getValue()));
    }
    return srcs;
  }

  /** Where the restored bytes of {@code r} go (a file region is routed from now on). */
  RegionSource.Sink sink(RegionEntry r) throws IOException {
    if (r.kind() == Kind.FILE) {
      if (!r.name().matches(FILE_NAME))
        throw new CairnException("routed file name '" + r.name() + "' in checkpoint is invalid");
      routed.put(r.name(), filesDir.resolve(r.name()));
      return new Regions.FileRegion(r.name(), filesDir.resolve(r.name())).sink(r);
    }
    return regions.get(r.name()).sink(r);
  }

  /** A file region must fit on the disk of the routed-files directory (a crafted size must not fill it). */
  void checkRoomFor(RegionEntry r) throws IOException {
    if (r.kind() != Kind.FILE) return;
    Path p = filesDir;
    while (p != null && !Files.exists(p)) p = p.getParent();
    if (p == null) return;
    long free = Files.getFileStore(p).getUsableSpace();
    if (r.byteLength() > free)
      throw new IOException(
          "file '" + r.name() + "' is " + r.byteLength() + " bytes but only " + free + " bytes are free in " + p);
  }

  /**
   * Throws {@link StateMismatchException} when the checkpoint does not match what is protected (names,
   * types, lengths); with {@code only}, for those regions only.
   */
  void checkMatches(Manifest m, Set<String> only) {
    List<String> diffs = new ArrayList<>();
    Map<String, RegionEntry> saved = new LinkedHashMap<>();
    for (RegionEntry r : m.regions()) if (r.kind() != Kind.FILE) saved.put(r.name(), r);
    if (only != null) {
      for (String n : only) {
        if (regions.containsKey(n)) continue; // compared below
        boolean file = m.regions().stream().anyMatch(r -> r.name().equals(n) && r.kind() == Kind.FILE);
        if (!file)
          diffs.add("'" + n + "' is asked for but "
              + (saved.containsKey(n)
                  ? "not protected: protect it to restore it"
                  : "neither protected nor a file of the checkpoint"));
      }
      saved.keySet().retainAll(only);
      saved.keySet().retainAll(regions.keySet());
    }
    for (RegionSource r : regions.values()) {
      if (only != null && !only.contains(r.name())) continue;
      RegionEntry s = saved.remove(r.name());
      if (s == null) {
        diffs.add("'" + r.name() + "' is protected but not in the checkpoint");
      } else if (s.kind() != r.kind()) {
        diffs.add("'" + r.name() + "' is " + r.kind().describe() + " but the checkpoint holds " + s.kind().describe());
      } else if (r.length() >= 0 && s.length() != r.length()) {
        diffs.add("'" + r.name() + "' has length " + r.length() + " but the checkpoint holds " + s.length());
      }
    }
    for (RegionEntry s : saved.values())
      diffs.add("the checkpoint holds '" + s.name() + "' (" + s.kind().describe()
          + (s.kind() == Kind.OBJECT ? "" : ", length " + s.length())
          + ") which is not protected");
    if (!diffs.isEmpty()) throw new StateMismatchException(m.version(), diffs);
  }
}
