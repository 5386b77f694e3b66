package io.cairn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.testing.TestCheckpointers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RoundTripTest {
  @TempDir
  Path dir;

  static final class Counter implements Checkpointable {
    long count;
    String label = "";
    double[] hist = new double[0];
    @Override
    public void save(StateWriter out) { out.writeLong(count).writeString(label).writeDoubles(hist); }
    @Override
    public void load(StateReader in) throws IOException {
      count = in.readLong();
      label = in.readString();
      hist = in.readDoubles();
    }
  }

  Checkpointer.Builder builder() {
    return TestCheckpointers.smallChunks("rt", dir, "local", "persistent")
        .set("level.local.keep", "3").set("level.persistent.every", "2");
  }

  @Test
  void everyKindRoundTrips() throws Exception {
    Random r = new Random(1);
    boolean[] zs = new boolean[1001];
    byte[] bs = new byte[10_001];
    char[] cs = new char[777];
    short[] ss = new short[333];
    int[] is = new int[5000];
    long[] ls = new long[2049];
    float[] fs = new float[3000];
    double[] ds = new double[4097];
    ByteBuffer heap = ByteBuffer.allocate(9000);
    ByteBuffer direct = ByteBuffer.allocateDirect(12345);
    Counter obj = new Counter();
    for (int i = 0; i < zs.length; i++) zs[i] = r.nextBoolean();
    r.nextBytes(bs);
    for (int i = 0; i < cs.length; i++) cs[i] = (char) r.nextInt();
    for (int i = 0; i < ss.length; i++) ss[i] = (short) r.nextInt();
    for (int i = 0; i < is.length; i++) is[i] = r.nextInt();
    for (int i = 0; i < ls.length; i++) ls[i] = r.nextLong();
    for (int i = 0; i < fs.length; i++) fs[i] = r.nextFloat();
    for (int i = 0; i < ds.length; i++) ds[i] = r.nextGaussian();
    while (heap.hasRemaining()) heap.put((byte) r.nextInt());
    while (direct.hasRemaining()) direct.put((byte) r.nextInt());
    heap.position(17);
    direct.limit(100);
    obj.count = 42;
    obj.label = "héllo";
    obj.hist = new double[]{1.5, Double.NaN, -0.0};
    Object[] before = {zs.clone(), bs.clone(), cs.clone(), ss.clone(), is.clone(), ls.clone(), fs.clone(), ds.clone()};
    byte[] heapBytes = heap.array().clone();
    byte[] directBytes = new byte[direct.capacity()];
    direct.duplicate().clear().get(directBytes);

    Version v;
    try (Checkpointer c = builder().open()) {
      c.protect("z", zs).protect("b", bs).protect("c", cs).protect("s", ss).protect("i", is).protect("l", ls)
          .protect("f", fs).protect("d", ds).protect("heap", heap).protect("direct", direct).protect("obj", obj);
      Files.writeString(c.routeFile("notes.txt"), "routed file content\n".repeat(1000));
      assertThat(c.restoreLatest()).isEmpty();
      v = c.checkpoint(Metadata.create().label("first").step(7).put("k", "v")).await();
      assertThat(v.number()).isEqualTo(1);
      assertThat(v.levels()).containsExactly("local", "persistent");
    }
    // wipe everything
    Arrays.fill(zs, false);
    Arrays.fill(bs, (byte) 0);
    Arrays.fill(cs, 'x');
    Arrays.fill(ss, (short) 0);
    Arrays.fill(is, 0);
    Arrays.fill(ls, 0);
    Arrays.fill(fs, 0);
    Arrays.fill(ds, 0);
    Arrays.fill(heap.array(), (byte) 0);
    direct.clear();
    while (direct.hasRemaining()) direct.put((byte) 0);
    obj.count = 0;
    obj.label = null;
    obj.hist = null;

    try (Checkpointer c = builder().open()) {
      c.protect("z", zs).protect("b", bs).protect("c", cs).protect("s", ss).protect("i", is).protect("l", ls)
          .protect("f", fs).protect("d", ds).protect("heap", heap).protect("direct", direct).protect("obj", obj);
      Path notes = c.routeFile("notes.txt");
      Files.delete(notes);
      Version got = c.restoreLatest().orElseThrow();
      assertThat(got.number()).isEqualTo(1);
      assertThat(got.label()).isEqualTo("first");
      assertThat(got.step()).isEqualTo(7);
      assertThat(got.metadata()).containsEntry("k", "v");
      assertThat(Files.readString(notes)).isEqualTo("routed file content\n".repeat(1000));
    }
    assertThat(Arrays.deepEquals(new Object[]{zs, bs, cs, ss, is, ls, fs, ds}, before)).isTrue();
    assertThat(heap.array()).isEqualTo(heapBytes);
    byte[] d2 = new byte[direct.capacity()];
    direct.duplicate().clear().get(d2);
    assertThat(d2).isEqualTo(directBytes);
    assertThat(obj.count).isEqualTo(42);
    assertThat(obj.label).isEqualTo("héllo");
    assertThat(obj.hist).containsExactly(1.5, Double.NaN, -0.0);
  }

  @Test
  void versionsRetentionAndFrequencyPerLevel() {
    long[] state = new long[1000];
    try (Checkpointer c = builder().open()) {
      c.protect("s", state);
      for (int k = 1; k <= 7; k++) {
        Arrays.fill(state, k);
        c.checkpoint(Metadata.create().step(k)).await();
      }
      List<Version> vs = c.versions();
      // local keeps 3 (5,6,7); persistent gets checkpoints 1,3,5,7 and keeps 2 (5,7)
      assertThat(vs).extracting(Version::number).containsExactly(5L, 6L, 7L);
      assertThat(vs.get(0).levels()).containsExactly("local", "persistent");
      assertThat(vs.get(1).levels()).containsExactly("local");
      Version six = c.restore(6);
      assertThat(six.step()).isEqualTo(6);
      assertThat(state).containsOnly(6L);
      assertThatThrownBy(() -> c.restore(2)).isInstanceOf(CairnException.class).hasMessageContaining("not committed");
    }
  }

  @Test
  void mismatchSaysExactlyWhatDiffers() {
    try (Checkpointer c = builder().open()) {
      c.protect("a", new double[10]).protect("b", new int[5]).protect("gone", new long[3]);
      c.checkpoint().await();
    }
    try (Checkpointer c = builder().open()) {
      c.protect("a", new double[11]).protect("b", new long[5]).protect("new", new byte[2]);
      assertThatThrownBy(c::restoreLatest).isInstanceOf(StateMismatchException.class)
          .satisfies(e -> assertThat(((StateMismatchException) e).differences()).containsExactlyInAnyOrder(
              "'a' has length 11 but the checkpoint holds 10",
              "'b' is long[] but the checkpoint holds int[]",
              "'new' is protected but not in the checkpoint",
              "the checkpoint holds 'gone' (long[], length 3) which is not protected"));
    }
  }

  @Test
  void objectThatReadsTooLittleOrTooMuchIsRejected() {
    Counter c1 = new Counter();
    c1.count = 5;
    try (Checkpointer c = builder().open()) {
      c.protect("o", c1);
      c.checkpoint().await();
    }
    Checkpointable greedy = new Checkpointable() {
      public void save(StateWriter out) {}
      public void load(StateReader in) throws IOException { for (int i = 0; i < 100; i++) in.readLong(); }
    };
    try (Checkpointer c = builder().open()) {
      c.protect("o", greedy);
      assertThatThrownBy(c::restoreLatest).isInstanceOf(CairnException.class).hasMessageContaining("read past the end");
    }
  }

  @Test
  void duplicateNamesAndClosedUseAreRejected() {
    Checkpointer c = builder().open();
    c.protect("a", new int[1]);
    assertThatThrownBy(() -> c.protect("a", new long[1])).hasMessageContaining("already protected");
    c.close();
    assertThatThrownBy(c::checkpoint).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }

  @Test
  void processLevelRollsBackWithoutIo() {
    int[] s = new int[100];
    try (Checkpointer c = TestCheckpointers.builder("p", dir, "ram").set("level.ram.kind", "process")
        .open()) {
      c.protect("s", s);
      s[0] = 1;
      c.checkpoint().await();
      s[0] = 2;
      c.restoreLatest();
      assertThat(s[0]).isEqualTo(1);
    }
    assertThat(dir.resolve("ram")).doesNotExist();
  }
}
