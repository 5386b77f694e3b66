package io.cairn;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Reads back what a {@link StateWriter} wrote, in the same order. */
public final class StateReader {
  private final String region;
  private final int size;
  private final DataInputStream in;

  /** Reads {@code data} as written by a {@link StateWriter}; {@code region} names it in error messages. */
  public StateReader(String region, byte[] data) {
    this.region = region;
    this.size = data.length;
    this.in = new DataInputStream(new ByteArrayInputStream(data));
  }

  private EOFException eof() {
    return new EOFException("object '" + region + "' read past the end of its saved state (" + size
        + " bytes): load() must read what save() wrote");
  }

  private int length() throws IOException { return length(1); }

  /** An array length, checked against the bytes left for elements of {@code size} bytes. */
  private int length(int size) throws IOException {
    int n = readInt();
    if (n < 0 || (long) n * size > in.available()) {
      if (n >= 0 && n <= in.available()) throw eof(); // plausible length, truncated data
      throw new IOException("object '" + region + "': bad array length " + n);
    }
    return n;
  }

  public boolean readBoolean() throws IOException {
    try {
      return in.readBoolean();
    } catch (EOFException e) {
      throw eof();
    }
  }
  public byte readByte() throws IOException {
    try {
      return in.readByte();
    } catch (EOFException e) {
      throw eof();
    }
  }
  public int readInt() throws IOException {
    try {
      return in.readInt();
    } catch (EOFException e) {
      throw eof();
    }
  }
  public long readLong() throws IOException {
    try {
      return in.readLong();
    } catch (EOFException e) {
      throw eof();
    }
  }
  public float readFloat() throws IOException {
    try {
      return in.readFloat();
    } catch (EOFException e) {
      throw eof();
    }
  }
  public double readDouble() throws IOException {
    try {
      return in.readDouble();
    } catch (EOFException e) {
      throw eof();
    }
  }

  public String readString() throws IOException {
    int n = readInt();
    if (n == -1) return null;
    if (n < 0 || n > in.available()) throw new IOException("object '" + region + "': bad string length " + n);
    return new String(in.readNBytes(n), StandardCharsets.UTF_8);
  }

  public byte[] readBytes() throws IOException { return in.readNBytes(length()); }

  public int[] readInts() throws IOException {
    int[] a = new int[length(4)];
    return array(a, a.length, 4, (b, off, n) -> b.asIntBuffer().get(a, off, n));
  }

  public long[] readLongs() throws IOException {
    long[] a = new long[length(8)];
    return array(a, a.length, 8, (b, off, n) -> b.asLongBuffer().get(a, off, n));
  }

  public float[] readFloats() throws IOException {
    float[] a = new float[length(4)];
    return array(a, a.length, 4, (b, off, n) -> b.asFloatBuffer().get(a, off, n));
  }

  public double[] readDoubles() throws IOException {
    double[] a = new double[length(8)];
    return array(a, a.length, 8, (b, off, n) -> b.asDoubleBuffer().get(a, off, n));
  }

  private interface Decoder { void get(ByteBuffer b, int offset, int count); }

  private static final int CHUNK = 8192;

  /** Decodes {@code length} big-endian elements in chunks (the length was checked against the bytes left). */
  private <T> T array(T a, int length, int size, Decoder dec) throws IOException {
    if (length == 0) return a;
    byte[] buf = new byte[Math.min(length, CHUNK) * size];
    for (int off = 0; off < length; off += CHUNK) {
      int n = Math.min(CHUNK, length - off);
      try {
        in.readFully(buf, 0, n * size);
      } catch (EOFException e) {
        throw eof();
      }
      dec.get(ByteBuffer.wrap(buf, 0, n * size), off, n);
    }
    return a;
  }

  /** Bytes not read yet. */
  public int remaining() {
    try {
      return in.available();
    } catch (IOException e) {
      return 0;
    }
  }
}
