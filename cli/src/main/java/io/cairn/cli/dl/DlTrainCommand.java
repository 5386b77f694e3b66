package io.cairn.cli.dl;

import io.cairn.dl.DemoRun;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cairn dl train}: the resumable demo run as a process of its own (the child that
 * {@code cairn dl demo} kills and resumes). Prints {@code STEP step loss lossBits sampleHash} per step
 * and {@code DONE restoredStep weightsHash} at the end.
 */
@Command(name = "train", hidden = true, mixinStandardHelpOptions = true, description = "Runs (or resumes) the demo training in --dir, printing one line per step.")
public final class DlTrainCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;
  @Option(names = "--dir", required = true)
  Path dir;
  @Option(names = "--model", defaultValue = "mlp")
  String model;
  @Option(names = "--workers", defaultValue = "2")
  int workers;
  @Option(names = "--steps", defaultValue = "120")
  long steps;
  @Option(names = "--every", defaultValue = "10")
  int every;
  @Option(names = "--seed", defaultValue = "42")
  long seed;
  @Option(names = "--sleep-ms", defaultValue = "0", description = "pause after each step (so a demo can kill it mid-run)")
  long sleep;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    DemoRun.Options o = DlDemoCommand.options(model, seed, steps).dir(dir).workers(workers).every(every);
    DemoRun.Result r = DemoRun.run(o, (t, s) -> {
      out.println("STEP " + s.step() + " " + s.loss() + " " + Double.doubleToRawLongBits(s.loss()) + " "
          + t.metrics().sampleHashes()[(int) s.step()]);
      out.flush();
      if (sleep > 0) {
        try {
          Thread.sleep(sleep);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    });
    out.println("DONE " + r.restoredStep() + " " + DemoRun.hash(r.params()));
    out.flush();
    return 0;
  }
}
