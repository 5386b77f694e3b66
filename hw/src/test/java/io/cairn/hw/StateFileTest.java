package io.cairn.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.hw.engine.FastEngine;
import io.cairn.hw.engine.RandomStimulus;
import io.cairn.hw.netlist.Netlist;
import io.cairn.hw.state.HwState;
import io.cairn.hw.state.StateFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateFileTest {
  @TempDir
  Path tmp;

  HwState someState(Netlist nl) {
    FastEngine e = new FastEngine(nl);
    e.setStimulus(RandomStimulus.of(3));
    e.run(500);
    return e.state();
  }

  @Test
  void roundTripsEveryFlopAndWord() throws Exception {
    Netlist nl = Examples.get("cpu").netlist();
    HwState s = someState(nl);
    Path f = tmp.resolve("cpu.state");
    StateFile.write(s, nl, f);
    HwState back = StateFile.read(f, nl);
    assertThat(back).isEqualTo(s);
    assertThat(back.cycle()).isEqualTo(500);
    List<String> lines = Files.readAllLines(f);
    assertThat(lines.getFirst()).isEqualTo("cairn-hw-state 1");
    assertThat(lines).contains("top cpu").anyMatch(l -> l.startsWith("ff pc[0] "))
        .anyMatch(l -> l.startsWith("word imem[0] 6200"));
    assertThat(lines.getLast()).startsWith("end sha256:");
  }

  @Test
  void rejectsOtherVersionOtherDesignTamperingAndGaps() throws Exception {
    Netlist cpu = Examples.get("cpu").netlist(), fifo = Examples.get("fifo").netlist();
    Path f = tmp.resolve("s");
    StateFile.write(someState(cpu), cpu, f);
    List<String> lines = Files.readAllLines(f);

    assertThatThrownBy(() -> StateFile.read(f, fifo)).hasMessageContaining("never loads into a different design");

    Path v2 = tmp.resolve("v2");
    Files.write(v2, replaceFirst(lines, "cairn-hw-state 1", "cairn-hw-state 2"));
    assertThatThrownBy(() -> StateFile.read(v2, cpu)).hasMessageContaining("unsupported state file version 2")
        .hasMessageContaining("version 1");

    Path edited = tmp.resolve("edited");
    Files.write(edited,
        lines.stream().map(l -> l.startsWith("ff pc[0] ") ? "ff pc[0] " + (l.endsWith("1") ? "0" : "1") : l).toList());
    assertThatThrownBy(() -> StateFile.read(edited, cpu)).hasMessageContaining("checksum");

    Path truncated = tmp.resolve("truncated");
    Files.write(truncated, lines.subList(0, lines.size() / 2));
    assertThatThrownBy(() -> StateFile.read(truncated, cpu)).hasMessageContaining("truncated");

    Path notState = tmp.resolve("other");
    Files.writeString(notState, "hello\n");
    assertThatThrownBy(() -> StateFile.read(notState, cpu)).hasMessageContaining("not a Cairn hardware state file");
  }

  static List<String> replaceFirst(List<String> l, String a, String b) {
    return l.stream().map(x -> x.equals(a) ? b : x).toList();
  }
}
