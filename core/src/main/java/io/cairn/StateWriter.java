package io.cairn;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Writes the state of a {@link Checkpointable}: big-endian primitives, arrays with their length, UTF-8 strings. */
public final class StateWriter {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final DataOutputStream out = new DataOutputStream(bytes);

  /** A writer into memory; {@link #toByteArray()} gives what was written. */
  public StateWriter() {}

  private StateWriter run(IoAction a) {
    try {
      a.run();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // cannot happen for an in-memory stream
    }
    return this;
  }

  private interface IoAction { void run() throws IOException; }

  public StateWriter writeBoolean(boolean v) { return run(() -> out.writeBoolean(v)); }
  public StateWriter writeByte(int v) { return run(() -> out.writeByte(v)); }
  public StateWriter writeInt(int v) { return run(() -> out.writeInt(v)); }
  public StateWriter writeLong(long v) { return run(() -> out.writeLong(v)); }
  public StateWriter writeFloat(float v) { return run(() -> out.writeFloat(v)); }
  public StateWriter writeDouble(double v) { return run(() -> out.writeDouble(v)); }

  /** A string (or null) as UTF-8 with its length. */
  public StateWriter writeString(String s) {
    return run(() -> {
      if (s == null) { out.writeInt(-1); return; }
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      out.writeInt(b.length);
      out.write(b);
    });
  }

  public StateWriter writeBytes(byte[] a) {
    return run(() -> { out.writeInt(a.length); out.write(a); });
  }

  public StateWriter writeInts(int[] a) {
    return array(a.length, 4, (b, off, n) -> b.asIntBuffer().put(a, off, n));
  }

  public StateWriter writeLongs(long[] a) {
    return array(a.length, 8, (b, off, n) -> b.asLongBuffer().put(a, off, n));
  }

  public StateWriter writeFloats(float[] a) {
    return array(a.length, 4, (b, off, n) -> b.asFloatBuffer().put(a, off, n)); // raw bits, as Float.floatToRawIntBits
  }

  public StateWriter writeDoubles(double[] a) {
    return array(a.length, 8, (b, off, n) -> b.asDoubleBuffer().put(a, off, n));
  }

  private interface Encoder { void put(ByteBuffer b, int offset, int count); }

  /** The length, then the elements big-endian, converted in chunks through a reused buffer (not one call per element). */
  private StateWriter array(int length, int size, Encoder enc) {
    return run(() -> {
      out.writeInt(length);
      if (length == 0) return;
      if (scratch == null) scratch = new byte[CHUNK * 8];
      ByteBuffer b = ByteBuffer.wrap(scratch); // big-endian, as DataOutputStream
      for (int off = 0; off < length; off += CHUNK) {
        int n = Math.min(CHUNK, length - off);
        enc.put(b.clear(), off, n);
        out.write(scratch, 0, n * size);
      }
    });
  }

  private static final int CHUNK = 8192;
  private byte[] scratch;

  /** The bytes written so far. */
  public byte[] toByteArray() {
    run(out::flush);
    return bytes.toByteArray();
  }
}
