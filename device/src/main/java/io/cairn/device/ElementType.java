package io.cairn.device;

/** The element types a device buffer may hold (those of Cairn's primitive arrays, boolean excepted). */
public final class ElementType {
  private ElementType() {}

  /** Bytes per element of {@code type}; throws for a type a device buffer cannot hold. */
  public static int size(Class<?> type) {
    if (type == byte.class) return 1;
    if (type == short.class || type == char.class) return 2;
    if (type == int.class || type == float.class) return 4;
    if (type == long.class || type == double.class) return 8;
    throw new IllegalArgumentException(
        "a device buffer holds byte, short, char, int, long, float or double elements, not " + type);
  }
}
