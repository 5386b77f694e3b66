package io.cairn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The object state encoding: arrays in bulk, byte for byte what an element-by-element DataOutputStream writes (the documented layout). */
class StateCodecTest {
  @Test
  void arraysAreEncodedBigEndianWithTheirLengthExactlyAsElementByElement() throws Exception {
    Random r = new Random(9);
    for (int n : new int[]{0, 1, 7, 8191, 8192, 8193, 50_000}) {
      int[] ints = r.ints(n).toArray();
      long[] longs = r.longs(n).toArray();
      float[] floats = new float[n];
      double[] doubles = new double[n];
      for (int i = 0; i < n; i++) {
        floats[i] = Float.intBitsToFloat(r.nextInt()); // any bit pattern, NaN payloads included
        doubles[i] = Double.longBitsToDouble(r.nextLong());
      }
      if (n > 3) {
        floats[0] = -0f;
        floats[1] = Float.intBitsToFloat(0x7fc00001); // a NaN with a payload: raw bits are kept
        doubles[2] = Double.longBitsToDouble(0x7ff0000000000123L);
      }
      byte[] got = new StateWriter().writeInts(ints).writeLongs(longs).writeFloats(floats).writeDoubles(doubles)
          .writeString("end").toByteArray();
      ByteArrayOutputStream ref = new ByteArrayOutputStream();
      try (DataOutputStream d = new DataOutputStream(ref)) {
        d.writeInt(n);
        for (int v : ints) d.writeInt(v);
        d.writeInt(n);
        for (long v : longs) d.writeLong(v);
        d.writeInt(n);
        for (float v : floats) d.writeInt(Float.floatToRawIntBits(v));
        d.writeInt(n);
        for (double v : doubles) d.writeLong(Double.doubleToRawLongBits(v));
        d.writeInt(3);
        d.write("end".getBytes());
      }
      assertThat(got).as("n=%d", n).isEqualTo(ref.toByteArray());
      StateReader in = new StateReader("x", got);
      assertThat(in.readInts()).isEqualTo(ints);
      assertThat(in.readLongs()).isEqualTo(longs);
      float[] f = in.readFloats();
      for (int i = 0; i < n; i++)
        assertThat(Float.floatToRawIntBits(f[i])).isEqualTo(Float.floatToRawIntBits(floats[i]));
      double[] d = in.readDoubles();
      for (int i = 0; i < n; i++)
        assertThat(Double.doubleToRawLongBits(d[i])).isEqualTo(Double.doubleToRawLongBits(doubles[i]));
      assertThat(in.readString()).isEqualTo("end");
      assertThat(in.remaining()).isZero();
    }
  }

  @Test
  void truncatedOrNonsenseArraysFailClearly() {
    byte[] ok = new StateWriter().writeDoubles(new double[1000]).toByteArray();
    assertThatThrownBy(() -> new StateReader("grid", Arrays.copyOf(ok, ok.length - 3)).readDoubles())
        .isInstanceOf(EOFException.class)
        .hasMessageContaining("object 'grid' read past the end");
    byte[] bad = new StateWriter().writeInt(Integer.MAX_VALUE).toByteArray();
    assertThatThrownBy(() -> new StateReader("grid", bad).readFloats())
        .hasMessageContaining("object 'grid': bad array length");
  }
}
