package io.cairn.hw.state;

import io.cairn.internal.util.AtomicFiles;
import io.cairn.hw.netlist.Netlist;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * The versioned text state file (format in {@code docs/hardware-debug.md}): a header with the
 * version, top module, netlist hash and cycle; one line per flip-flop bit ({@code ff <name> <0|1>})
 * and per memory word ({@code word <mem>[<addr>] <hex>}); an {@code end} line with the SHA-256 of
 * every line before it. Readers check the version, the hash against the design, every name and the
 * checksum before trusting anything.
 */
public final class StateFile {
  /** The format version this code writes and reads. */
  public static final int VERSION = 1;
  static final String MAGIC = "cairn-hw-state";

  private StateFile() {}

  /** Writes {@code s} (which must fit {@code nl}) to {@code path} durably and atomically (temp file, fsync, rename, fsync of the directory). */
  public static void write(HwState s, Netlist nl, Path path) throws IOException {
    s.checkFits(nl);
    AtomicFiles.writeStream(path, os -> {
      Writer w = new java.io.BufferedWriter(new java.io.OutputStreamWriter(os, StandardCharsets.UTF_8));
      write(s, nl, w);
      w.flush();
    });
  }

  /** Writes the state file text. */
  public static void write(HwState s, Netlist nl, Writer out) throws IOException {
    MessageDigest md = sha();
    StringBuilder line = new StringBuilder(64);
    Emit emit = l -> {
      md.update(l.getBytes(StandardCharsets.UTF_8));
      md.update((byte) '\n');
      out.write(l);
      out.write('\n');
    };
    emit.line(MAGIC + " " + VERSION);
    emit.line("top " + checkName(nl.top()));
    emit.line("netlist sha256:" + nl.hash());
    emit.line("cycle " + s.cycle());
    emit.line("flops " + nl.flops().size());
    emit.line("memories " + nl.memories().size());
    for (int i = 0; i < s.flops().length; i++) {
      line.setLength(0);
      line.append("ff ").append(checkName(nl.flops().get(i).stateName())).append(' ').append(s.flops()[i]);
      emit.line(line.toString());
    }
    for (int m = 0; m < s.memories().length; m++) {
      Netlist.Memory mm = nl.memories().get(m);
      emit.line("mem " + checkName(mm.name()) + " " + mm.size() + " " + mm.width());
      long[] words = s.memories()[m];
      for (int a = 0; a < words.length; a++) {
        line.setLength(0);
        line.append("word ").append(mm.name()).append('[').append(a).append("] ").append(Long.toHexString(words[a]));
        emit.line(line.toString());
      }
    }
    out.write("end sha256:" + HexFormat.of().formatHex(md.digest()) + "\n");
  }

  private interface Emit { void line(String l) throws IOException; }

  private static String checkName(String n) {
    for (int i = 0; i < n.length(); i++) {
      if (Character.isWhitespace(n.charAt(i)))
        throw new IllegalArgumentException("name '" + n + "' contains white space; cannot be written to a state file");
    }
    return n;
  }

  private static MessageDigest sha() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Reads and validates a state file for {@code nl}. */
  public static HwState read(Path path, Netlist nl) throws IOException {
    try (BufferedReader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      return read(r, nl, path.toString());
    }
  }

