package io.cairn.hw.engine;

import io.cairn.hw.netlist.Netlist;
import java.util.ArrayList;
import java.util.List;

/**
 * A stop condition, tested after each settle: {@code cycle=100000}, {@code top.pc==32'h100},
 * {@code out!=0 && cycle>=50}, {@code (a==1 || b[3]==0)}. Operators {@code == != < <= > >=}
 * ({@code =} also means equality), {@code && ||} and parentheses. Values are decimal, {@code 0x..}
 * or Verilog literals ({@code 8'hff}, {@code 'b101}, {@code 4'd9}). Signal names are public wires,
 * with or without the {@code top.} prefix, optionally with a bit or range select.
 */
public final class Breakpoint {
  private interface Node { boolean test(FastEngine e); }

  private final String text;
  private final Node root;

  private Breakpoint(String text, Node root) {
    this.text = text;
    this.root = root;
  }

  /** Stops when {@code n} cycles have run (cycle counter == n). */
  public static Breakpoint atCycle(long n) {
    return new Breakpoint("cycle=" + n, e -> e.cycle() >= n);
  }

  /** Parses {@code text} against {@code nl}; unknown signals and bad syntax throw with the position. */
  public static Breakpoint parse(String text, Netlist nl) {
    Parser p = new Parser(text, nl);
    Node n = p.or();
    p.ws();
    if (p.i != text.length()) throw p.error("unexpected '" + text.substring(p.i) + "'");
    return new Breakpoint(text, n);
  }

  public boolean test(FastEngine e) { return root.test(e); }

  @Override
  public String toString() { return text; }

  /** Parses a value: decimal, 0x hex, or a Verilog literal like {@code 32'h100}. */
  public static long parseValue(String s) {
    String t = s.trim().replace("_", "");
    int q = t.indexOf('\'');
    if (q >= 0) {
      String rest = t.substring(q + 1).toLowerCase(java.util.Locale.ROOT);
      if (rest.startsWith("s")) rest = rest.substring(1);
      if (rest.isEmpty()) throw new NumberFormatException("bad literal " + s);
      int radix = switch (rest.charAt(0)) {
        case 'h' -> 16;
        case 'd' -> 10;
        case 'o' -> 8;
        case 'b' -> 2;
        default -> throw new NumberFormatException("bad base in " + s);
      };
      return Long.parseUnsignedLong(rest.substring(1), radix);
    }
    if (t.startsWith("0x") || t.startsWith("0X")) return Long.parseUnsignedLong(t.substring(2), 16);
    return Long.parseUnsignedLong(t);
  }

  private static final class Parser {
    final String s;
    final Netlist nl;
    int i;

    Parser(String s, Netlist nl) { this.s = s; this.nl = nl; }

    IllegalArgumentException error(String what) {
      return new IllegalArgumentException("breakpoint '" + s + "': " + what + " at position " + i);
    }

    void ws() { while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++; }

    boolean eat(String t) {
      ws();
      if (s.startsWith(t, i)) { i += t.length(); return true; }
      return false;
    }

    Node or() {
      List<Node> terms = new ArrayList<>();
      terms.add(and());
      while (eat("||")) terms.add(and());
      if (terms.size() == 1) return terms.getFirst();
      Node[] a = terms.toArray(new Node[0]);
      return e -> { for (Node n : a) if (n.test(e)) return true; return false; };
    }

    Node and() {
      List<Node> terms = new ArrayList<>();
      terms.add(atom());
      while (eat("&&")) terms.add(atom());
      if (terms.size() == 1) return terms.getFirst();
      Node[] a = terms.toArray(new Node[0]);
      return e -> { for (Node n : a) if (!n.test(e)) return false; return true; };
    }

    Node atom() {
      if (eat("(")) {
        Node n = or();
        if (!eat(")")) throw error("expected ')'");
        return n;
      }
      ws();
      int start = i;
      while (i < s.length() && "=!<>&|() \t".indexOf(s.charAt(i)) < 0) i++;
      String name = s.substring(start, i);
      if (name.isEmpty()) throw error("expected a signal name or 'cycle'");
      String op;
      if (eat("==")) op = "==";
      else if (eat("!=")) op = "!=";
      else if (eat("<=")) op = "<=";
      else if (eat(">=")) op = ">=";
      else if (eat("<")) op = "<";
      else if (eat(">")) op = ">";
      else if (eat("=")) op = "==";
      else
        throw error("expected a comparison after '" + name + "'");
      ws();
      int vs = i;
      while (i < s.length() && "=!<>&|() \t".indexOf(s.charAt(i)) < 0) i++;
      String lit = s.substring(vs, i);
      final long val;
      try {
        val = parseValue(lit);
      } catch (NumberFormatException ex) {
        throw error("bad value '" + lit + "'");
      }
      final String o = op;
      if (name.equals("cycle")) return e -> cmp(e.cycle(), o, val);
      int[] nets = nl.signal(name);
      if (nets == null) throw error("no signal named '" + name + "' in design " + nl.top());
      if (nets.length > 64) throw error("signal '" + name + "' is wider than 64 bits");
      return e -> cmp(e.value(nets), o, val);
    }

    static boolean cmp(long a, String op, long b) {
      return switch (op) {
        case "==" -> a == b;
        case "!=" -> a != b;
        case "<" -> Long.compareUnsigned(a, b) < 0;
        case "<=" -> Long.compareUnsigned(a, b) <= 0;
        case ">" -> Long.compareUnsigned(a, b) > 0;
        default -> Long.compareUnsigned(a, b) >= 0;
      };
    }
  }
}
