package io.cairn.hw.state;

import io.cairn.Checkpoint;
import io.cairn.Checkpointer;
import io.cairn.Metadata;
import io.cairn.Version;
import io.cairn.hw.netlist.Netlist;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * State files stored as Cairn checkpoints: the state file is a routed file of the checkpointer
 * ({@link Checkpointer#routeFile}), so every level, checksum and retention rule of the core engine
 * applies to it. Each checkpoint is labelled {@code hw:<top>} with the cycle as its step and the
 * netlist hash in its metadata.
 */
public final class StateCheckpoints {
  private StateCheckpoints() {}

  /** The routed file name used for a design. */
  public static String fileName(Netlist nl) {
    return nl.top() + ".hwstate";
  }

  /** Writes {@code s} as the design's routed state file and takes a checkpoint. */
  public static Checkpoint save(Checkpointer ckpt, HwState s, Netlist nl) throws IOException {
    Path f = ckpt.routeFile(fileName(nl));
    StateFile.write(s, nl, f);
    Checkpoint k = ckpt.checkpoint(Metadata.create().label("hw:" + nl.top()).step(s.cycle()).put("netlist", nl.hash())
        .put("top", nl.top()));
    if (k.skipped())
      throw new IOException(
          "the checkpoint of the state of " + nl.top() + " at cycle " + s.cycle() + " was skipped by the engine");
    return k;
  }

  /** Restores the newest checkpoint and reads the state file from it; empty when there is none. */
  public static Optional<HwState> loadLatest(Checkpointer ckpt, Netlist nl) throws IOException {
    Optional<Version> v = ckpt.restoreLatest();
    if (v.isEmpty()) return Optional.empty();
    return Optional.of(read(ckpt, nl, v.get()));
  }

  /** Restores checkpoint {@code version} and reads the state file from it. */
  public static HwState load(Checkpointer ckpt, Netlist nl, long version) throws IOException {
    return read(ckpt, nl, ckpt.restore(version));
  }

  private static HwState read(Checkpointer ckpt, Netlist nl, Version v) throws IOException {
    Path f = ckpt.routeFile(fileName(nl));
    if (!Files.exists(f)) {
      throw new IOException(
          "checkpoint version " + v.number() + " (" + v.label() + ") holds no state file " + fileName(nl)
              + " for design " + nl.top());
    }
    return StateFile.read(f, nl);
  }
}
