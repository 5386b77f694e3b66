package io.cairn.hw.netlist;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Loads a flattened Yosys JSON netlist ({@code write_json}) after the script in
 * {@code docs/hardware-debug.md}. Every cell must be a supported fine gate, flip-flop or
 * {@code $mem_v2}; anything else is rejected with its name, type and {@code src} attribute.
 */
public final class NetlistLoader {
  private final Map<Long, Integer> dense = new HashMap<>();
  private int next = 2;
  private final List<String> problems = new ArrayList<>();

  private NetlistLoader() {}

  /** Loads the module marked as top (or the only module). */
  public static Netlist load(Path json) {
    return load(json, null);
  }

  /** Loads module {@code top} (null: the one with the {@code top} attribute, or the only one). */
  public static Netlist load(Path json, String top) {
    String text;
    try {
      text = Files.readString(json, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new NetlistException("cannot read netlist " + json + ": " + e.getMessage(), e);
    }
    try {
      return new NetlistLoader().build(Json.parse(text), top, json.toString());
    } catch (IllegalArgumentException e) {
      throw new NetlistException(json + ": " + e.getMessage(), e);
    }
  }

  /** Loads from JSON text (for tests); {@code origin} names it in errors. */
  public static Netlist parse(String jsonText, String top, String origin) {
    try {
      return new NetlistLoader().build(Json.parse(jsonText), top, origin);
    } catch (IllegalArgumentException e) {
      throw new NetlistException(origin + ": " + e.getMessage(), e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> obj(Object o, String what) {
    if (!(o instanceof Map)) throw new IllegalArgumentException("expected an object for " + what);
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> arr(Object o, String what) {
    if (!(o instanceof List)) throw new IllegalArgumentException("expected an array for " + what);
    return (List<Object>) o;
  }

  private int net(Object bit) {
    if (bit instanceof Long l) return dense.computeIfAbsent(l, k -> next++);
    if (bit instanceof String s) {
      return switch (s) {
        case "1" -> 1;
        case "0", "x", "z" -> 0;
        default -> throw new IllegalArgumentException("bad bit '" + s + "'");
      };
    }
    throw new IllegalArgumentException("bad bit " + bit);
  }

  private int[] nets(Object bits, String what) {
    List<Object> a = arr(bits, what);
    int[] r = new int[a.size()];
    for (int i = 0; i < r.length; i++) r[i] = net(a.get(i));
    return r;
  }

  /** A Yosys parameter as a bit string (MSB first) or a number. */
  private static String bitsParam(Map<String, Object> params, String name, String where) {
    Object v = params.get(name);
    if (v == null) throw new IllegalArgumentException(where + ": missing parameter " + name);
    if (v instanceof Long l) return Long.toBinaryString(l);
    return v.toString();
  }

  private static long intParam(Map<String, Object> params, String name, String where) {
    String b = bitsParam(params, name, where).replace('x', '0').replace('z', '0');
    if (b.isEmpty()) return 0;
    if (b.length() > 63) b = b.substring(b.length() - 63);
    return Long.parseLong(b, 2);
  }

  private Netlist build(Object root, String wantTop, String origin) {
    Map<String, Object> modules = obj(obj(root, "netlist").get("modules"), "modules");
    if (modules == null || modules.isEmpty()) throw new NetlistException(origin + ": no modules");
    String top = wantTop;
    if (top == null) {
      for (var e : modules.entrySet()) {
        Map<String, Object> attrs = obj(obj(e.getValue(), e.getKey()).getOrDefault("attributes", Map.of()),
            "attributes");
        Object t = attrs.get("top");
        if (t != null && intOf(t) != 0) top = e.getKey();
      }
      if (top == null && modules.size() == 1) top = modules.keySet().iterator().next();
      if (top == null)
        throw new NetlistException(origin + ": several modules and none marked top; name one with --top");
    }
    Map<String, Object> mod = obj(modules.get(top), "module " + top);
    if (mod == null)
      throw new NetlistException(origin + ": no module named " + top + " (have " + modules.keySet() + ")");

    // ports
    List<Netlist.Port> ins = new ArrayList<>(), outs = new ArrayList<>();
    Map<String, Object> ports = obj(mod.getOrDefault("ports", Map.of()), "ports");
    for (var e : ports.entrySet()) {
      Map<String, Object> p = obj(e.getValue(), "port " + e.getKey());
      int[] n = nets(p.get("bits"), "port " + e.getKey());
      String dir = String.valueOf(p.get("direction"));
      switch (dir) {
        case "input" -> ins.add(new Netlist.Port(e.getKey(), n));
        case "output" -> outs.add(new Netlist.Port(e.getKey(), n));
        default -> problems.add("port " + e.getKey() + ": direction " + dir + " is not supported (only input/output)");
      }
    }

    // names
    Map<String, int[]> signals = new LinkedHashMap<>();
    Map<Integer, String> bitName = new HashMap<>();
    Map<String, Object> netnames = obj(mod.getOrDefault("netnames", Map.of()), "netnames");
    List<String> sortedNames = new ArrayList<>(netnames.keySet());
    sortedNames.sort((a, b) -> a.length() != b.length() ? Integer.compare(a.length(), b.length()) : a.compareTo(b));
    for (String name : sortedNames) {
      Map<String, Object> nn = obj(netnames.get(name), "netname " + name);
      boolean hidden = intOf(nn.getOrDefault("hide_name", 0L)) != 0 || name.startsWith("$");
      int[] n = nets(nn.get("bits"), "netname " + name);
      if (hidden) continue;
      signals.put(name, n);
      long offset = intOf(nn.getOrDefault("offset", 0L));
      boolean upto = intOf(nn.getOrDefault("upto", 0L)) != 0;
      for (int i = 0; i < n.length; i++) {
        if (n[i] < 2 || bitName.containsKey(n[i])) continue;
        long idx = upto ? offset + n.length - 1 - i : offset + i;
        bitName.put(n[i], n.length == 1 && offset == 0 ? name : name + "[" + idx + "]");
      }
    }
    Map<String, int[]> sortedSignals = new TreeMap<>(signals);

    // cells
    List<Netlist.Gate> gates = new ArrayList<>();
    List<Netlist.Flop> flops = new ArrayList<>();
    List<Netlist.Memory> mems = new ArrayList<>();
    List<Integer> clocks = new ArrayList<>();
    List<String> clockUsers = new ArrayList<>();
    Map<String, Object> cells = obj(mod.getOrDefault("cells", Map.of()), "cells");
    for (var e : cells.entrySet()) {
      String name = e.getKey();
      Map<String, Object> c = obj(e.getValue(), "cell " + name);
      String type = String.valueOf(c.get("type"));
      Map<String, Object> attrs = obj(c.getOrDefault("attributes", Map.of()), "attributes");
      String src = attrs.get("src") == null ? "?" : attrs.get("src").toString();
      Map<String, Object> conn = obj(c.getOrDefault("connections", Map.of()), "connections of " + name);
      String where = "cell " + name + " (" + type + ", src " + src + ")";
      GateOp op = GateOp.ofCellType(type);
      if (op != null) {
        int[] in = new int[op.arity()];
        for (int k = 0; k < in.length; k++) in[k] = single(conn, op.inputs[k], where);
        gates.add(new Netlist.Gate(op, in, single(conn, "Y", where), name, src));
      } else if (type.startsWith("$_") && (type.contains("DFF"))) {
        Netlist.Flop f = flop(name, type, src, conn, where, bitName);
        if (f != null) {
          flops.add(f);
          clocks.add(single(conn, "C", where));
          clockUsers.add(where);
        }
      } else if (type.equals("$mem_v2")) {
        Netlist.Memory m = memory(name, src, obj(c.getOrDefault("parameters", Map.of()), "parameters"), conn, where,
            clocks, clockUsers);
        if (m != null) mems.add(m);
      } else if (!type.startsWith("$")) {
        problems.add(where + ": instance of module " + type + " — the design is not flattened (run 'flatten')");
      } else {
        problems.add(where + ": unsupported cell type " + type
            + " (map it to fine gates with 'techmap', see docs/hardware-debug.md)");
      }
    }

    // clock
    String clockName = null;
    int clockNet = -1;
    if (!clocks.isEmpty()) {
      clockNet = clocks.getFirst();
      for (int k = 0; k < clocks.size(); k++) {
        if (clocks.get(k) != clockNet) {
          problems.add(clockUsers.get(k) + ": clocked by a different net than " + clockUsers.getFirst()
              + " — only single-clock designs are supported");
          break;
        }
      }
      for (Netlist.Port p : ins) if (p.width() == 1 && p.nets()[0] == clockNet) clockName = p.name();
      if (clockName == null)
        problems.add(clockUsers.getFirst()
            + ": the clock is not a 1-bit top-level input (gated or derived clocks are not supported)");
    }
    final String clk = clockName;
    List<Netlist.Port> dataIns = new ArrayList<>(ins.stream().filter(p -> !p.name().equals(clk)).toList());
    for (Netlist.Port p : dataIns)
      if (p.width() > 64)
        problems.add("input port " + p.name() + " is " + p.width() + " bits wide; at most 64 are supported");
    for (Netlist.Port p : outs)
      if (p.width() > 64)
        problems.add("output port " + p.name() + " is " + p.width() + " bits wide; at most 64 are supported");

    // single driver check
    int[] driver = new int[next];
    Arrays.fill(driver, 0);
    for (Netlist.Port p : ins) for (int n : p.nets()) mark(driver, n, "input " + p.name());
    for (Netlist.Gate g : gates) mark(driver, g.out(), g.name());
    for (Netlist.Flop f : flops) mark(driver, f.q(), f.name());
    for (Netlist.Memory m : mems) for (var rp : m.readPorts()) for (int n : rp.data()) mark(driver, n, m.cellName());

    if (!problems.isEmpty()) {
      int show = Math.min(problems.size(), 20);
      throw new NetlistException(origin + ": " + problems.size() + " problem(s) in module " + top + ":\n  "
          + String.join("\n  ", problems.subList(0, show)) + (show < problems.size() ? "\n  ..." : ""));
    }
    String hash = hash(top, ins, outs, gates, flops, mems);
    return new Netlist(top, next, List.copyOf(dataIns), List.copyOf(outs), clockName, clockNet, List.copyOf(gates),
        List.copyOf(flops), List.copyOf(mems), java.util.Collections.unmodifiableMap(sortedSignals), hash);
  }

  private void mark(int[] driver, int net, String who) {
    if (net < 2) {
      problems.add(who + ": drives a constant");
      return;
    }
    if (driver[net] != 0) problems.add("net " + net + " has several drivers (one is " + who + ")");
    driver[net] = 1;
  }

  private static long intOf(Object o) {
    if (o instanceof Long l) return l;
    String s = o.toString().replace('x', '0').replace('z', '0');
    if (s.isEmpty()) return 0;
    return new java.math.BigInteger(s, 2).signum() == 0 ? 0 : 1;
  }

  private int single(Map<String, Object> conn, String port, String where) {
    Object bits = conn.get(port);
    if (bits == null) throw new IllegalArgumentException(where + ": port " + port + " is not connected");
    int[] n = nets(bits, where + " port " + port);
    if (n.length != 1) throw new IllegalArgumentException(where + ": port " + port + " must be 1 bit, is " + n.length);
    return n[0];
  }

  /** Parses $_DFF_P_, $_DFFE_PP_, $_DFF_PP0_, $_DFFE_PP0P_, $_SDFF_PP0_, $_SDFFE_PP0P_, $_SDFFCE_PP0P_. */
  private Netlist.Flop flop(String name, String type, String src, Map<String, Object> conn, String where,
      Map<Integer, String> bitName) {
    String body = type.substring(2, type.length() - 1); // e.g. DFFE_PP0P
    int us = body.indexOf('_');
    if (us < 0) { problems.add(where + ": unsupported flip-flop type"); return null; }
    String kind = body.substring(0, us), code = body.substring(us + 1);
    if (code.isEmpty() || code.charAt(0) != 'P') {
      problems.add(where + ": " + (code.startsWith("N") ? "negative-edge flip-flops are" : "this flip-flop is")
          + " not supported (single rising-edge clock only)");
      return null;
    }
    int en = -1, srst = -1, arst = -1, srstVal = 0, arstVal = 0;
    boolean enPol = true, srstPol = true, arstPol = true, ce = false;
    switch (kind) {
      case "DFF" -> {
        if (code.length() == 1) break;
        if (code.length() != 3) { problems.add(where + ": unsupported flip-flop type"); return null; }
        arst = single(conn, "R", where);
        arstPol = code.charAt(1) == 'P';
        arstVal = code.charAt(2) - '0';
      }
      case "DFFE" -> {
        if (code.length() == 2) { en = single(conn, "E", where); enPol = code.charAt(1) == 'P'; break; }
        if (code.length() != 4) { problems.add(where + ": unsupported flip-flop type"); return null; }
        arst = single(conn, "R", where);
        arstPol = code.charAt(1) == 'P';
        arstVal = code.charAt(2) - '0';
        en = single(conn, "E", where);
        enPol = code.charAt(3) == 'P';
      }
      case "SDFF", "SDFFE", "SDFFCE" -> {
        int want = kind.equals("SDFF") ? 3 : 4;
        if (code.length() != want) { problems.add(where + ": unsupported flip-flop type"); return null; }
        srst = single(conn, "R", where);
        srstPol = code.charAt(1) == 'P';
        srstVal = code.charAt(2) - '0';
        if (want == 4) { en = single(conn, "E", where); enPol = code.charAt(3) == 'P'; ce = kind.equals("SDFFCE"); }
      }
      default -> {
        problems.add(where + ": unsupported flip-flop type " + type
            + " (set/reset, latches and async-load flops are not supported)");
        return null;
      }
    }
    int q = single(conn, "Q", where);
    String stateName = bitName.getOrDefault(q, name);
    return new Netlist.Flop(name, type, stateName, src, single(conn, "D", where), q, en, enPol, srst, srstPol, srstVal,
        ce, arst, arstPol, arstVal);
  }

  private Netlist.Memory memory(String cellName, String src, Map<String, Object> params, Map<String, Object> conn,
      String where, List<Integer> clocks, List<String> clockUsers) {
    int width = (int) intParam(params, "WIDTH", where);
    int size = (int) intParam(params, "SIZE", where);
    int abits = (int) intParam(params, "ABITS", where);
    int offset = (int) intParam(params, "OFFSET", where);
    int rdPorts = (int) intParam(params, "RD_PORTS", where);
    int wrPorts = (int) intParam(params, "WR_PORTS", where);
    String memid = bitsParam(params, "MEMID", where);
    if (memid.startsWith("\\")) memid = memid.substring(1);
    if (width < 1 || width > 64) {
      problems.add(where + ": memory width " + width + " (1..64 supported)");
      return null;
    }
    if (size < 1 || size > (1 << 24)) { problems.add(where + ": memory size " + size + " not supported"); return null; }
    if (bitsParam(params, "RD_CLK_ENABLE", where).contains("1")) {
      problems
          .add(where + ": synchronous (clocked) read ports are not supported; synthesise with 'memory -nomap -nordff'");
      return null;
    }
    if (bitsParam(params, "RD_WIDE_CONTINUATION", where).contains("1")
        || bitsParam(params, "WR_WIDE_CONTINUATION", where).contains("1")) {
      problems.add(where + ": wide memory ports are not supported");
      return null;
    }
    String wrClkEn = bitsParam(params, "WR_CLK_ENABLE", where), wrPol = bitsParam(params, "WR_CLK_POLARITY", where);
    if (wrPorts > 0 && (wrClkEn.contains("0") || wrPol.contains("0"))) {
      problems.add(where + ": write ports must be clocked on the rising edge");
      return null;
    }
    // INIT: MSB first, word i at bits [i*width, (i+1)*width)
    String init = bitsParam(params, "INIT", where);
    long[] words = new long[size];
    int total = init.length();
    for (int w = 0; w < size; w++) {
      long v = 0;
      for (int b = 0; b < width; b++) {
        int bit = w * width + b;
        int pos = total - 1 - bit;
        if (pos >= 0 && init.charAt(pos) == '1') v |= 1L << b;
      }
      words[w] = v;
    }
    int[] rdAddr = nets(conn.get("RD_ADDR"), where), rdData = nets(conn.get("RD_DATA"), where);
    List<Netlist.ReadPort> rps = new ArrayList<>();
    for (int p = 0; p < rdPorts; p++) {
      rps.add(new Netlist.ReadPort(Arrays.copyOfRange(rdAddr, p * abits, (p + 1) * abits),
          Arrays.copyOfRange(rdData, p * width, (p + 1) * width)));
    }
    List<Netlist.WritePort> wps = new ArrayList<>();
    if (wrPorts > 0) {
      int[] wrAddr = nets(conn.get("WR_ADDR"), where), wrData = nets(conn.get("WR_DATA"), where),
          wrEn = nets(conn.get("WR_EN"), where), wrClk = nets(conn.get("WR_CLK"), where);
      for (int p = 0; p < wrPorts; p++) {
        clocks.add(wrClk[p]);
        clockUsers.add(where + " write port " + p);
        wps.add(new Netlist.WritePort(Arrays.copyOfRange(wrAddr, p * abits, (p + 1) * abits),
            Arrays.copyOfRange(wrData, p * width, (p + 1) * width),
            Arrays.copyOfRange(wrEn, p * width, (p + 1) * width)));
      }
    }
    return new Netlist.Memory(memid, cellName, src, width, size, offset, words, List.copyOf(rps), List.copyOf(wps));
  }

  private static String hash(String top, List<Netlist.Port> ins, List<Netlist.Port> outs, List<Netlist.Gate> gates,
      List<Netlist.Flop> flops, List<Netlist.Memory> mems) {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    StringBuilder b = new StringBuilder();
    b.append("top ").append(top).append('\n');
    for (var p : ins) b.append("in ").append(p.name()).append(Arrays.toString(p.nets())).append('\n');
    for (var p : outs) b.append("out ").append(p.name()).append(Arrays.toString(p.nets())).append('\n');
    for (var g : gates) b.append(g.op()).append(Arrays.toString(g.in())).append(g.out()).append('\n');
    for (var f : flops)
      b.append(f.cellType()).append(' ').append(f.stateName()).append(' ').append(f.d()).append(' ').append(f.q())
          .append(' ').append(f.en()).append(' ').append(f.srst()).append(' ').append(f.arst()).append('\n');
    for (var m : mems) {
      b.append("mem ").append(m.name()).append(' ').append(m.width()).append(' ').append(m.size()).append(' ')
          .append(m.offset());
      for (var r : m.readPorts()) b.append(" r").append(Arrays.toString(r.addr())).append(Arrays.toString(r.data()));
      for (var w : m.writePorts())
        b.append(" w").append(Arrays.toString(w.addr())).append(Arrays.toString(w.data()))
            .append(Arrays.toString(w.en()));
      b.append('\n');
    }
    return HexFormat.of().formatHex(md.digest(b.toString().getBytes(StandardCharsets.UTF_8)));
  }
}
