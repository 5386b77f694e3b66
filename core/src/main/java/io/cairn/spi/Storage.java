package io.cairn.spi;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Where a level keeps its files: a flat namespace of relative names ({@code "v0000000007/manifest"}).
 *
 * <p>The engine only needs these few operations, so a level can live in a local directory, in memory,
 * or (in other modules) on a peer or in an object store, and tests can inject a store that fails on
 * demand (full disk, read-only, I/O error). Names never contain {@code ..} or start with {@code /}.
 */
public interface Storage {

  /** A file being written. Bytes become durable only after {@link #sync()}. */
  interface Output extends AutoCloseable {
    /** Writes all remaining bytes of {@code src}. */
    void write(ByteBuffer src) throws IOException;
    /** Bytes written so far. */
    long position();
    /** Forces written bytes to stable storage (fsync). */
    void sync() throws IOException;
    @Override
    void close() throws IOException;
  }

  /** A file opened for random-access reading. */
  interface Input extends AutoCloseable {
    long size() throws IOException;
    /** Reads exactly {@code dst.remaining()} bytes at {@code position}, or throws {@link java.io.EOFException}. */
    void readFully(long position, ByteBuffer dst) throws IOException;
    @Override
    void close() throws IOException;
  }

  /** Human-readable location, used in messages (a path, a URL). */
  String describe();

  /** Creates (or truncates) a file for writing, creating its parent "directories". */
  Output create(String name) throws IOException;

  Input open(String name) throws IOException;

  boolean exists(String name) throws IOException;

  /** Names directly under {@code dir} ("" for the root); empty when {@code dir} does not exist. */
  List<String> list(String dir) throws IOException;

  /** Atomically replaces {@code to} by {@code from}. */
  void rename(String from, String to) throws IOException;

  /** Deletes a file or an (emptied) directory; no error when absent. */
  void delete(String name) throws IOException;

  /** Deletes a directory tree; no error when absent. */
  void deleteTree(String dir) throws IOException;

  /** Makes the directory entries under {@code dir} durable (fsync of the directory). */
  void syncDir(String dir) throws IOException;

  /**
   * Takes an exclusive lock that marks the store as used by one run; closing it releases it.
   * @throws io.cairn.CheckpointLockedException when another process or run holds it (naming the holder if known)
   * @throws IOException when the lock cannot be taken for another reason
   */
  AutoCloseable lock(String name, String holder) throws IOException;
}
