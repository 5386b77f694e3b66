package io.cairn.cli.core;

/** The commands' {@code --json} output: compact JSON through core's one writer ({@code io.cairn.internal.util.Json}). */
public final class Json {
  private Json() {}

  /** Compact JSON of maps, lists, arrays, strings, numbers, booleans and null (see core's writer for the rules). */
  public static String write(Object o) {
    return io.cairn.internal.util.Json.write(o);
  }
}
