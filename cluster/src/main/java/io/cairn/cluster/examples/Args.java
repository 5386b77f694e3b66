package io.cairn.cluster.examples;

import java.util.HashMap;
import java.util.Map;

/** Tiny {@code --key value} parser for the examples. */
final class Args {
  private final Map<String, String> m = new HashMap<>();

  Args(String[] a) {
    for (int i = 0; i < a.length; i++) {
      if (!a[i].startsWith("--") || i + 1 >= a.length)
        throw new IllegalArgumentException("expected --key value pairs, got '" + a[i] + "'");
      m.put(a[i].substring(2), a[++i]);
    }
  }

  long num(String k, long def) { return m.containsKey(k) ? Long.parseLong(m.get(k)) : def; }
  String str(String k, String def) { return m.getOrDefault(k, def); }
}
