package io.cairn.cluster.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The dependency record of one rank under the {@code independent} protocol ({@code <job>/deps/r<rank>of<size>}): for
 * each of the rank's checkpoints that is still on disk, the messages it had sent to and received from every rank
 * when it was taken. The coordinator computes the recovery line from the records of all ranks
 * ({@link RecoveryLines}); {@code cairn cluster recovery-line} prints it. The rank rewrites its record atomically
 * after each committed checkpoint (so a listed version is always committed) and after a rollback (the checkpoints
 * newer than the restored one are dropped: they belong to an execution that was abandoned). Format (text, UTF-8):
 *
 * <pre>
 * cairn-deps 1 rank &lt;r&gt; size &lt;n&gt;
 * v &lt;version&gt; step &lt;step&gt; time &lt;millis&gt; sent &lt;s0,..,sn-1&gt; delivered &lt;d0,..,dn-1&gt;
 * ...
 * crc &lt;crc32c of the lines above, hex&gt;
 * </pre>
 */
public final class Dependencies {
  public static final String HEADER = "cairn-deps 1";

  /** One checkpoint of the rank: core version, step, commit time, message counts per peer. */
  public record Checkpoint(long version, long step, long timeMillis, long[] sent, long[] delivered) {
    public Checkpoint {
      sent = sent.clone();
      delivered = delivered.clone();
    }

    public RecoveryLines.Cut cut() { return new RecoveryLines.Cut(sent, delivered); }
  }

  private Dependencies() {}

  public static Path dir(Path jobDir) { return jobDir.resolve("deps"); }

  public static Path file(Path jobDir, int rank, int size) { return dir(jobDir).resolve(JobEnv.runName(rank, size)); }

  /** The rank's record, oldest first; empty when it has none. A damaged or malformed file is an {@link IllegalStateException} naming it. */
  public static List<Checkpoint> read(Path jobDir, int rank, int size) {
    Path f = file(jobDir, rank, size);
    if (!Files.exists(f)) return List.of();
    List<String> lines;
    try {
      lines = Files.readAllLines(f, StandardCharsets.UTF_8);
    } catch (IOException | java.io.UncheckedIOException e) {
      throw new IllegalStateException("cannot read the dependency record " + f + ": " + e.getMessage(), e);
    }
    String header = HEADER + " rank " + rank + " size " + size;
    if (lines.isEmpty() || !lines.getFirst().equals(header))
      throw new IllegalStateException(f + ": not the dependency record of rank " + rank + " of " + size
          + " (expected first line '" + header + "')");
    String last = lines.getLast();
    if (!last.startsWith("crc ")) throw new IllegalStateException(f + ": truncated (no crc line)");
    String body = String.join("\n", lines.subList(0, lines.size() - 1)) + "\n";
    if (!crc(body).equals(last.substring(4).trim()))
      throw new IllegalStateException(f + ": checksum mismatch; the file is damaged");
    List<Checkpoint> out = new ArrayList<>();
    for (String l : lines.subList(1, lines.size() - 1)) {
      String[] t = l.split(" ");
      try {
        if (t.length != 10 || !t[0].equals("v") || !t[2].equals("step") || !t[4].equals("time") || !t[6].equals("sent")
            || !t[8].equals("delivered"))
          throw new IllegalArgumentException("unexpected fields");
        long[] s = Arrays.stream(t[7].split(",")).mapToLong(Long::parseLong).toArray();
        long[] d = Arrays.stream(t[9].split(",")).mapToLong(Long::parseLong).toArray();
        if (s.length != size || d.length != size)
          throw new IllegalArgumentException("counts for " + s.length + " ranks");
        Checkpoint c = new Checkpoint(Long.parseLong(t[1]), Long.parseLong(t[3]), Long.parseLong(t[5]), s, d);
        if (c.version() < 1 || (!out.isEmpty() && c.version() <= out.getLast().version()))
          throw new IllegalArgumentException("versions not increasing");
        out.add(c);
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException(f + ": malformed entry '" + l + "': " + e.getMessage(), e);
      }
    }
    return out;
  }

  /** Replaces the rank's record (atomically: readers see the old or the new one). */
  public static void write(Path jobDir, int rank, int size, List<Checkpoint> all) throws IOException {
    StringBuilder b = new StringBuilder(HEADER).append(" rank ").append(rank).append(" size ").append(size)
        .append('\n');
    for (Checkpoint c : all) {
      b.append("v ").append(c.version()).append(" step ").append(c.step()).append(" time ").append(c.timeMillis())
          .append(" sent ").append(join(c.sent())).append(" delivered ").append(join(c.delivered())).append('\n');
    }
    String body = b.toString();
    GlobalManifest.writeAtomically(file(jobDir, rank, size), body + "crc " + crc(body) + "\n");
  }

  private static String join(long[] v) {
    StringBuilder b = new StringBuilder();
    for (long x : v) b.append(b.isEmpty() ? "" : ",").append(x);
    return b.toString();
  }

  private static String crc(String s) {
    CRC32C c = new CRC32C();
    c.update(s.getBytes(StandardCharsets.UTF_8));
    return HexFormat.of().toHexDigits((int) c.getValue());
  }

  /** The line of a job: the records of its {@code size} ranks. */
  public record Line(int[] index, List<List<Checkpoint>> records, List<RecoveryLines.Step> steps) {
    /** Rank r's checkpoint on the line, or null for the initial state. */
    public Checkpoint of(int r) {
      return index[r] == 0 ? null : records.get(r).get(index[r] - 1);
    }

    /** The core version of rank r on the line (0: the initial state). */
    public long version(int r) {
      return index[r] == 0 ? 0 : of(r).version();
    }
  }

  /**
   * The recovery line of a job from its ranks' records, leaving out the checkpoints in {@code excluded} (entries
   * {@code "<rank>:<version>"}: a rank could not restore them). Lines avoid orphans and messages in transit: without a
   * record of the channels, a message in transit could not be delivered again.
   */
  public static Line line(List<List<Checkpoint>> records, java.util.Set<String> excluded) {
    List<List<Checkpoint>> usable = new ArrayList<>();
    List<List<RecoveryLines.Cut>> cuts = new ArrayList<>();
    for (int r = 0; r < records.size(); r++) {
      List<Checkpoint> u = new ArrayList<>();
      for (Checkpoint c : records.get(r)) if (!excluded.contains(r + ":" + c.version())) u.add(c);
      usable.add(u);
      cuts.add(u.stream().map(Checkpoint::cut).toList());
    }
    List<RecoveryLines.Step> steps = new ArrayList<>();
    int[] idx = RecoveryLines.compute(cuts, RecoveryLines.Criterion.NO_ORPHANS_NO_IN_TRANSIT, steps);
    return new Line(idx, usable, steps);
  }
}
