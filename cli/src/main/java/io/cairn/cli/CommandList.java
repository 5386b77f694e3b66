package io.cairn.cli;

import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * The list of subcommands in {@code --help}: picocli shows the first line of each description, which for a
 * description written over several lines ends mid-sentence. This shows the whole first sentence (the header when
 * a command has one), wrapped to the usage width.
 */
final class CommandList {
  private CommandList() {}

  /** Installs the list renderer on {@code cl} and all its subcommands. */
  static void install(CommandLine cl) {
    cl.getHelpSectionMap().put(UsageMessageSpec.SECTION_KEY_COMMAND_LIST, CommandList::render);
    for (CommandLine sub : cl.getSubcommands().values()) if (sub.getParent() == cl) install(sub);
  }

  private static String render(Help help) {
    Map<String, Help> subs = help.subcommands();
    if (subs.isEmpty()) return "";
    int width = help.commandSpec().usageMessage().width();
    int nameWidth = 0;
    for (Map.Entry<String, Help> e : subs.entrySet())
      if (!e.getValue().commandSpec().usageMessage().hidden()) nameWidth = Math.max(nameWidth, e.getKey().length());
    nameWidth = Math.min(nameWidth + 2, 24);
    int textWidth = Math.max(30, width - nameWidth - 2);
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, Help> e : subs.entrySet()) {
      CommandSpec spec = e.getValue().commandSpec();
      if (spec.usageMessage().hidden()) continue;
      String name = "  " + e.getKey();
      StringBuilder line = new StringBuilder(name);
      String pad = " ".repeat(nameWidth + 2);
      if (name.length() >= nameWidth + 2) {
        b.append(line).append(System.lineSeparator());
        line = new StringBuilder(pad);
      } else {
        line.append(" ".repeat(nameWidth + 2 - name.length()));
      }
      boolean first = true;
      for (String word : summary(spec).split(" ")) { // whole words: a line never ends inside one
        if (!first && line.length() + 1 + word.length() > nameWidth + 2 + textWidth) {
          b.append(line.toString().stripTrailing()).append(System.lineSeparator());
          line = new StringBuilder(pad);
          first = true;
        }
        if (!first) line.append(' ');
        line.append(word);
        first = false;
      }
      b.append(line.toString().stripTrailing()).append(System.lineSeparator());
    }
    return b.toString();
  }

  /** The header if there is one, else the description's first sentence (its lines joined). */
  static String summary(CommandSpec spec) {
    String[] header = spec.usageMessage().header();
    if (header.length > 0) return String.join(" ", header).trim();
    String all = String.join(" ", spec.usageMessage().description()).replaceAll("\\s+", " ").trim();
    int end = -1;
    for (int i = all.indexOf(". "); i >= 0; i = all.indexOf(". ", i + 1)) {
      if (!all.substring(0, i).matches(".*\\b(e\\.g|i\\.e|etc|vs)$")) {
        end = i + 1;
        break;
      }
    }
    return end < 0 ? all : all.substring(0, end);
  }
}
