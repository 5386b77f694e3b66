package io.cairn.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.Cairn;
import io.cairn.Checkpointer;
import io.cairn.hw.engine.FastEngine;
import io.cairn.hw.engine.RandomStimulus;
import io.cairn.hw.netlist.Netlist;
import io.cairn.hw.state.HwState;
import io.cairn.hw.state.StateCheckpoints;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A hardware state stored through a Cairn checkpoint and loaded back in a new process-like session. */
class StateCheckpointsTest {
  @TempDir
  Path dir;

  Checkpointer open() {
    return Cairn.builder().name("hw-test").directory(dir).levels("local").open();
  }

  @Test
  void savesAndRestoresStatesAsCheckpoints() throws Exception {
    Netlist nl = Examples.get("cpu").netlist();
    FastEngine e = new FastEngine(nl);
    e.setStimulus(RandomStimulus.of(4));
    e.run(500);
    HwState at500 = e.state();
    e.run(700);
    HwState at1200 = e.state();
    long v1, v2;
    try (Checkpointer c = open()) {
      assertThat(StateCheckpoints.loadLatest(c, nl)).isEmpty();
      v1 = StateCheckpoints.save(c, at500, nl).version();
      v2 = StateCheckpoints.save(c, at1200, nl).version();
      assertThat(c.versions().getLast().step()).isEqualTo(1200);
      assertThat(c.versions().getLast().label()).isEqualTo("hw:cpu");
    }
    try (Checkpointer c = open()) {
      assertThat(StateCheckpoints.loadLatest(c, nl)).contains(at1200);
      assertThat(StateCheckpoints.load(c, nl, v1)).isEqualTo(at500);
      assertThat(v2).isGreaterThan(v1);
      // continuing from the restored state equals never stopping
      FastEngine r = new FastEngine(nl);
      r.load(StateCheckpoints.load(c, nl, v1));
      r.setStimulus(RandomStimulus.of(4));
      r.run(700);
      assertThat(r.state()).isEqualTo(at1200);
      // the state never loads into another design
      Netlist fifo = Examples.get("fifo").netlist();
      assertThat(StateCheckpoints.fileName(fifo)).isNotEqualTo(StateCheckpoints.fileName(nl));
    }
    try (Checkpointer c = open()) {
      Netlist fifo = Examples.get("fifo").netlist();
      assertThatThrownBy(() -> StateCheckpoints.loadLatest(c, fifo))
          .hasMessageContaining("holds no state file fifo.hwstate");
    }
  }
}
