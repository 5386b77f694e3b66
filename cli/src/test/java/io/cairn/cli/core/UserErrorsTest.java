package io.cairn.cli.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.Cairn;
import io.cairn.Checkpointer;
import io.cairn.Metadata;
import io.cairn.cli.CliRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * User errors print one line naming the command and the problem and exit non-zero (the trace only with
 * {@code --debug}); labels and metadata from checkpoints are printed with their control characters
 * made visible; the commands refuse symbolic links in the checkpoint tree.
 */
class UserErrorsTest {
  @TempDir
  Path dir;
  static final String HOSTILE = "step\u001b]0;owned\u0007\u001b[2J\u009b31m\u202egnp.exe";

  void write() {
    try (Checkpointer c = Cairn.builder().name("job").directory(dir).levels("local").set("signals", "false")
        .environment(Map.of()).open()) {
      c.protect("state", new long[16]);
      c.checkpoint(Metadata.create().label(HOSTILE).put("k\u001b[1m", "v\u001b[5m")).await();
    }
  }

  String[] where(String... cmd) {
    String[] out = new String[cmd.length + 4];
    System.arraycopy(cmd, 0, out, 0, cmd.length);
    out[cmd.length] = "--dir";
    out[cmd.length + 1] = dir.toString();
    out[cmd.length + 2] = "--name";
    out[cmd.length + 3] = "job";
    return out;
  }

  static void assertNoTrace(CliRunner.Result r) {
    assertThat(r.err()).doesNotContain("\tat ").doesNotContain("Exception");
  }

  @Test
  void aMissingConfigFileIsOneLineAndExitOne() {
    for (String cmd : new String[]{"ls", "inspect", "prune", "pin"}) {
      String[] args = cmd.equals("inspect") || cmd.equals("pin")
          ? where(cmd, "1", "--config", dir.resolve("nope.properties").toString())
          : where(cmd, "--config", dir.resolve("nope.properties").toString());
      CliRunner.Result r = CliRunner.run(args);
      assertThat(r.code()).as(cmd).isEqualTo(1);
      assertThat(r.err()).as(cmd)
          .startsWith("cairn " + cmd + ": cannot read configuration file " + dir.resolve("nope.properties"));
      assertNoTrace(r);
    }
    CliRunner.Result v = CliRunner.run(where("verify", "--config", dir.resolve("nope.properties").toString()));
    assertThat(v.code()).isEqualTo(3); // not 1: nothing was found damaged
    assertNoTrace(v);
  }

  @Test
  void debugPrintsTheTrace() {
    CliRunner.Result r = CliRunner.run(where("ls", "--debug", "--config", dir.resolve("nope.properties").toString()));
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("cannot read configuration file").contains("\tat ");
  }

  @Test
  void badConfigurationValuesAreNamed() throws Exception {
    Path cfg = dir.resolve("c.properties");
    Files.writeString(cfg, "block-size = 17592186044417MiB\n");
    CliRunner.Result r = CliRunner.run(where("ls", "--config", cfg.toString()));
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains(
        "'block-size' = '17592186044417MiB' (from " + cfg + "): out of range: must be between 4KiB and 256MiB");
    assertNoTrace(r);
    Files.writeString(cfg, "levels = local, local\n");
    r = CliRunner.run(where("ls", "--config", cfg.toString()));
    assertThat(r.err()).contains("names the level 'local' twice");
    assertNoTrace(r);
  }

  @Test
  void lsAndInspectShowControlCharactersInsteadOfSendingThemToTheTerminal() {
    write();
    for (String[] args : new String[][]{where("ls"), where("inspect", "1"), where("verify")}) {
      CliRunner.Result r = CliRunner.run(args);
      assertThat(r.code()).as(String.join(" ", args)).isZero();
      assertThat(r.out()).as(String.join(" ", args)).doesNotContain("\u001b").doesNotContain("\u0007")
          .doesNotContain("\u009b")
          .doesNotContain("\u202e");
      if (!args[0].equals("verify"))
        assertThat(r.out()).contains("step\\x1b]0;owned\\x07\\x1b[2J\\x9b31m\\u202egnp.exe");
    }
    assertThat(CliRunner.run(where("inspect", "1")).out()).contains("k\\x1b[1m=v\\x1b[5m");
    CliRunner.Result json = CliRunner.run(where("ls", "--json"));
    assertThat(json.out()).doesNotContain("\u001b").doesNotContain("\u009b").doesNotContain("\u202e")
        .contains("\\u001b]0;owned\\u0007");
  }

  @Test
  void pinAndPruneRefuseASymlinkedVersionAndTouchNothingOutside() throws Exception {
    write();
    Path v1 = dir.resolve("local/job/v0000000001");
    Path outside = dir.resolve("outside");
    Files.move(v1, outside);
    Files.createSymbolicLink(v1, outside);
    CliRunner.Result pin = CliRunner.run(where("pin", "1"));
    assertThat(pin.code()).isEqualTo(1);
    assertThat(pin.err()).startsWith("cairn pin: ").contains("refusing to follow the symbolic link " + v1);
    assertNoTrace(pin);
    assertThat(outside.resolve("pinned")).doesNotExist();
    CliRunner.Result del = CliRunner.run(where("pin", "--delete", "1"));
    assertThat(del.code()).isEqualTo(1);
    assertThat(outside.resolve("manifest")).exists();
    CliRunner.Result prune = CliRunner.run(where("prune", "--keep", "1"));
    assertThat(prune.err()).contains("symbolic link");
    assertThat(outside.resolve("manifest")).exists();
  }
}
