package io.cairn.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code cairn} command: one subcommand per capability. The project's only {@code main}. */
@Command(name = "cairn", mixinStandardHelpOptions = true, version = "cairn 0.1.0",
    description = "Checkpoint/restart and fault tolerance for long-running JVM computations.",
    subcommands = {
        CommandLine.HelpCommand.class,
        io.cairn.cli.core.DemoCommand.class, io.cairn.cli.core.DemoWorker.class, io.cairn.cli.core.LsCommand.class,
        io.cairn.cli.core.InspectCommand.class, io.cairn.cli.core.VerifyCommand.class, io.cairn.cli.core.PruneCommand.class, io.cairn.cli.core.PinCommand.class, io.cairn.cli.core.BenchCommand.class,
        // one line per capability; keep this list sorted by module: core, cluster, sched, dl, hw
        io.cairn.cli.cluster.LaunchCommand.class, io.cairn.cli.cluster.ClusterCommand.class,
        io.cairn.cli.slurm.SlurmCommand.class, io.cairn.cli.slurm.RunCommand.class, io.cairn.cli.slurm.HaltCommand.class,
        io.cairn.cli.redundancy.RedundancyCommand.class,
        io.cairn.cli.sched.AdviseCommand.class,
        io.cairn.cli.sched.SimulateCommand.class,
        io.cairn.cli.dl.DlCommand.class,
        io.cairn.cli.hw.HwCommand.class,
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override public void run() { spec.commandLine().usage(System.out); }

  /** Runs the command line and returns its exit code (tests call this instead of {@link #main}). */
  public static int run(String... args) {
    return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
  }

  public static void main(String[] args) { System.exit(run(args)); }
}
