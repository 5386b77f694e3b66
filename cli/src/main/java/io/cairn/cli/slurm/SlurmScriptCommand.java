package io.cairn.cli.slurm;

import io.cairn.slurm.BatchScript;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn slurm script}: prints the batch script template for a program. */
@Command(name = "script", mixinStandardHelpOptions = true, description = {
    "Prints a Slurm batch script for a program: --signal=B:USR1@<lead>, --requeue, --open-mode=append;",
    "the program checkpoints on the signal and exits 75, and the script requeues the job (docs/slurm.md).",
    "With -n > 1 the program is a parallel step run by 'cairn run' (relaunched after a failure).",
    "Example: cairn slurm script --time 2:00:00 -n 4 --job-dir /shared/heat -- java -cp app.jar my.Main > job.sh"})
public final class SlurmScriptCommand implements Callable<Integer> {
  @Option(names = "--name", defaultValue = "cairn-job", description = "Job name (default: ${DEFAULT-VALUE}).")
  String name;
  @Option(names = "--time", defaultValue = "1:00:00", description = "Time limit in Slurm's format (default: ${DEFAULT-VALUE}).")
  String time;
  @Option(names = "--lead", defaultValue = "120", description = "Seconds before the time limit for SIGUSR1 (default: ${DEFAULT-VALUE}).")
  int lead;
  @Option(names = {"-n",
      "--ntasks"}, defaultValue = "1", description = "Tasks (ranks); >1 runs the program as an srun step (default: ${DEFAULT-VALUE}).")
  int ntasks;
  @Option(names = "--output", defaultValue = "slurm-%j.out", description = "Output file, %%j = job id (default: ${DEFAULT-VALUE}).")
  String output;
  @Option(names = "--job-dir", description = "Job directory on the shared file system (exported as CAIRN_JOB_DIR).")
  Path jobDir;
  @Option(names = "--runner", defaultValue = "cairn", description = "How the nodes start cairn, e.g. 'java -jar /opt/cairn.jar' (default: ${DEFAULT-VALUE}).")
  String runner;
  @Option(names = "--attempts", defaultValue = "3", description = "Step launches at most, for -n > 1 (default: ${DEFAULT-VALUE}).")
  int attempts;
  @Option(names = "--mpi", description = "Slurm's MPI plugin for the parallel step (srun --mpi=...): pmix for ranks over MPI (docs/mpi.md).")
  String mpi;
  @Parameters(paramLabel = "PROGRAM", arity = "1..*", description = "The program and its arguments (after --).")
  List<String> program;

  @Override
  public Integer call() {
    try {
      System.out
          .print(new BatchScript(name, time, lead, ntasks, output, jobDir, runner, attempts, program, mpi).render());
      return 0;
    } catch (IllegalArgumentException e) {
      System.err.println("cairn slurm script: " + e.getMessage());
      return 2;
    }
  }
}
