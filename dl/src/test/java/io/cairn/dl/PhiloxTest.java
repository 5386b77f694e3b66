package io.cairn.dl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.dl.rng.Keys;
import io.cairn.dl.rng.Philox;
import io.cairn.dl.rng.Stream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PhiloxTest {
  /** The three philox4x32 10 lines of Random123's kat_vectors: counter[4], key[2] -> output[4]. */
  @Test
  void knownAnswerVectors() {
    assertThat(Philox.block(0, 0, 0, 0, 0, 0)).containsExactly(0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8);
    assertThat(Philox.block(-1, -1, -1, -1, -1, -1)).containsExactly(0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd);
    assertThat(Philox.block(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0))
        .containsExactly(0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1);
  }

  @Test
  void streamsAreKeyedAndRepeatable() {
    Keys k = new Keys(7);
    long a = k.stream("dropout/2", 0, 5, 17).nextLong();
    assertThat(k.stream("dropout/2", 0, 5, 17).nextLong()).isEqualTo(a);
    assertThat(new Keys(7).stream("dropout/2", 0, 5, 17).nextLong()).isEqualTo(a);
    assertThat(k.stream("dropout/2", 0, 5, 18).nextLong()).isNotEqualTo(a);
    assertThat(k.stream("dropout/2", 0, 6, 17).nextLong()).isNotEqualTo(a);
    assertThat(k.stream("dropout/2", 1, 5, 17).nextLong()).isNotEqualTo(a);
    assertThat(k.stream("dropout/3", 0, 5, 17).nextLong()).isNotEqualTo(a);
    assertThat(new Keys(8).stream("dropout/2", 0, 5, 17).nextLong()).isNotEqualTo(a);
    assertThatThrownBy(() -> k.stream("x", -1, 0, 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("epoch");
  }

  @Test
  void distributionsLookRight() {
    Stream s = new Keys(1).stream("test", 0, 0, 0);
    int n = 200_000;
    double sum = 0, sq = 0, nsum = 0, nsq = 0;
    int ones = 0;
    int[] buckets = new int[10];
    for (int i = 0; i < n; i++) {
      double u = s.uniform();
      assertThat(u).isGreaterThanOrEqualTo(0).isLessThan(1);
      sum += u;
      sq += u * u;
      double z = s.normal();
      nsum += z;
      nsq += z * z;
      if (s.bernoulli(0.25)) ones++;
      buckets[s.nextInt(10)]++;
      float f = s.uniformFloat();
      assertThat(f).isGreaterThanOrEqualTo(0f).isLessThan(1f);
    }
    assertThat(sum / n).isCloseTo(0.5, org.assertj.core.data.Offset.offset(0.005));
    assertThat(sq / n - (sum / n) * (sum / n)).isCloseTo(1.0 / 12, org.assertj.core.data.Offset.offset(0.003));
    assertThat(nsum / n).isCloseTo(0, org.assertj.core.data.Offset.offset(0.01));
    assertThat(nsq / n).isCloseTo(1, org.assertj.core.data.Offset.offset(0.02));
    assertThat((double) ones / n).isCloseTo(0.25, org.assertj.core.data.Offset.offset(0.005));
    for (int b : buckets) assertThat(b).isBetween(n / 10 - 800, n / 10 + 800);
  }

  @Test
  void permutationIsAPermutationAndDependsOnTheKey() {
    int[] p = new Keys(3).stream("shuffle", 4, 0, 0).permutation(1000);
    int[] sorted = p.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < 1000; i++) assertThat(sorted[i]).isEqualTo(i);
    assertThat(new Keys(3).stream("shuffle", 4, 0, 0).permutation(1000)).isEqualTo(p);
    assertThat(new Keys(3).stream("shuffle", 5, 0, 0).permutation(1000)).isNotEqualTo(p);
  }
}