  /** Reads and validates state file text; {@code origin} names it in errors. */
  public static HwState read(BufferedReader r, Netlist nl, String origin) throws IOException {
    MessageDigest md = sha();
    int lineNo = 0;
    String first = r.readLine();
    lineNo++;
    if (first == null || !first.startsWith(MAGIC + " ")) {
      throw new StateFormatException(
          origin + ":1: not a Cairn hardware state file (expected '" + MAGIC + " " + VERSION + "')");
    }
    String ver = first.substring(MAGIC.length() + 1).trim();
    if (!ver.equals(String.valueOf(VERSION))) {
      throw new StateFormatException(
          origin + ":1: unsupported state file version " + ver + " (this Cairn reads version " + VERSION + ")");
    }
    md.update((first + "\n").getBytes(StandardCharsets.UTF_8));
    Map<String, Integer> ffIndex = new HashMap<>();
    for (int i = 0; i < nl.flops().size(); i++) ffIndex.put(nl.flops().get(i).stateName(), i);
    Map<String, Integer> memIndex = new HashMap<>();
    for (int i = 0; i < nl.memories().size(); i++) memIndex.put(nl.memories().get(i).name(), i);
    byte[] flops = new byte[nl.flops().size()];
    boolean[] seenFf = new boolean[flops.length];
    long[][] mems = new long[nl.memories().size()][];
    boolean[][] seenWord = new boolean[mems.length][];
    String top = null, hash = null;
    long cycle = -1;
    String line;
    boolean ended = false;
    while ((line = r.readLine()) != null) {
      lineNo++;
      String where = origin + ":" + lineNo + ": ";
      if (line.startsWith("end ")) {
        String want = "sha256:" + HexFormat.of().formatHex(md.digest());
        if (!line.substring(4).trim().equals(want))
          throw new StateFormatException(where + "checksum mismatch: the file is damaged or was edited");
        ended = true;
        break;
      }
      md.update((line + "\n").getBytes(StandardCharsets.UTF_8));
      String[] t = line.split(" ");
      try {
        switch (t[0]) {
          case "top" -> top = t[1];
          case "netlist" -> {
            hash = t[1].startsWith("sha256:") ? t[1].substring(7) : t[1];
            if (!hash.equals(nl.hash())) {
              throw new StateFormatException(where + "state belongs to netlist " + HwState.shortHash(hash)
                  + " but the design "
                  + nl.top() + " is " + HwState.shortHash(nl.hash()) + ": state never loads into a different design");
            }
          }
          case "cycle" -> cycle = Long.parseLong(t[1]);
          case "flops" -> {
            if (Integer.parseInt(t[1]) != flops.length)
              throw new StateFormatException(where + "file has " + t[1] + " flops, design has " + flops.length);
          }
          case "memories" -> {
            if (Integer.parseInt(t[1]) != mems.length)
              throw new StateFormatException(where + "file has " + t[1] + " memories, design has " + mems.length);
          }
          case "ff" -> {
            Integer i = ffIndex.get(t[1]);
            if (i == null) throw new StateFormatException(where + "no flip-flop named " + t[1] + " in " + nl.top());
            if (seenFf[i]) throw new StateFormatException(where + "flip-flop " + t[1] + " given twice");
            if (!t[2].equals("0") && !t[2].equals("1"))
              throw new StateFormatException(where + "flip-flop value must be 0 or 1, is " + t[2]);
            seenFf[i] = true;
            flops[i] = (byte) (t[2].charAt(0) - '0');
          }
          case "mem" -> {
            Integer m = memIndex.get(t[1]);
            if (m == null) throw new StateFormatException(where + "no memory named " + t[1] + " in " + nl.top());
            Netlist.Memory mm = nl.memories().get(m);
            if (Integer.parseInt(t[2]) != mm.size() || Integer.parseInt(t[3]) != mm.width()) {
              throw new StateFormatException(where + "memory " + t[1] + " is " + t[2] + "x" + t[3] + " in the file, "
                  + mm.size() + "x" + mm.width() + " in the design");
            }
            mems[m] = new long[mm.size()];
            seenWord[m] = new boolean[mm.size()];
          }
          case "word" -> {
            int lb = t[1].lastIndexOf('[');
            if (lb < 0 || !t[1].endsWith("]"))
              throw new StateFormatException(where + "expected word <mem>[<addr>] <hex>");
            String name = t[1].substring(0, lb);
            Integer m = memIndex.get(name);
            if (m == null || mems[m] == null)
              throw new StateFormatException(
                  where + "word of memory " + name + " before its 'mem' line or unknown memory");
            int a = Integer.parseInt(t[1].substring(lb + 1, t[1].length() - 1));
            if (a < 0 || a >= mems[m].length)
              throw new StateFormatException(where + "address " + a + " outside memory " + name);
            long val = Long.parseUnsignedLong(t[2], 16);
            if ((val & ~nl.memories().get(m).mask()) != 0)
              throw new StateFormatException(where + "value " + t[2] + " wider than memory " + name);
            if (seenWord[m][a]) throw new StateFormatException(where + "word " + t[1] + " given twice");
            seenWord[m][a] = true;
            mems[m][a] = val;
          }
          default -> throw new StateFormatException(where + "unknown line '" + t[0] + "'");
        }
      } catch (ArrayIndexOutOfBoundsException | NumberFormatException e) {
        throw new StateFormatException(where + "malformed line '" + line + "'");
      }
    }
    if (!ended) throw new StateFormatException(origin + ": truncated (no 'end' line)");
    if (hash == null || top == null || cycle < 0)
      throw new StateFormatException(origin + ": header incomplete (need top, netlist, cycle)");
    for (int i = 0; i < seenFf.length; i++) {
      if (!seenFf[i])
        throw new StateFormatException(origin + ": flip-flop " + nl.flops().get(i).stateName() + " missing");
    }
    for (int m = 0; m < mems.length; m++) {
      if (mems[m] == null)
        throw new StateFormatException(origin + ": memory " + nl.memories().get(m).name() + " missing");
      for (int a = 0; a < mems[m].length; a++) {
        if (!seenWord[m][a])
          throw new StateFormatException(origin + ": word " + nl.memories().get(m).name() + "[" + a + "] missing");
      }
    }
    return new HwState(hash, top, cycle, flops, mems);
  }

  /** A state file that is malformed, damaged, of another version or of another design. */
  public static final class StateFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public StateFormatException(String m) { super(m); }
  }
}
