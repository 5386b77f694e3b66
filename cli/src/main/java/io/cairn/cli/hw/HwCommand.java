package io.cairn.cli.hw;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code cairn hw}: hardware debugging by moving state between the fast engine and a simulator. */
@Command(name = "hw", mixinStandardHelpOptions = true, description = "Hardware debugging by moving state (StateMover / StateLink): synthesise Verilog with Yosys, "
    + "run the netlist fast to a breakpoint, move the state into an observable simulator (iverilog or "
    + "Cairn's event-level one) with waveforms, and back. See docs/hardware-debug.md.", subcommands = {
        HwSynthCommand.class, HwRunCommand.class, HwMoveCommand.class, HwLinkCommand.class, HwBenchCommand.class})
public final class HwCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }
}
