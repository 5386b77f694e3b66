package io.cairn.cli.dl;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code cairn dl}: deep-learning training with faithful replay. */
@Command(name = "dl", mixinStandardHelpOptions = true, description = "Deep-learning training state: kill-and-resume demo with bit-identical replay, checkpoint benchmark.", subcommands = {
    DlDemoCommand.class, DlBenchCommand.class, DlTrainCommand.class})
public final class DlCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }
}
