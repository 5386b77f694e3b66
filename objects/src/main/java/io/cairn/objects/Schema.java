package io.cairn.objects;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a checkpoint of a graph says about its classes, written before the serializer's bytes so that
 * a restore can check it before anything is instantiated: the root's class and captured fields, and
 * the field layout (name and type) of every application class the graph may hold.
 */
record Schema(String rootClass, List<String> rootFields, Map<String, Map<String, String>> classes) {
  static final int MAX_CLASSES = 100_000, MAX_FIELDS = 65_536;

  static Schema of(Class<?> root, List<Field> rootFields, AllowList allow) {
    Map<String, Map<String, String>> classes = new LinkedHashMap<>();
    for (Class<?> c : allow.user) classes.put(c.getName(), layout(c));
    return new Schema(root.getName(), rootFields.stream().map(Field::getName).toList(), classes);
  }

  static Map<String, String> layout(Class<?> c) {
    Map<String, String> m = new LinkedHashMap<>();
    if (c.isEnum()) return m;
    for (Field f : AllowList.fields(c)) m.putIfAbsent(f.getName(), f.getType().getName());
    return m;
  }

  byte[] toBytes() {
    try {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(b);
      out.writeUTF(rootClass);
      out.writeInt(rootFields.size());
      for (String f : rootFields) out.writeUTF(f);
      out.writeInt(classes.size());
      for (var c : classes.entrySet()) {
        out.writeUTF(c.getKey());
        out.writeInt(c.getValue().size());
        for (var f : c.getValue().entrySet()) { out.writeUTF(f.getKey()); out.writeUTF(f.getValue()); }
      }
      out.flush();
      return b.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Parses a schema from a checkpoint (untrusted: every count is bounded, truncation is an error). */
  static Schema parse(byte[] data, int off, int len, String where) throws IOException {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data, off, len))) {
      String root = in.readUTF();
      int n = count(in.readInt(), MAX_FIELDS, where, "root fields");
      List<String> rootFields = new ArrayList<>();
      for (int i = 0; i < n; i++) rootFields.add(in.readUTF());
      int nc = count(in.readInt(), MAX_CLASSES, where, "classes");
      Map<String, Map<String, String>> classes = new LinkedHashMap<>();
      for (int i = 0; i < nc; i++) {
        String c = in.readUTF();
        int nf = count(in.readInt(), MAX_FIELDS, where, "fields of " + c);
        Map<String, String> fields = new LinkedHashMap<>();
        for (int j = 0; j < nf; j++) fields.put(in.readUTF(), in.readUTF());
        classes.put(c, fields);
      }
      if (in.available() != 0)
        throw new IOException(where + ": " + in.available() + " stray bytes after the class list");
      return new Schema(root, rootFields, classes);
    } catch (EOFException e) {
      throw new IOException(where + ": the class list is truncated");
    }
  }

  private static int count(int n, int max, String where, String what) throws IOException {
    if (n < 0 || n > max) throw new IOException(where + ": " + n + " " + what + " (0.." + max + " expected)");
    return n;
  }
}
