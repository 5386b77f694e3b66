package io.cairn.internal.format;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A reversible transform of a chunk's bytes, recorded by its {@link #id} in every chunk it was applied
 * to (chunk header and manifest, see {@code docs/format.md}), so a reader undoes exactly what the writer
 * did whatever the level is configured to do now. A new transform is one class implementing this and
 * one entry in {@link ChunkTransforms#ALL}; the write side picks it up through the level's pipeline
 * ({@code LevelStore.pipeline}), the read side through the recorded id.
 */
public interface ChunkTransform {
  /** The id recorded on disk (1..255; never reused for something else). */
  int id();

  /** Short name, as in the configuration ({@code lz4}, {@code zstd}, {@code shuffle}). */
  String name();

  /**
   * The parameter recorded beside the id for a chunk whose region has elements of {@code elementSize}
   * bytes (0..255), or -1 when the transform does not apply to such a chunk (it is then skipped).
   */
  default int param(int elementSize) { return 0; }

  /** Whether {@code param} is one this transform can undo (a reader refuses other values as damage). */
  default boolean validParam(int param) {
    return param == 0;
  }

  /**
   * Whether the output has the input's length (a filter). Only the outermost transform of a chunk may
   * change the length: the chunk records its raw and stored lengths only.
   */
  boolean keepsLength();

  /** Upper bound of the output size for {@code n} input bytes. */
  int maxEncoded(int n);

  /**
   * Encodes {@code src} (position..limit) into {@code dst} (at 0, capacity at least
   * {@link #maxEncoded}); returns the encoded length.
   */
  int encode(ByteBuffer src, ByteBuffer dst, int param) throws IOException;

  /**
   * Decodes {@code len} bytes of {@code src} (from 0) into exactly {@code outLen} bytes of {@code dst}
   * (from 0); damaged input is an {@link IOException}.
   */
  void decode(ByteBuffer src, int len, ByteBuffer dst, int outLen, int param) throws IOException;
}
