package io.cairn.cli.hw;

import io.cairn.Cairn;
import io.cairn.Checkpoint;
import io.cairn.Checkpointer;
import io.cairn.hw.Hw;
import io.cairn.hw.state.HwState;
import io.cairn.hw.state.StateCheckpoints;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Storing and loading hardware states through Cairn checkpoints (the state file is a routed file). */
public final class CheckpointOptions {
  @Option(names = "--from-checkpoint", description = "start from the state in the newest Cairn checkpoint in this directory")
  Path from;

  @Option(names = "--checkpoint-version", description = "with --from-checkpoint: this version instead of the newest")
  Long version;

  @Option(names = "--save-checkpoint", description = "also store the state at the stop cycle as a Cairn checkpoint in this directory")
  Path save;

  private static Checkpointer open(Path dir, Hw.Design d) {
    return Cairn.builder().name("hw-" + d.netlist().top()).directory(dir).levels("local").open();
  }

  /** The start state from a checkpoint, or null when --from-checkpoint is not given. */
  HwState load(Hw.Design d) throws IOException {
    if (from == null) return null;
    try (Checkpointer c = open(from, d)) {
      if (version != null) return StateCheckpoints.load(c, d.netlist(), version);
      return StateCheckpoints.loadLatest(c, d.netlist())
          .orElseThrow(() -> new IOException("no checkpoint of design " + d.netlist().top() + " in " + from));
    }
  }

  /** Saves {@code s} when --save-checkpoint is given; returns the version or -1. */
  long save(Hw.Design d, HwState s) throws IOException {
    if (save == null) return -1;
    try (Checkpointer c = open(save, d)) {
      Checkpoint k = StateCheckpoints.save(c, s, d.netlist());
      return k.version();
    }
  }
}
