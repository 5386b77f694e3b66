package io.cairn.hw.netlist;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Finds and runs the external tools (yosys, iverilog, vvp). */
public final class Tools {
  private Tools() {}

  /** The executable {@code name} on PATH, if any. */
  public static Optional<Path> which(String name) {
    String path = System.getenv("PATH");
    if (path == null) return Optional.empty();
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) continue;
      Path p = Path.of(dir, name);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) return Optional.of(p);
    }
    return Optional.empty();
  }

  /** The executable or an exception saying how to install it. */
  public static Path require(String name) {
    return which(name)
        .orElseThrow(() -> new IllegalStateException(name + " not found on PATH; install the Debian package "
            + (name.equals("vvp") ? "iverilog" : name) + " (scripts/install-deps.sh does it)"));
  }

  /** The directory with Yosys' simulation models (simcells.v), next to the yosys binary. */
  public static Path yosysShare() {
    Path yosys = require("yosys").toAbsolutePath();
    try {
      yosys = yosys.toRealPath();
    } catch (IOException e) {
      // keep the unresolved path
    }
    for (Path cand : List.of(yosys.getParent().resolve("../share/yosys"), Path.of("/usr/share/yosys"),
        Path.of("/usr/local/share/yosys"))) {
      if (Files.isRegularFile(cand.resolve("simcells.v"))) return cand.normalize();
    }
    throw new IllegalStateException("cannot find Yosys' simcells.v next to " + yosys + " or in /usr/share/yosys");
  }

  /** Runs a command in {@code dir}; returns its combined output; throws with the output when it fails. */
  public static String run(List<String> cmd, Path dir, long timeoutSeconds) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
    Path log = Files.createTempFile("cairn-hw-tool", ".log");
    pb.redirectOutput(log.toFile());
    Process p = pb.start();
    try {
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", cmd) + ": timed out after " + timeoutSeconds + " s");
      }
      String out = Files.readString(log, StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        String tail = out.length() > 4000 ? out.substring(out.length() - 4000) : out;
        throw new IOException(cmd.getFirst() + " failed (exit " + p.exitValue() + ") in " + dir + ":\n" + tail);
      }
      return out;
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running " + cmd.getFirst(), e);
    } finally {
      Files.deleteIfExists(log);
    }
  }
}
