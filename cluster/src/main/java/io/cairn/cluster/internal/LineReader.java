package io.cairn.cluster.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads UTF-8 lines ending in {@code \n} from a peer, each at most {@code max} bytes: a longer one (with or
 * without its newline) is an {@link IOException} once {@code max} bytes were read, so memory never grows beyond
 * that. Not thread-safe; buffered (give it the socket's raw stream).
 */
public final class LineReader {
  private final InputStream in;
  private final int max;
  private final byte[] buf = new byte[8192];
  private int pos;
  private int end;
  private byte[] line = new byte[256];

  public LineReader(InputStream in, int max) {
    if (max < 1) throw new IllegalArgumentException("max must be >= 1");
    this.in = in;
    this.max = max;
  }

  /** The next line without its newline, or null at end of stream (a last line without newline is returned too). */
  public String next() throws IOException {
    int n = 0;
    while (true) {
      if (pos == end) {
        end = in.read(buf, 0, buf.length);
        pos = 0;
        if (end <= 0) {
          end = 0;
          return n == 0 ? null : new String(line, 0, n, StandardCharsets.UTF_8);
        }
      }
      while (pos < end) {
        byte b = buf[pos++];
        if (b == '\n') return new String(line, 0, n, StandardCharsets.UTF_8);
        if (n == max) throw new IOException("line longer than " + max + " bytes");
        if (n == line.length) line = Arrays.copyOf(line, Math.min(max, line.length * 2));
        line[n++] = b;
      }
    }
  }
}
