package io.cairn.hw;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.hw.netlist.NetlistException;
import io.cairn.hw.netlist.NetlistLoader;
import io.cairn.hw.netlist.Yosys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Designs that Yosys synthesises but Cairn cannot run are rejected with cell names and Verilog source lines. */
class YosysRejectionTest {
  @TempDir
  Path dir;

  @Test
  void negativeEdgeFlopsAndLatchesAreRejectedWithTheirSource() throws Exception {
    Examples.assumeYosys();
    Path v = dir.resolve("bad.v");
    Files.writeString(v, """
        module bad(input clk, input en, input d, output reg q, output reg l);
          always @(negedge clk) q <= d;
          always @* if (en) l = d;
        endmodule
        """);
    Yosys.Synthesis s = Yosys.synthesize(List.of(v), "bad", dir.resolve("out"));
    assertThatThrownBy(() -> NetlistLoader.load(s.json()))
        .isInstanceOf(NetlistException.class)
        .hasMessageContaining("$_DFF_N_").hasMessageContaining("negative-edge").hasMessageContaining("bad.v:2")
        .hasMessageContaining("$_DLATCH_P_").hasMessageContaining("bad.v:3");
  }
}
