package io.cairn.cli.core;

import picocli.CommandLine.Option;

/**
 * The {@code --json} option, declared once: a picocli mixin ({@code @Mixin JsonOption output}) for commands that print
 * JSON on request, and the base of {@link StoreOptions}, the options of the commands that open a run's checkpoints.
 */
class JsonOption {
  @Option(names = "--json", description = "Print JSON (for scripts) instead of text.")
  boolean json;
}
