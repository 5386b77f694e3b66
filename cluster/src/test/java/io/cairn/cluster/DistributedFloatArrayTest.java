package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Float distributed arrays (wrapped or owned) reshard like double ones, and a type change between runs is refused with a clear error. */
class DistributedFloatArrayTest {
  @TempDir
  Path dir;

  static final int N = 1_003; // not a multiple of any rank count used: uneven parts
  static final float[] VALUES = values();

  private static float[] values() {
    Random r = new Random(11);
    float[] v = new float[N];
    for (int i = 0; i < N; i++) v[i] = Float.intBitsToFloat(r.nextInt() & 0x7f7fffff); // any finite bit pattern
    return v;
  }

  /** Writes the values with {@code size} ranks and checkpoints them (the wrapped array and an owned one). */
  private void write(int size) throws Exception {
    InProcess.run(dir, size, Protocol.BLOCKING, rank -> {
      Comm c = rank.comm();
      long[] r = DistributedFloatArray.range(N, 1, c.rank(), c.size());
      float[] mine = java.util.Arrays.copyOfRange(VALUES, (int) r[0], (int) r[1]);
      DistributedFloatArray w = DistributedFloatArray.wrap(c, "wrapped", N, 1, mine);
      DistributedFloatArray o = DistributedFloatArray.create(c, "owned", N, 1);
      ParallelCheckpointer ck = rank.checkpointer();
      long[] step = {0};
      ck.protect(w).protect(o).protect("step", step).reshard("step", Reshard.REPLICATED);
      rank.run(() -> {
        if (step[0] == 0) {
          for (int i = 0; i < o.local().length; i++) o.local()[i] = -VALUES[(int) o.lo() + i];
          step[0] = 1;
          ck.checkpoint(1);
        }
      });
    });
  }

  /** Restores with {@code size} ranks and checks every element of both arrays. */
  private void check(int size) throws Exception {
    InProcess.run(dir, size, Protocol.BLOCKING, rank -> {
      Comm c = rank.comm();
      DistributedFloatArray w = DistributedFloatArray.create(c, "wrapped", N, 1);
      DistributedFloatArray o = DistributedFloatArray.create(c, "owned", N, 1);
      ParallelCheckpointer ck = rank.checkpointer();
      long[] step = {0};
      ck.protect(w).protect(o).protect("step", step).reshard("step", Reshard.REPLICATED);
      rank.run(() -> {
        assertThat(step[0]).isEqualTo(1);
        for (int i = 0; i < w.local().length; i++) {
          assertThat(Float.floatToRawIntBits(w.local()[i]))
              .isEqualTo(Float.floatToRawIntBits(VALUES[(int) w.lo() + i]));
          assertThat(o.local()[i]).isEqualTo(-VALUES[(int) o.lo() + i]);
        }
      });
    });
  }

  @Test
  void reshardsFromFourToThreeAndToFiveRanks() throws Exception {
    write(4);
    check(3);
    check(5);
    check(4);
  }

  @Test
  void wrapRejectsAnArrayOfTheWrongLength() throws Exception {
    InProcess.run(dir, 2, Protocol.BLOCKING, rank -> {
      assertThatThrownBy(() -> DistributedFloatArray.wrap(rank.comm(), "x", 10, 1, new float[4]))
          .hasMessageContaining("owns [").hasMessageContaining("5 elements").hasMessageContaining("has 4");
      rank.run(() -> {});
    });
  }

  @Test
  void aDoubleArrayCannotBeRestoredAsFloatsNorTheOtherWay() throws Exception {
    write(2);
    for (int size : new int[]{2, 3}) {
      assertThatThrownBy(() -> InProcess.run(dir, size, Protocol.BLOCKING, rank -> {
        Comm c = rank.comm();
        ParallelCheckpointer ck = rank.checkpointer();
        ck.protect(DistributedArray.create(c, "wrapped", N)).protect(DistributedFloatArray.create(c, "owned", N, 1))
            .protect("step", new long[1]);
        rank.run(() -> {});
      })).isInstanceOf(ExecutionException.class).rootCause()
          .hasMessageContaining("no committed global version of this job could be restored")
          .hasMessageContaining("'wrapped' was saved as floats, this job declares doubles")
          .hasMessageContaining("are kept");
      assertThat(dir.resolve("aborted")).exists();
    }
  }

  @Test
  void aJobWithAnotherDeclaredConfigurationIsRefusedBeforeReadingAnyRegion() throws Exception {
    for (String cfg : new String[]{"model A", "model B"}) {
      if (cfg.equals("model A")) {
        InProcess.run(dir, 2, Protocol.BLOCKING, rank -> {
          ParallelCheckpointer ck = rank.checkpointer().configuration(cfg);
          long[] step = {0};
          ck.protect(DistributedFloatArray.create(rank.comm(), "w", N, 1)).protect("step", step);
          rank.run(() -> {
            step[0] = 1;
            ck.checkpoint(1);
          });
        });
        continue;
      }
      for (int size : new int[]{2, 3}) { // same number of ranks, and resharding
        assertThatThrownBy(() -> InProcess.run(dir, size, Protocol.BLOCKING, rank -> {
          ParallelCheckpointer ck = rank.checkpointer().configuration(cfg);
          ck.protect(DistributedFloatArray.create(rank.comm(), "w", N + 1, 1)).protect("step", new long[1]);
          rank.run(() -> {});
        })).rootCause().hasMessageContaining("configuration differs: the checkpoint has [model A], this job [model B]");
      }
    }
  }
}
