package io.cairn.dl.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.optimizer.AdamW;
import ai.djl.training.optimizer.Optimizer;
import java.lang.reflect.Field;
import java.util.Map;

/**
 * Reads and writes the private state of DJL's {@link Adam} and {@link AdamW} (the same four fields):
 * first and second moments per parameter id ({@code means}, {@code variances}:
 * {@code Map<String, Map<Device, NDArray>>}), update counts per parameter id
 * ({@code Optimizer.updateCounts}) and the global update number ({@code Optimizer.numUpdate}, the
 * {@code t} of the bias correction). DJL has no public API for any of it; the constructor fails loudly
 * when a DJL upgrade renamed or retyped a field. Checked against DJL 0.36.0.
 */
final class AdamState {
  private final Field means, variances, updateCounts, numUpdate;

  /** For {@link Adam}. */
  AdamState() { this(Adam.class); }

  /** For {@code Adam} or {@code AdamW}; any other optimizer is refused with a message. */
  AdamState(Class<? extends Optimizer> type) {
    if (type != Adam.class && type != AdamW.class)
      throw new IllegalArgumentException(
          "the DJL adapter checkpoints the state of Adam and AdamW only (read by reflection, checked against "
              + "DJL 0.36.0); " + type.getName() + " keeps its state in other private fields and is not supported");
    means = field(type, "means", Map.class);
    variances = field(type, "variances", Map.class);
    updateCounts = field(Optimizer.class, "updateCounts", Map.class);
    numUpdate = field(Optimizer.class, "numUpdate", int.class);
  }

  static Field field(Class<?> owner, String name, Class<?> type) {
    try {
      Field f = owner.getDeclaredField(name);
      if (f.getType() != type)
        throw new IllegalStateException(
            "DJL " + owner.getName() + "." + name + " is a " + f.getType().getName() + ", expected "
                + type.getName() + ": this DJL version is not supported by the Cairn adapter (checked against 0.36.0)");
      f.setAccessible(true);
      return f;
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException(
          "DJL " + owner.getName() + " has no field '" + name + "': this DJL version is not supported by the "
              + "Cairn adapter (checked against 0.36.0); its optimizer state cannot be checkpointed",
          e);
    } catch (RuntimeException e) {
      if (e instanceof IllegalStateException) throw e;
      throw new IllegalStateException(
          "cannot open DJL " + owner.getName() + "." + name + " for reflection: " + e.getMessage()
              + " (run DJL on the class path, not as a named module)",
          e);
    }
  }

  @SuppressWarnings("unchecked")
  Map<String, Map<Device, NDArray>> means(Optimizer a) { return (Map<String, Map<Device, NDArray>>) get(means, a); }

  @SuppressWarnings("unchecked")
  Map<String, Map<Device, NDArray>> variances(Optimizer a) {
    return (Map<String, Map<Device, NDArray>>) get(variances, a);
  }

  @SuppressWarnings("unchecked")
  Map<String, Integer> updateCounts(Optimizer a) { return (Map<String, Integer>) get(updateCounts, a); }

  int numUpdate(Optimizer a) { return (Integer) get(numUpdate, a); }

  void setNumUpdate(Optimizer a, int n) {
    try {
      numUpdate.setInt(a, n);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot write DJL Optimizer.numUpdate: " + e.getMessage(), e);
    }
  }

  /** Whether {@code f} is one of the state fields (left out of the configuration fingerprint). */
  boolean isState(Field f) {
    return f.equals(means) || f.equals(variances) || f.equals(updateCounts) || f.equals(numUpdate);
  }

  private static Object get(Field f, Object o) {
    try {
      return f.get(o);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot read DJL field " + f + ": " + e.getMessage(), e);
    }
  }
}
