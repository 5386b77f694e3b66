package io.cairn.sched.trace;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** Opens trace files, decompressing {@code .gz} and {@code .xz} by name. */
public final class TraceFiles {
  private TraceFiles() {}

  /** A reader over the (decompressed) text of {@code file}. */
  public static BufferedReader open(Path file) throws IOException {
    InputStream in = Files.newInputStream(file);
    String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
    try {
      if (name.endsWith(".gz")) in = new GZIPInputStream(in, 1 << 16);
      else if (name.endsWith(".xz"))
        in = new org.tukaani.xz.XZInputStream(new java.io.BufferedInputStream(in, 1 << 16));
    } catch (IOException e) {
      in.close();
      throw new IOException(file + ": cannot decompress: " + e.getMessage(), e);
    }
    return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
  }

  /** Splits one CSV line (RFC 4180 quoting, no line breaks inside fields). */
  static List<String> splitCsv(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean q = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (q) {
        if (c == '"') {
          if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
            cur.append('"');
            i++;
          } else
            q = false;
        } else
          cur.append(c);
      } else if (c == '"') q = true;
      else if (c == ',') {
        out.add(cur.toString());
        cur.setLength(0);
      } else
        cur.append(c);
    }
    out.add(cur.toString());
    return out;
  }
}
