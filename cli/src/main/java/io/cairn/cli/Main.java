package io.cairn.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code cairn} command: one subcommand per capability. The project's only {@code main}. */
@Command(name = "cairn", mixinStandardHelpOptions = true, version = "cairn 0.1.0", description = "Checkpoint/restart and fault tolerance for long-running JVM computations.", subcommands = {
    CommandLine.HelpCommand.class,
    io.cairn.cli.core.DemoCommand.class, io.cairn.cli.core.DemoWorker.class, io.cairn.cli.core.DeviceDemoWorker.class,
    io.cairn.cli.core.LsCommand.class,
    io.cairn.cli.core.InspectCommand.class, io.cairn.cli.core.VerifyCommand.class, io.cairn.cli.core.PruneCommand.class,
    io.cairn.cli.core.PinCommand.class, io.cairn.cli.core.CoreBenchCommand.class,
    // one line per capability; keep this list sorted by module: core, cluster, sched, dl, hw
    io.cairn.cli.cluster.LaunchCommand.class, io.cairn.cli.cluster.ClusterCommand.class,
    io.cairn.cli.cluster.MpirunCommand.class,
    io.cairn.cli.slurm.SlurmCommand.class, io.cairn.cli.slurm.RunCommand.class, io.cairn.cli.slurm.HaltCommand.class,
    io.cairn.cli.redundancy.RedundancyCommand.class,
    io.cairn.cli.sched.AdviseCommand.class,
    io.cairn.cli.sched.SimulateCommand.class,
    io.cairn.cli.dl.DlCommand.class,
    io.cairn.cli.hw.HwCommand.class,
    io.cairn.cli.device.DeviceCommand.class,
    io.cairn.cli.dashboard.ServeCommand.class,
})
public final class Main implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @CommandLine.Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT, description = "On an error, print the Java stack trace too.")
  boolean debug;

  @Override
  public void run() { spec.commandLine().usage(System.out); }

  /** Runs the command line and returns its exit code (tests call this instead of {@link #main}). */
  public static int run(String... args) {
    CommandLine cl = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true)
        .setExecutionExceptionHandler(Main::handle);
    CommandList.install(cl); // whole first sentences in the lists of subcommands
    return cl.execute(args);
  }

  /**
   * An error while a command runs (bad configuration, a refused directory, an unreadable file): one line
   * on standard error naming the command and the problem, and the command's error exit code (1 unless
   * the command says otherwise); the stack trace only with {@code --debug}.
   */
  static int handle(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
    PrintWriter err = cmd.getErr();
    err.println(cmd.getCommandName().equals("cairn")
        ? "cairn: " + Sanitize.text(message(e))
        : "cairn " + cmd.getCommandName() + ": " + Sanitize.text(message(e)));
    if (debugRequested(parsed)) e.printStackTrace(err);
    else if (e instanceof NullPointerException || e instanceof ClassCastException
        || e instanceof IndexOutOfBoundsException
        || e instanceof ArithmeticException || e instanceof UnsupportedOperationException)
      err.println(
          "(an unexpected " + e.getClass().getSimpleName() + "; run with --debug for the stack trace and report it)");
    err.flush();
    return cmd.getCommandSpec().exitCodeOnExecutionException();
  }

  /** The exception's message, with its causes' where they add something ({@code NoSuchFileException} says only the path). */
  static String message(Throwable e) {
    StringBuilder sb = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String m = t.getMessage();
      String part = t instanceof java.nio.file.NoSuchFileException
          ? "no such file: " + m
          : t instanceof java.nio.file.AccessDeniedException
              ? "permission denied: " + m
              : m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
      if (sb.indexOf(part) >= 0) continue;
      if (!sb.isEmpty()) sb.append(": ");
      sb.append(part);
    }
    return sb.toString();
  }

  private static boolean debugRequested(CommandLine.ParseResult p) {
    for (CommandLine.ParseResult r = p; r != null; r = r.subcommand()) if (r.hasMatchedOption("--debug")) return true;
    return false;
  }

  public static void main(String[] args) { System.exit(run(args)); }
}
