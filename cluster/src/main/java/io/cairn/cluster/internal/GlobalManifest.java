package io.cairn.cluster.internal;

import io.cairn.internal.util.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The job's list of committed global versions ({@code <job>/global/manifest}). A global version is
 * listed only after every rank committed its part (two-phase commit); the file is replaced
 * atomically (write temp, fsync, rename, fsync directory), so a reader sees the old or the new list,
 * never a partial one. Format (text, UTF-8), validated on read:
 *
 * <pre>
 * cairn-global 1
 * g &lt;global&gt; size &lt;n&gt; protocol &lt;p&gt; step &lt;step&gt; time &lt;millis&gt; versions &lt;v0,v1,..&gt; nodes &lt;node0,node1,..&gt; [domains &lt;d0;d1;..&gt; levels &lt;l0,l1,..&gt;]
 * ...
 * crc &lt;crc32c of the lines above, hex&gt;
 * </pre>
 *
 * The failure domains of each rank ({@code rack=r1,power=p1}, without the node; may be empty) and the
 * levels in force (largest first) are recorded when the job has any: a global version's redundancy
 * placement is planned from them, so that a respawned rank plans exactly as the ranks that protected it.
 * Entries without domains keep the original format.
 */
public final class GlobalManifest {
  public static final String HEADER = "cairn-global 1";
  /** How many committed global versions the manifest lists (older ones are dropped). */
  public static final int KEEP = 32;

  /**
   * One committed global version: rank r's part is version {@code versions[r]} of run {@code r<r>of<size>}.
   * {@code domains} (rank r's failure domains without its node, as in {@code CAIRN_DOMAINS}) and {@code levels}
   * (largest first) are null when the job has no failure domains beyond its nodes.
   */
  public record Entry(long global, int size, String protocol, long step, long timeMillis, long[] versions,
      String[] nodes,
      String[] domains, String[] levels) {
    public Entry {
      if (versions.length != size || nodes.length != size)
        throw new IllegalArgumentException("global " + global + ": " + versions.length + " versions and " + nodes.length
            + " nodes for " + size + " ranks");
      if ((domains == null) != (levels == null) || (domains != null && (domains.length != size || levels.length == 0)))
        throw new IllegalArgumentException(
            "global " + global + ": domains of " + (domains == null ? "no" : domains.length)
                + " ranks and " + (levels == null ? "no" : levels.length) + " levels for " + size + " ranks");
    }

    /** An entry of a job without failure domains beyond its nodes. */
    public Entry(long global, int size, String protocol, long step, long timeMillis, long[] versions, String[] nodes) {
      this(global, size, protocol, step, timeMillis, versions, nodes, null, null);
    }

    String line() {
      StringBuilder v = new StringBuilder();
      for (long x : versions) v.append(v.isEmpty() ? "" : ",").append(x);
      return "g " + global + " size " + size + " protocol " + protocol + " step " + step + " time " + timeMillis
          + " versions " + v + " nodes " + String.join(",", nodes)
          + (domains == null ? "" : " domains " + String.join(";", domains) + " levels " + String.join(",", levels));
    }

    static Entry parse(String line, Path file) {
      String[] t = line.split(" ");
      if ((t.length != 14 && t.length != 18) || !t[0].equals("g") || !t[2].equals("size") || !t[4].equals("protocol")
          || !t[6].equals("step")
          || !t[8].equals("time") || !t[10].equals("versions") || !t[12].equals("nodes")
          || (t.length == 18 && (!t[14].equals("domains") || !t[16].equals("levels"))))
        throw new IllegalStateException(file + ": malformed entry '" + line + "'");
      int size = Integer.parseInt(t[3]);
      long[] vs = Arrays.stream(t[11].split(",")).mapToLong(Long::parseLong).toArray();
      String[] nodes = t[13].split(",");
      String[] domains = t.length == 18 ? t[15].split(";", -1) : null;
      String[] levels = t.length == 18 ? t[17].split(",") : null;
      try {
        return new Entry(Long.parseLong(t[1]), size, t[5], Long.parseLong(t[7]), Long.parseLong(t[9]), vs, nodes,
            domains, levels);
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException(file + ": malformed entry '" + line + "': " + e.getMessage(), e);
      }
    }
  }

  private GlobalManifest() {}

  public static Path file(Path jobDir) { return jobDir.resolve("global").resolve("manifest"); }

  /** Committed global versions, oldest first; empty when none was committed yet. */
  public static List<Entry> read(Path jobDir) {
    Path f = file(jobDir);
    if (!Files.exists(f)) return List.of();
    List<String> lines;
    try {
      lines = Files.readAllLines(f, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the global manifest " + f + ": " + e.getMessage(), e);
    }
    if (lines.isEmpty() || !lines.getFirst().equals(HEADER))
      throw new IllegalStateException(f + ": not a Cairn global manifest (expected first line '" + HEADER + "')");
    String last = lines.getLast();
    if (!last.startsWith("crc ")) throw new IllegalStateException(f + ": truncated (no crc line)");
    String body = String.join("\n", lines.subList(0, lines.size() - 1)) + "\n";
    if (!crc(body).equals(last.substring(4).trim()))
      throw new IllegalStateException(f + ": checksum mismatch; the file is damaged");
    List<Entry> out = new ArrayList<>();
    for (String l : lines.subList(1, lines.size() - 1)) out.add(Entry.parse(l, f));
    return out;
  }

  public static Optional<Entry> find(Path jobDir, long global) {
    return read(jobDir).stream().filter(e -> e.global() == global).findFirst();
  }

  /** Appends a committed global version (atomically replaces the file). */
  public static synchronized void append(Path jobDir, Entry e) throws IOException {
    List<Entry> all = new ArrayList<>(read(jobDir));
    all.removeIf(x -> x.global() == e.global());
    all.add(e);
    all.sort(java.util.Comparator.comparingLong(Entry::global));
    while (all.size() > KEEP) all.removeFirst();
    StringBuilder b = new StringBuilder(HEADER).append('\n');
    for (Entry x : all) b.append(x.line()).append('\n');
    String body = b.toString();
    writeAtomically(file(jobDir), body + "crc " + crc(body) + "\n");
  }

  private static String crc(String s) {
    CRC32C c = new CRC32C();
    c.update(s.getBytes(StandardCharsets.UTF_8));
    return HexFormat.of().toHexDigits((int) c.getValue());
  }

  /** Writes a small file so that readers see the old or the new content: temp file (mode 0600), fsync, rename, fsync of the directory. */
  public static void writeAtomically(Path target, String content) throws IOException {
    writeAtomically(target, content.getBytes(StandardCharsets.UTF_8));
  }

  public static void writeAtomically(Path target, byte[] content) throws IOException {
    JobSecret.createPrivateDirectories(target.toAbsolutePath().getParent());
    // 0600: addresses, epochs and the manifest are the job's business only
    AtomicFiles.write(target, true, ch -> AtomicFiles.writeFully(ch, java.nio.ByteBuffer.wrap(content)));
  }
}
