package io.cairn.hw.netlist;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Synthesises Verilog with Yosys using Cairn's script ({@code synth.ys}, printed by {@link #script}):
 * a flattened gate-level JSON netlist for Cairn and the same netlist as Verilog for iverilog.
 */
public final class Yosys {
  private Yosys() {}

  /** The two outputs of one synthesis. */
  public record Synthesis(Path json, Path verilog, String top) {}

  /** The script text with the placeholders filled in. */
  public static String script(List<Path> files, String top, Path json, Path verilog) {
    String t;
    try (InputStream in = Yosys.class.getResourceAsStream("/io/cairn/hw/synth.ys")) {
      if (in == null) throw new IllegalStateException("synth.ys resource missing from the cairn-hw jar");
      t = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read synth.ys", e);
    }
    List<String> names = new ArrayList<>();
    for (Path f : files) names.add(quote(f.toAbsolutePath().toString()));
    return t.replace("{FILES}", String.join(" ", names)).replace("{TOP}", top)
        .replace("{JSON}", quote(json.toAbsolutePath().toString()))
        .replace("{VERILOG}", quote(verilog.toAbsolutePath().toString()));
  }

  private static String quote(String s) {
    if (s.contains("\"") || s.contains("\n"))
      throw new IllegalArgumentException("path not usable in a Yosys script: " + s);
    return s.contains(" ") ? "\"" + s + "\"" : s;
  }

  /**
   * Runs Yosys on {@code files} with top module {@code top}, writing {@code <top>.json} and
   * {@code <top>_netlist.v} into {@code outDir}. Yosys runs in the directory of the first file so
   * that {@code $readmemh} paths in the design resolve next to it.
   */
  public static Synthesis synthesize(List<Path> files, String top, Path outDir) throws IOException {
    return synthesize(files, top, outDir, "");
  }

  /** Like {@link #synthesize(List, String, Path)}, with Yosys commands run right after {@code hierarchy} (before {@code proc}). */
  static Synthesis synthesize(List<Path> files, String top, Path outDir, String afterHierarchy) throws IOException {
    if (files.isEmpty()) throw new IllegalArgumentException("no Verilog files given");
    Path yosys = Tools.require("yosys");
    Files.createDirectories(outDir);
    Path json = outDir.resolve(top + ".json").toAbsolutePath(), v = outDir.resolve(top + "_netlist.v").toAbsolutePath();
    Path ys = outDir.resolve(top + ".ys");
    String text = script(files, top, json, v);
    if (!afterHierarchy.isEmpty()) {
      int at = text.indexOf("\nproc\n");
      if (at < 0) throw new IllegalStateException("synth.ys has no proc line");
      text = text.substring(0, at + 1) + afterHierarchy + text.substring(at + 1);
    }
    Files.writeString(ys, text);
    Path dir = files.getFirst().toAbsolutePath().getParent();
    Tools.run(List.of(yosys.toString(), "-q", "-s", ys.toAbsolutePath().toString()), dir, 600);
    return new Synthesis(json, v, top);
  }
}
