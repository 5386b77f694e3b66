package io.cairn.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cli.CliRunner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cairn cluster recovery-line}: the line from dependency records (format of docs/parallel.md), and clear errors on bad directories. */
class RecoveryLineCommandTest {
  @TempDir
  Path tmp;

  /** Writes rank r's record: entries "version step s0,s1 d0,d1". */
  static void record(Path job, int rank, int size, String... entries) throws Exception {
    StringBuilder b = new StringBuilder("cairn-deps 1 rank " + rank + " size " + size + "\n");
    for (String e : entries) {
      String[] t = e.split(" ");
      b.append("v ").append(t[0]).append(" step ").append(t[1]).append(" time 0 sent ").append(t[2])
          .append(" delivered ").append(t[3]).append('\n');
    }
    CRC32C c = new CRC32C();
    c.update(b.toString().getBytes(StandardCharsets.UTF_8));
    Files.createDirectories(job.resolve("deps"));
    Files.writeString(job.resolve("deps").resolve("r" + rank + "of" + size),
        b + "crc " + HexFormat.of().toHexDigits((int) c.getValue()) + "\n");
  }

  @Test
  void printsTheLineAndWhatEachRankWouldLose() throws Exception {
    Path job = tmp.resolve("job");
    // two ranks exchanging one message each way per step, checkpoints every 10 steps after the exchange; rank 1 one checkpoint ahead
    record(job, 0, 2, "1 10 0,10 0,10", "2 20 0,20 0,20");
    record(job, 1, 2, "1 10 10,0 10,0", "2 20 20,0 20,0", "3 30 30,0 30,0");
    String out = CliRunner.run(0, "cluster", "recovery-line", job.toString(), "--why");
    assertThat(out).contains("(2 ranks, independent checkpoints)")
        .containsPattern("0\\s+version 2 \\(step 20\\)\\s+version 2 \\(step 20\\)\\s+0\\s+0")
        .containsPattern("1\\s+version 2 \\(step 20\\)\\s+version 3 \\(step 30\\)\\s+1\\s+10")
        .contains(
            "rank 1 back to version 2 (step 20) (from version 3 (step 30)): it had received a message rank 0 sent after its checkpoint on the line (orphan)");
    String json = CliRunner.run(0, "cluster", "recovery-line", job.toString(), "--json");
    assertThat(json).contains("\"initialState\":false").contains(
        "{\"rank\":1,\"version\":2,\"step\":20,\"newestVersion\":3,\"newestStep\":30,\"checkpointsLost\":1,\"stepsLost\":10}");
  }

  @Test
  void pingPongRecordsShowTheDominoEffect() throws Exception {
    Path job = tmp.resolve("pp");
    // rank 0: send, receive, checkpoint; rank 1: receive, checkpoint, send
    record(job, 0, 2, "1 1 0,1 0,1", "2 2 0,2 0,2", "3 3 0,3 0,3");
    record(job, 1, 2, "1 1 0,0 1,0", "2 2 1,0 2,0", "3 3 2,0 3,0");
    String out = CliRunner.run(0, "cluster", "recovery-line", job.toString());
    assertThat(out).contains(": the initial state of every rank").contains("6 checkpoints and 6 steps")
        .contains("(the domino effect)");
  }

  @Test
  void badDirectoriesGetClearErrors() throws Exception {
    CliRunner.Result none = CliRunner.run("cluster", "recovery-line", tmp.resolve("absent").toString());
    assertThat(none.code()).isEqualTo(2);
    assertThat(none.err()).contains("cairn cluster recovery-line: " + tmp.resolve("absent") + " is not a directory")
        .doesNotContain("Exception");
    Path plain = Files.createDirectories(tmp.resolve("plain"));
    CliRunner.Result empty = CliRunner.run("cluster", "recovery-line", plain.toString());
    assertThat(empty.code()).isEqualTo(2);
    assertThat(empty.err()).contains("no dependency records in " + plain.resolve("deps")).contains("independent");
    Path damaged = tmp.resolve("damaged");
    record(damaged, 0, 2, "1 10 0,10 0,10");
    record(damaged, 1, 2, "1 10 10,0 10,0");
    Path f = damaged.resolve("deps").resolve("r1of2");
    Files.writeString(f, Files.readString(f).replace("step 10", "step 11"));
    CliRunner.Result bad = CliRunner.run("cluster", "recovery-line", damaged.toString());
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains(f + ": checksum mismatch; the file is damaged").doesNotContain("Exception");
    record(damaged, 1, 3, "1 10 10,0,0 10,0,0");
    CliRunner.Result mixed = CliRunner.run("cluster", "recovery-line", damaged.toString());
    assertThat(mixed.err()).contains("holds dependency records of jobs of [2, 3] ranks");
  }
}
