package io.cairn.hw.sim;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Reads a VCD into per-variable value histories (variables named {@code scope.name}, top scope dropped). */
public final class VcdReader {
  private VcdReader() {}

  /** Variable name to (time to binary value, MSB first, padded to the width). */
  public static Map<String, TreeMap<Long, String>> read(Path file) throws IOException {
    Map<String, List<String>> byId = new HashMap<>();
    Map<String, Integer> widthById = new HashMap<>();
    Map<String, TreeMap<Long, String>> out = new LinkedHashMap<>();
    List<String> scope = new ArrayList<>();
    long t = 0;
    boolean defs = true;
    for (String raw : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
      String l = raw.trim();
      if (l.isEmpty()) continue;
      if (defs) {
        String[] tk = l.split("\\s+");
        switch (tk[0]) {
          case "$scope" -> scope.add(tk[2]);
          case "$upscope" -> scope.removeLast();
          case "$var" -> {
            String name = tk[4];
            if (name.startsWith("\\")) name = name.substring(1);
            String full = scope.size() <= 1 ? name : String.join(".", scope.subList(1, scope.size())) + "." + name;
            byId.computeIfAbsent(tk[3], k -> new ArrayList<>()).add(full);
            widthById.put(tk[3], Integer.parseInt(tk[2]));
            out.put(full, new TreeMap<>());
          }
          case "$enddefinitions" -> defs = false;
          default -> {}
        }
        continue;
      }
      char c = l.charAt(0);
      if (c == '#') { t = Long.parseLong(l.substring(1)); continue; }
      if (c == '$') continue;
      String val, id;
      if (c == 'b' || c == 'B') {
        int sp = l.indexOf(' ');
        val = l.substring(1, sp);
        id = l.substring(sp + 1).trim();
      } else if (c == 'r' || c == 'R') {
        continue;
      } else {
        val = l.substring(0, 1);
        id = l.substring(1);
      }
      List<String> names = byId.get(id);
      if (names == null) continue;
      int w = widthById.get(id);
      if (val.length() < w) {
        char pad = val.charAt(0) == '1' ? '0' : val.charAt(0);
        val = String.valueOf(pad).repeat(w - val.length()) + val;
      }
      for (String n : names) out.get(n).put(t, val.toLowerCase(java.util.Locale.ROOT));
    }
    return out;
  }

  /** The value in effect at time {@code t} (the last change at or before it), or null. */
  public static String at(TreeMap<Long, String> h, long t) {
    var e = h.floorEntry(t);
    return e == null ? null : e.getValue();
  }
}
