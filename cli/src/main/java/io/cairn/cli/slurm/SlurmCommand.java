package io.cairn.cli.slurm;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code cairn slurm}: running Cairn jobs under Slurm (docs/slurm.md). */
@Command(name = "slurm", mixinStandardHelpOptions = true, description = {
    "Running under Slurm (see docs/slurm.md): 'cairn slurm script' prints a batch script.",
    "Inside a job: 'cairn run' relaunches failed parallel steps, 'cairn halt' stops a job after a checkpoint."}, subcommands = {
        SlurmScriptCommand.class})
public final class SlurmCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() { spec.commandLine().usage(System.out); }
}
