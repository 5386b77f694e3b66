package io.cairn.internal.store;

import io.cairn.spi.Storage;
import java.io.EOFException;
import java.io.IOException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A {@link Storage} on the Java heap: the in-process level, for rollback without any I/O. Lost with
 * the process. Thread-safe.
 */
public final class MemoryStorage implements Storage {
  private final TreeMap<String, byte[]> files = new TreeMap<>();
  private final String label;

  public MemoryStorage(String label) { this.label = label; }

  @Override
  public String describe() { return "memory:" + label; }

  private static void check(String name) throws IOException {
    if (name.startsWith("/") || name.contains("..")) throw new IOException("invalid name '" + name + "'");
  }

  @Override
  public Output create(String name) throws IOException {
    check(name);
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    synchronized (this) {
      files.put(name, new byte[0]);
    }
    return new Output() {
      @Override
      public void write(ByteBuffer src) {
        byte[] b = new byte[src.remaining()];
        src.get(b);
        buf.write(b, 0, b.length);
      }
      @Override
      public long position() { return buf.size(); }
      @Override
      public void sync() {
        synchronized (MemoryStorage.this) {
          files.put(name, buf.toByteArray());
        }
      }
      @Override
      public void close() { sync(); }
    };
  }

  @Override
  public Input open(String name) throws IOException {
    byte[] data;
    synchronized (this) {
      data = files.get(name);
    }
    if (data == null) throw new NoSuchFileException(describe() + "/" + name);
    return new Input() {
      @Override
      public long size() { return data.length; }
      @Override
      public void readFully(long position, ByteBuffer dst) throws IOException {
        if (position + dst.remaining() > data.length)
          throw new EOFException(describe() + "/" + name + ": file ends at " + data.length);
        dst.put(data, (int) position, dst.remaining());
      }
      @Override
      public void close() {}
    };
  }

  @Override
  public synchronized boolean exists(String name) {
    if (files.containsKey(name)) return true;
    String prefix = name + "/";
    String next = files.ceilingKey(prefix);
    return next != null && next.startsWith(prefix);
  }

  @Override
  public synchronized List<String> list(String dir) {
    String prefix = dir.isEmpty() ? "" : dir + "/";
    TreeSet<String> out = new TreeSet<>();
    for (String k : files.tailMap(prefix, true).keySet()) {
      if (!k.startsWith(prefix)) break;
      String rest = k.substring(prefix.length());
      int slash = rest.indexOf('/');
      out.add(slash < 0 ? rest : rest.substring(0, slash));
    }
    return new ArrayList<>(out);
  }

  @Override
  public synchronized void rename(String from, String to) throws IOException {
    byte[] d = files.remove(from);
    if (d == null) throw new NoSuchFileException(describe() + "/" + from);
    files.put(to, d);
  }

  @Override
  public synchronized void delete(String name) { files.remove(name); }

  @Override
  public synchronized void deleteTree(String dir) {
    String prefix = dir + "/";
    files.keySet().removeIf(k -> k.equals(dir) || k.startsWith(prefix));
  }

  @Override
  public void syncDir(String dir) {}

  @Override
  public AutoCloseable lock(String name, String holder) { return () -> {}; }
}
