package io.cairn.hw;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.hw.engine.RandomStimulus;
import io.cairn.hw.netlist.Netlist;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reset inputs found by name, with the active level the name implies; explicit resets override. */
class ResetNamesTest {
  @Test
  void commonResetNamesAreFoundWithTheirLevel() {
    Map<String, Integer> expect = Map.ofEntries(Map.entry("rst", 1), Map.entry("reset", 1), Map.entry("RST", 1),
        Map.entry("arst", 1),
        Map.entry("srst", 1), Map.entry("core_reset_i", 1), Map.entry("rst_i", 1), Map.entry("sys_rst", 1),
        Map.entry("rst_n", 0), Map.entry("rstn", 0), Map.entry("resetn", 0), Map.entry("reset_n", 0),
        Map.entry("aresetn", 0),
        Map.entry("ARESETn", 0), Map.entry("nreset", 0), Map.entry("nrst", 0), Map.entry("rst_ni", 0),
        Map.entry("sys_rst_n", 0),
        Map.entry("arst_n", 0), Map.entry("s_axi_aresetn", 0), Map.entry("rst_b", 0), Map.entry("u.rst_n", 0));
    expect.forEach((n, level) -> {
      assertThat(RandomStimulus.isReset(n)).as(n).isTrue();
      assertThat(RandomStimulus.activeLevel(n)).as(n).isEqualTo(level);
    });
    for (String n : List.of("reset_done", "rst_count", "cs_n", "we_n", "first", "burst", "restore", "por_b", "data",
        "rx_n_valid")) {
      assertThat(RandomStimulus.isReset(n)).as(n).isFalse();
    }
  }

  @Test
  void resetsAreHeldAtTheirLevelThenInactive() {
    Netlist.Port low = new Netlist.Port("por_b", new int[]{2}), high = new Netlist.Port("rst", new int[]{3});
    RandomStimulus byName = new RandomStimulus(1, 3, 0, Map.of());
    RandomStimulus named = new RandomStimulus(1, 3, 0, Map.of(), Map.of("por_b", 0));
    for (long c = 0; c < 50; c++) {
      assertThat(byName.value(c, 1, high)).isEqualTo(c < 3 ? 1 : 0);
      assertThat(named.value(c, 0, low)).isEqualTo(c < 3 ? 0 : 1);
      assertThat(named.value(c, 1, high)).as("rst is not a reset when resets are named")
          .isEqualTo(byName.value(c, 1, new Netlist.Port("data", new int[]{3})));
    }
  }
}
