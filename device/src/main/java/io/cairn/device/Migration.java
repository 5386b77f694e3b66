package io.cairn.device;

import io.cairn.CairnException;
import io.cairn.Checkpointer;
import io.cairn.Metadata;
import io.cairn.Version;
import io.cairn.spi.DeviceMemory;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Moves a running job's device state to other device memory (another device, another context, another
 * kind of accelerator) through a checkpoint: checkpoint with the old memory protected, protect the new
 * memory under the same names, restore those regions from that checkpoint. Host regions are not touched.
 *
 * <pre>{@code
 * Migration.move(ckpt, Metadata.create().step(step), new Migration.Move("u", oldU, newU));
 * }</pre>
 */
public final class Migration {
  private Migration() {}

  /** Region {@code name}, protected as {@code from}, moves to {@code to} (same element type and length). */
  public record Move(String name, DeviceMemory from, DeviceMemory to) {
    public Move {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(to, "to");
      if (from.elementType() != to.elementType() || from.length() != to.length())
        throw new IllegalArgumentException(
            "'" + name + "': cannot move " + from.elementType() + "[" + from.length() + "] into "
                + to.elementType() + "[" + to.length() + "]: element type and length must match");
    }
  }

  /**
   * Checkpoints (and waits until it is committed), then protects each {@code to} under its name and
   * restores it from that checkpoint. Returns the version the state moved through. On failure the old
   * memory is protected again (the job can go on where it was) and the error is thrown.
   */
  public static Version move(Checkpointer checkpointer, Metadata meta, Move... moves) {
    Objects.requireNonNull(checkpointer, "checkpointer");
    if (moves.length == 0) throw new IllegalArgumentException("no device region to move");
    Set<String> names = new LinkedHashSet<>();
    for (Move m : moves)
      if (!names.add(m.name())) throw new IllegalArgumentException("'" + m.name() + "' is moved twice");
    Version v = checkpointer.checkpoint(meta).await();
    List<Move> rebound = new ArrayList<>();
    try {
      for (Move m : moves) {
        checkpointer.unprotect(m.name()).protect(m.name(), m.to());
        rebound.add(m);
      }
      checkpointer.restore(v.number(), names);
      return v;
    } catch (RuntimeException e) {
      for (Move m : rebound) checkpointer.unprotect(m.name()).protect(m.name(), m.from());
      throw e instanceof CairnException
          ? e
          : new CairnException("moving device state through version " + v.number() + " failed: " + e.getMessage(), e);
    }
  }
}
