package io.cairn.internal.format;

import java.util.List;

/** A protected region in a manifest: name, kind, element count, byte length and its chunks in order. */
public record RegionEntry(String name, Kind kind, long length, long byteLength, List<BlockRef> blocks) {
  public RegionEntry {
    blocks = List.copyOf(blocks);
  }
}
