package io.cairn.cli.cluster;

import io.cairn.cli.core.Json;
import java.util.Map;

/** The cluster commands' --json output (core's one JSON writer, through {@link Json}). */
final class Out {
  private Out() {}

  static String json(Map<String, ?> m) {
    return Json.write(m);
  }

  static String value(Object v) {
    return Json.write(v);
  }
}
