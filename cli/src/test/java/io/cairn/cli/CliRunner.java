package io.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs the {@code cairn} command in this JVM and captures what it prints (one at a time: System.out is global). */
public final class CliRunner {
  private CliRunner() {}

  /** Exit code, standard output and standard error of one command. */
  public record Result(int code, String out, String err) {}

  public static synchronized Result run(String... args) {
    PrintStream oldOut = System.out, oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      int code = Main.run(args);
      return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  /** Runs a command that must exit with {@code expectCode}; returns its standard output. */
  public static String run(int expectCode, String... args) {
    Result r = run(args);
    assertThat(r.code()).as("exit code of cairn %s; output:%n%s%n%s", String.join(" ", args), r.out(), r.err())
        .isEqualTo(expectCode);
    return r.out();
  }
}
