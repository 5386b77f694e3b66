package io.cairn.dl.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.training.optimizer.Adam;
import ai.djl.training.optimizer.Optimizer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The reflection adapter finds DJL 0.36.0's fields and fails loudly when a field is missing or retyped. */
class AdamStateTest {
  @Test
  void findsTheFieldsOfThisDjlVersion() {
    AdamState s = new AdamState();
    Adam adam = Optimizer.adam().build();
    assertThat(s.means(adam)).isEmpty();
    assertThat(s.variances(adam)).isEmpty();
    assertThat(s.updateCounts(adam)).isEmpty();
    assertThat(s.numUpdate(adam)).isZero();
    s.setNumUpdate(adam, 7);
    assertThat(s.numUpdate(adam)).isEqualTo(7);
  }

  @Test
  void failsLoudlyWhenAFieldChanged() {
    assertThatThrownBy(() -> AdamState.field(Adam.class, "firstMoments", Map.class))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("has no field 'firstMoments'")
        .hasMessageContaining("0.36.0");
    assertThatThrownBy(() -> AdamState.field(Adam.class, "means", java.util.List.class))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("expected java.util.List");
  }
}
