package io.cairn.cli.hw;

import io.cairn.hw.netlist.NetlistException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.Callable;

/**
 * User errors of the hw commands (a missing or damaged file, a design Cairn cannot load, a tool that
 * fails, a wrong option) become one line on standard error and exit code 1, never a stack trace.
 * Programming errors (anything else) still show their trace.
 */
final class HwErrors {
  private HwErrors() {}

  /** Exit code of a user error. */
  static final int USER_ERROR = 1;

  static int guard(String command, Callable<Integer> body) throws Exception {
    try {
      return body.call();
    } catch (IOException | UncheckedIOException | IllegalArgumentException | IllegalStateException
        | NetlistException e) {
      System.err.println("cairn hw " + command + ": error: " + message(e));
      return USER_ERROR;
    }
  }

  static String message(Throwable e) {
    if (e instanceof UncheckedIOException u && u.getCause() != null
        && (u.getMessage() == null || u.getMessage().startsWith("java.io"))) {
      return message(u.getCause());
    }
    String m = switch (e) {
      case NoSuchFileException n -> "no such file: " + n.getFile();
      case AccessDeniedException a -> "permission denied: " + a.getFile();
      case FileSystemException f ->
        f.getFile() + ": " + (f.getReason() == null ? f.getClass().getSimpleName() : f.getReason());
      default -> e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    };
    for (Throwable s : e.getSuppressed()) m += "\n  (also: " + message(s) + ")";
    return m;
  }
}
