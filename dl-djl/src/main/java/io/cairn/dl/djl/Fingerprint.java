package io.cairn.dl.djl;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The training configuration as flat {@code key=value} lines, compared at restore: a resume with another
 * learning rate, schedule, optimizer hyper-parameter, model, data or thread count is refused naming each
 * difference. The optimizer (with its learning-rate tracker, e.g. warm-up + cosine) is described by
 * reflection over its fields, so every hyper-parameter counts without a list to maintain.
 */
final class Fingerprint {
  private Fingerprint() {}

  /** Fields of DJL objects, recursively (trackers inside trackers), as {@code prefix.field=value}; state fields left out. */
  static void describe(Object o, String prefix, Map<String, String> out, java.util.function.Predicate<Field> skip,
      int depth) {
    if (o == null) { out.put(prefix, "null"); return; }
    Class<?> c = o.getClass();
    if (simple(c)) { out.put(prefix, String.valueOf(o)); return; }
    if (c.isArray()) { out.put(prefix, arrayString(o)); return; }
    if (!c.getName().startsWith("ai.djl.") || depth > 6) {
      // a user object (e.g. a tracker written as a lambda): only its type can be compared
      out.put(prefix, "instance of " + c.getName().replaceAll("\\$\\$Lambda.*", "\\$\\$Lambda"));
      return;
    }
    out.put(prefix + ".type", c.getName());
    for (Class<?> k = c; k != null && k != Object.class; k = k.getSuperclass()) {
      for (Field f : k.getDeclaredFields()) {
        if (Modifier.isStatic(f.getModifiers()) || f.isSynthetic() || skip.test(f)) continue;
        Object v;
        try {
          f.setAccessible(true);
          v = f.get(o);
        } catch (RuntimeException | IllegalAccessException e) {
          out.put(prefix + "." + f.getName(), "unreadable (" + e.getClass().getSimpleName() + ")");
          continue;
        }
        if (v instanceof Map<?, ?> || v instanceof java.util.Collection<?>) {
          out.put(prefix + "." + f.getName(), v.getClass().getSimpleName() + " of "
              + ((v instanceof Map<?, ?> m) ? m.size() : ((java.util.Collection<?>) v).size()));
          continue;
        }
        describe(v, prefix + "." + f.getName(), out, skip, depth + 1);
      }
    }
  }

  private static boolean simple(Class<?> c) {
    return c.isPrimitive() || c.isEnum() || c == String.class || Number.class.isAssignableFrom(c) || c == Boolean.class
        || c == Character.class
        || (c.getSuperclass() != null && c.getSuperclass().isEnum());
  }

  private static String arrayString(Object a) {
    return switch (a) {
      case float[] f -> java.util.Arrays.toString(f);
      case double[] d -> java.util.Arrays.toString(d);
      case int[] i -> java.util.Arrays.toString(i);
      case long[] l -> java.util.Arrays.toString(l);
      case boolean[] b -> java.util.Arrays.toString(b);
      case Object[] os -> java.util.Arrays.deepToString(os);
      default -> a.getClass().getSimpleName();
    };
  }

  static String encode(Map<String, String> config) {
    StringBuilder sb = new StringBuilder();
    for (var e : new TreeMap<>(config).entrySet())
      sb.append(e.getKey()).append('=').append(e.getValue().replace('\n', ' ')).append('\n');
    return sb.toString();
  }

  static Map<String, String> decode(String s) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String line : s.split("\n")) {
      if (line.isEmpty()) continue;
      int i = line.indexOf('=');
      if (i < 0) m.put(line, "");
      else
        m.put(line.substring(0, i), line.substring(i + 1));
    }
    return m;
  }

  /** One line per key whose value differs: {@code key: checkpoint X, this run Y}. */
  static List<String> differences(Map<String, String> saved, Map<String, String> now) {
    List<String> d = new ArrayList<>();
    TreeMap<String, String> all = new TreeMap<>(saved);
    for (var e : now.entrySet()) all.putIfAbsent(e.getKey(), null);
    for (String k : all.keySet()) {
      String a = saved.get(k), b = now.get(k);
      if (a == null ? b == null : a.equals(b)) continue;
      d.add(k + ": checkpoint " + (a == null ? "(not recorded)" : a) + ", this run " + (b == null ? "(not set)" : b));
    }
    return d;
  }
}
