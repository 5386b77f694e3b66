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
  private CommandList() { }

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
    nameWidth = Math.min(nameWidth + 4, 26);
    Help.TextTable table = Help.TextTable.forColumns(help.colorScheme(), new Help.Column(nameWidth, 2, Help.Column.Overflow.SPAN),
        new Help.Column(Math.max(20, width - nameWidth), 1, Help.Column.Overflow.WRAP));
    table.setAdjustLineBreaksForWideCJKCharacters(false);
    for (Map.Entry<String, Help> e : subs.entrySet()) {
      CommandSpec spec = e.getValue().commandSpec();
      if (spec.usageMessage().hidden()) continue;
      table.addRowValues(e.getKey(), summary(spec));
    }
    return table.toString();
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
