package io.cairn.cli.slurm;

import io.cairn.slurm.SlurmJob;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn halt}: asks a running job to checkpoint and stop (SCR's scr_halt). */
@Command(name = "halt", mixinStandardHelpOptions = true, description = {
    "Asks the job in a job directory to stop after its next committed global checkpoint (ranks exit 75),",
    "and 'cairn run' to launch no further step. The request stays until 'cairn halt --cancel'. See docs/slurm.md."})
public final class HaltCommand implements Callable<Integer> {
  @Option(names = "--cancel", description = "Remove the halt request (before the job is submitted again).")
  boolean cancel;
  @Option(names = "--reason", defaultValue = "cairn halt", description = "Why (written into the request).")
  String reason;
  @Parameters(paramLabel = "JOB_DIR", description = "The job directory (CAIRN_JOB_DIR of the job).")
  Path jobDir;

  @Override
  public Integer call() {
    try {
      if (cancel) {
        System.out.println(
            SlurmJob.cancelHalt(jobDir) ? "halt request removed from " + jobDir : "no halt request in " + jobDir);
      } else {
        System.out.println("halt requested: " + SlurmJob.requestHalt(jobDir, reason)
            + " (the ranks stop after the next committed global checkpoint)");
      }
      return 0;
    } catch (IOException e) {
      System.err.println("cairn halt: " + e.getMessage());
      return 2;
    }
  }
}
