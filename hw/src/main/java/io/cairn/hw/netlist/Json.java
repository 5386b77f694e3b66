package io.cairn.hw.netlist;

import java.util.ArrayList;
import java.util.LinkedHashMap;

/**
 * Reads Yosys netlists with core's one JSON reader ({@code io.cairn.internal.util.Json}): objects become
 * {@link LinkedHashMap} (order kept), arrays {@link ArrayList}, numbers {@link Long} (or {@link Double}), strings,
 * booleans and null.
 */
final class Json {
  private Json() {}

  static Object parse(String text) {
    return io.cairn.internal.util.Json.parse(text);
  }
}
