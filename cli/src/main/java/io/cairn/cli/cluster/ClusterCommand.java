package io.cairn.cli.cluster;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code cairn cluster}: parallel jobs (demo, bank consistency check, job status, checkpoint benchmark). */
@Command(name = "cluster", mixinStandardHelpOptions = true, description = {
    "Parallel jobs: consistent global checkpoints, automatic recovery, elastic restart (see docs/parallel.md).",
    "Start jobs with 'cairn launch'."}, subcommands = {ClusterDemoCommand.class, ClusterBankCommand.class,
        ClusterStatusCommand.class, ClusterBenchCommand.class,
        RecoveryLineCommand.class})
public final class ClusterCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() { spec.commandLine().usage(System.out); }
}
