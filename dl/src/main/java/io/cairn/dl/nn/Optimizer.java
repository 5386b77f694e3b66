package io.cairn.dl.nn;

import io.cairn.Checkpointable;
import java.util.Map;

/**
 * Updates a flat parameter vector from a flat gradient. Its state arrays ({@link #stateArrays()}) are
 * allocated once and checkpointed by reference; scalar state (step counts) goes through
 * {@link Checkpointable}.
 */
public interface Optimizer extends Checkpointable {
  /** Applies one update with learning rate {@code lr}. */
  void update(float[] params, float[] grad, double lr);

  /** Named state arrays (moments), live. */
  Map<String, float[]> stateArrays();

  /** Name and hyperparameters (part of the configuration fingerprint). */
  String describe();
}
