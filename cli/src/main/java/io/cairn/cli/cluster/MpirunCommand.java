package io.cairn.cli.cluster;

import io.cairn.cluster.Protocol;
import io.cairn.cluster.internal.mpi.MpiRun;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn mpirun -n N -- <main> [args]}: a rank program under Open MPI's mpirun, relaunched after failures (restart-all). */
@Command(name = "mpirun", mixinStandardHelpOptions = true, description = {
    "Runs N ranks of a Java program under Open MPI's mpirun with MPI as Cairn's transport, and relaunches the",
    "whole job when it fails (a killed rank makes mpirun end every rank): the ranks restore the newest committed",
    "global checkpoint of the job directory. Stops when the job ends, after --max-restarts relaunches, when the",
    "job was aborted (nothing restores) or when three runs in a row commit no new global checkpoint.",
    "Example: cairn mpirun -n 4 --job heat-job -- io.cairn.cluster.examples.Heat --steps 500   (docs/mpi.md)"})
public final class MpirunCommand implements Callable<Integer> {
  @Option(names = {"-n", "--ranks"}, required = true, description = "number of ranks (mpirun -np)")
  int ranks;
  @Option(names = "--job", defaultValue = "cairn-job", description = "job directory, on a file system every node shares (default ${DEFAULT-VALUE})")
  Path job;
  @Option(names = "--protocol", defaultValue = "blocking", description = "blocking or chandy-lamport (default ${DEFAULT-VALUE})")
  String protocol;
  @Option(names = "--max-restarts", defaultValue = "5", description = "relaunches after failures before giving up (default ${DEFAULT-VALUE})")
  int maxRestarts;
  @Option(names = "--no-oversubscribe", description = "do not pass --oversubscribe (more ranks than cores)")
  boolean noOversubscribe;
  @Option(names = "--mpirun-option", description = "an option for mpirun (repeatable, one argument each), e.g. --mpirun-option=--hostfile --mpirun-option=hosts")
  List<String> mpirunOptions = new ArrayList<>();
  @Option(names = "--env", description = "K=V for every rank (mpirun -x; repeatable)")
  List<String> env = new ArrayList<>();
  @Option(names = "--jvm", description = "extra JVM option for the ranks (repeatable), e.g. --jvm=-Xmx2g")
  List<String> jvm = new ArrayList<>();
  @Parameters(arity = "1..*", paramLabel = "MAIN_AND_ARGS", description = "the ranks' main class and its arguments, after --")
  List<String> command;

  @Override
  public Integer call() throws Exception {
    String why = MpiRun.unavailable();
    if (why != null) {
      System.err.println("cairn mpirun: " + why);
      return 2;
    }
    MpiRun.Builder b;
    try {
      b = MpiRun.builder().ranks(ranks).jobDir(job).command(command).maxRestarts(maxRestarts)
          .oversubscribe(!noOversubscribe).inheritIO(true)
          .env("CAIRN_PROTOCOL", Protocol.parse(protocol).id());
      for (String e : env) {
        int eq = e.indexOf('=');
        if (eq <= 0) throw new IllegalArgumentException("--env needs K=V, got '" + e + "'");
        b.env(e.substring(0, eq), e.substring(eq + 1));
      }
    } catch (IllegalArgumentException e) {
      System.err.println("cairn mpirun: " + e.getMessage());
      return 2;
    }
    mpirunOptions.forEach(b::mpirunOption);
    jvm.forEach(b::jvmOption);
    MpiRun.Result r = b.build().run(null);
    System.err.println("cairn mpirun: " + r.why() + " after " + r.attempts() + " run(s) of mpirun");
    return r.exitCode() == 0 ? 0 : 1;
  }
}
