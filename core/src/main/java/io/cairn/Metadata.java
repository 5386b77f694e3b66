package io.cairn;

import java.util.LinkedHashMap;
import java.util.Map;

/** Small metadata attached to a checkpoint version: a label, the step, and key/value pairs. */
public final class Metadata {
  private String label = "";
  private long step = -1;
  private final Map<String, String> values = new LinkedHashMap<>();

  private Metadata() {}

  public static Metadata create() { return new Metadata(); }

  public Metadata label(String label) { this.label = label == null ? "" : label; return this; }
  public Metadata step(long step) { this.step = step; return this; }

  public Metadata put(String key, String value) {
    if (key == null || key.isEmpty() || key.length() > 256)
      throw new IllegalArgumentException("metadata key must be 1..256 chars");
    if (value == null || value.length() > 16_384)
      throw new IllegalArgumentException("metadata value for '" + key + "' must be non-null and at most 16 KiB");
    values.put(key, value);
    return this;
  }

  public String label() { return label; }
  public long step() { return step; }
  public Map<String, String> values() { return Map.copyOf(values); }
}
