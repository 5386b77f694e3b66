package io.cairn.hw.netlist;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits a design at one instance for StateLink ({@code cairn hw link --split}): the instance runs in
 * the simulator, the rest of the design in the fast engine, and the boundary comes from the netlist.
 * Yosys elaborates the design once to read the instance's connections; then three syntheses with
 * Cairn's script: the whole design; the rest (the instance deleted, the wires it drove exposed as
 * inputs, the wires it reads exposed as outputs); and the instance alone inside a generated wrapper
 * whose ports carry the names of the wires they connect to in the whole design and whose instance
 * keeps its name, so links match by name and every flop and memory has the same name in its part as
 * in the whole design (state moves between them with an empty prefix).
 *
 * <p>Limits: the instance is a direct child of the top module, is not parameterised, and each of
 * its ports connects to one whole wire of the top module (no slices, concatenations or constants);
 * each violation is reported with the port's name.
 */
public final class Split {
  private Split() {}

  /** The three netlists of a split. */
  public record Parts(Yosys.Synthesis whole, Yosys.Synthesis fast, Yosys.Synthesis sim, String instance,
      String module) {}

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) { return (Map<String, Object>) o; }

  /** Synthesises the whole design, the rest and the instance into {@code outDir}/whole, /fast, /sim. */
  public static Parts split(List<Path> files, String top, String instance, Path outDir) throws IOException {
    if (!instance.matches("[A-Za-z_][A-Za-z0-9_$]*")) {
      throw new IllegalArgumentException("--split " + instance + ": give an instance of the top module " + top
          + " by its name (nested instance paths are not supported yet)");
    }
    Path yosys = Tools.require("yosys");
    Files.createDirectories(outDir);
    Path dir = files.getFirst().toAbsolutePath().getParent();
    List<String> names = new ArrayList<>();
    for (Path f : files) names.add(f.toAbsolutePath().toString());
    // 1. the instance's connections, from the elaborated (not flattened) design
    Path hier = outDir.resolve("hierarchy.json").toAbsolutePath();
    Path ys = outDir.resolve("hierarchy.ys");
    Files.writeString(ys, "read_verilog -sv " + quoteAll(names) + "\nhierarchy -check -top " + top
        + "\nproc\nwrite_json " + q(hier.toString()) + "\n");
    Tools.run(List.of(yosys.toString(), "-q", "-s", ys.toAbsolutePath().toString()), dir, 600);
    Map<String, Object> modules = map(map(Json.parse(Files.readString(hier, StandardCharsets.UTF_8))).get("modules"));
    Map<String, Object> topMod = map(modules.get(top));
    if (topMod == null) throw new IllegalArgumentException("no module " + top + " after elaboration");
    Map<String, Object> cells = map(topMod.get("cells"));
    Map<String, Object> cell = cells == null ? null : map(cells.get(instance));
    if (cell == null) {
      List<String> insts = new ArrayList<>();
      if (cells != null) cells.forEach((k, v) -> { if (!map(v).get("type").toString().startsWith("$")) insts.add(k); });
      throw new IllegalArgumentException(
          "--split " + instance + ": the top module " + top + " has no instance named " + instance
              + " (its instances: " + String.join(", ", insts) + ")");
    }
    String module = cell.get("type").toString();
    if (module.startsWith("$")) {
      throw new IllegalArgumentException(
          "--split " + instance + ": " + instance + " is a parameterised or built-in cell (" + module
              + "); split at an instance of a module without parameter overrides");
    }
    Map<String, Object> topPorts = map(topMod.get("ports"));
    Map<String, Object> netnames = map(topMod.get("netnames"));
    Map<String, Object> dirs = map(cell.get("port_directions"));
    Map<String, Object> conns = map(cell.get("connections"));
    // port -> (wire name, width, direction)
    Map<String, String[]> bound = new LinkedHashMap<>();
    List<String> exposeIn = new ArrayList<>(), exposeOut = new ArrayList<>();
    for (Map.Entry<String, Object> c : conns.entrySet()) {
      String port = c.getKey();
      List<Object> bits = (List<Object>) c.getValue();
      String wire = null;
      for (Map.Entry<String, Object> n : netnames.entrySet()) {
        Map<String, Object> nn = map(n.getValue());
        if (((Number) nn.getOrDefault("hide_name", 0L)).longValue() != 0) continue;
        if (nn.get("bits").equals(bits) && (wire == null || topPorts.containsKey(n.getKey()))) wire = n.getKey();
      }
      if (wire == null || !wire.matches("[A-Za-z_][A-Za-z0-9_]*")) {
        throw new IllegalArgumentException("--split " + instance + ": port " + port + " of " + instance
            + " is not connected to one whole, plainly named wire of " + top
            + " (a slice, concatenation or constant): connect it to a wire");
      }
      String direction = dirs.get(port).toString();
      if (direction.equals("inout"))
        throw new IllegalArgumentException("--split " + instance + ": inout port " + port + " is not supported");
      for (String[] other : bound.values()) {
        if (other[0].equals(wire) && !other[2].equals(direction)) {
          throw new IllegalArgumentException(
              "--split " + instance + ": wire " + wire + " connects an output of " + instance + " back to its input");
        }
      }
      bound.put(port, new String[]{wire, String.valueOf(bits.size()), direction});
      boolean topInput = topPorts.containsKey(wire) && "input".equals(map(topPorts.get(wire)).get("direction"));
      boolean topOutput = topPorts.containsKey(wire) && "output".equals(map(topPorts.get(wire)).get("direction"));
      if (direction.equals("output")) {
        if (!exposeIn.contains(wire)) exposeIn.add(wire);
      } else if (!topInput && !topOutput && !exposeOut.contains(wire)) {
        exposeOut.add(wire);
      }
    }
    // 2. the whole design
    Yosys.Synthesis whole = Yosys.synthesize(files, top, outDir.resolve("whole"));
    // 3. the rest: the instance deleted, its boundary wires exposed as ports
    StringBuilder cut = new StringBuilder("delete " + top + "/" + instance + "\n");
    for (String w : exposeIn) {
      // a top-level output driven by the instance becomes an input of the rest (fed by the simulated part)
      if (topPorts.containsKey(w)) cut.append("delete -output ").append(top).append("/").append(w).append('\n');
      cut.append("expose -input ").append(top).append("/").append(w).append('\n');
    }
    for (String w : exposeOut) cut.append("expose ").append(top).append("/").append(w).append('\n');
    Yosys.Synthesis fast = Yosys.synthesize(files, top, outDir.resolve("fast"), cut.toString());
    // 4. the instance alone, in a wrapper with the whole design's wire names
    String wrapTop = "cairn_split_" + instance;
    StringBuilder v = new StringBuilder(
        "// generated by Cairn (io.cairn.hw.netlist.Split): instance " + instance + " of " + top + " alone\n");
    v.append("module ").append(wrapTop).append(" (");
    List<String> decl = new ArrayList<>(), pins = new ArrayList<>();
    List<String> seen = new ArrayList<>();
    for (Map.Entry<String, String[]> b : bound.entrySet()) {
      String[] w = b.getValue();
      if (!seen.contains(w[0])) {
        seen.add(w[0]);
        decl.add(
            (w[2].equals("input") ? "input" : "output") + " wire [" + (Integer.parseInt(w[1]) - 1) + ":0] " + w[0]);
      }
      pins.add("." + b.getKey() + "(" + w[0] + ")");
    }
    v.append(String.join(", ", decl)).append(");\n  ").append(module).append(' ').append(instance).append(" (")
        .append(String.join(", ", pins))
        .append(");\nendmodule\n");
    Path wrapper = outDir.resolve(wrapTop + ".v").toAbsolutePath();
    Files.writeString(wrapper, v.toString());
    List<Path> simFiles = new ArrayList<>(files);
    simFiles.add(wrapper);
    Yosys.Synthesis sim = Yosys.synthesize(simFiles, wrapTop, outDir.resolve("sim"));
    return new Parts(whole, fast, sim, instance, module);
  }

  private static String q(String s) { return s.contains(" ") ? "\"" + s + "\"" : s; }

  private static String quoteAll(List<String> s) {
    List<String> r = new ArrayList<>();
    for (String x : s) r.add(q(x));
    return String.join(" ", r);
  }
}
