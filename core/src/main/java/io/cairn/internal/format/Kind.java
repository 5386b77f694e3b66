package io.cairn.internal.format;

import java.io.IOException;

/** What a region holds; the id is stored in the manifest. */
public enum Kind {
  BOOLEAN(1, 1), BYTE(2, 1), CHAR(3, 2), SHORT(4, 2), INT(5, 4), FLOAT(6, 4), LONG(7, 8), DOUBLE(8, 8), BUFFER(9,
      1), OBJECT(10, 1), FILE(11, 1);

  public final int id;
  public final int elementSize;

  Kind(int id, int elementSize) { this.id = id; this.elementSize = elementSize; }

  public static Kind byId(int id) throws IOException {
    for (Kind k : values()) if (k.id == id) return k;
    throw new IOException("unknown region kind id " + id);
  }

  public String describe() {
    return switch (this) {
      case BUFFER -> "ByteBuffer";
      case OBJECT -> "Checkpointable";
      case FILE -> "file";
      default -> name().toLowerCase(java.util.Locale.ROOT) + "[]";
    };
  }
}
