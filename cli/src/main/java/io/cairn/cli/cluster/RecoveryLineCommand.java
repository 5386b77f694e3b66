package io.cairn.cli.cluster;

import io.cairn.CairnException;
import io.cairn.cluster.RecoveryLine;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn cluster recovery-line JOBDIR}: the recovery line of a job with independent checkpoints, and what each rank would lose. */
@Command(name = "recovery-line", mixinStandardHelpOptions = true, description = {
    "Prints the recovery line of a job that checkpoints with --protocol independent: for each rank, its newest checkpoint that,",
    "with the others' on the line, forms a consistent state with no message orphaned or in transit (computed from the ranks'",
    "dependency records in <job>/deps), and how far each rank would roll back from its newest checkpoint (docs/parallel.md)."})
public final class RecoveryLineCommand implements Callable<Integer> {
  @Parameters(index = "0", description = "job directory")
  Path job;
  @Option(names = "--why", description = "also list each rollback the computation made (orphan or in-transit message, and the peer)")
  boolean why;
  @Option(names = "--json", description = "print JSON")
  boolean json;

  @Override
  public Integer call() {
    RecoveryLine line;
    try {
      line = RecoveryLine.of(job);
    } catch (CairnException e) {
      System.err.println("cairn cluster recovery-line: " + e.getMessage());
      return 2;
    }
    if (json) {
      List<Map<String, Object>> l = new ArrayList<>();
      for (RecoveryLine.Part p : line.parts()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rank", p.rank());
        m.put("version", p.version());
        m.put("step", p.step());
        m.put("newestVersion", p.newestVersion());
        m.put("newestStep", p.newestStep());
        m.put("checkpointsLost", p.checkpointsLost());
        m.put("stepsLost", p.stepsLost());
        l.add(m);
      }
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("job", job.toAbsolutePath().toString());
      out.put("ranks", line.ranks());
      out.put("initialState", line.initialState());
      out.put("line", l);
      out.put("rollbacks", line.rollbacks());
      System.out.println(Out.json(out));
      return 0;
    }
    System.out
        .println("recovery line of " + job.toAbsolutePath() + " (" + line.ranks() + " ranks, independent checkpoints)"
            + (line.initialState() ? ": the initial state of every rank" : ""));
    System.out.printf("%5s  %-22s  %-22s  %16s  %10s%n", "rank", "on the line", "newest checkpoint", "checkpoints lost",
        "steps lost");
    long steps = 0;
    int lost = 0;
    for (RecoveryLine.Part p : line.parts()) {
      System.out.printf("%5d  %-22s  %-22s  %16d  %10d%n", p.rank(), where(p.version(), p.step()),
          p.newestVersion() == 0 ? "none" : where(p.newestVersion(), p.newestStep()),
          p.checkpointsLost(), p.stepsLost());
      steps += p.stepsLost();
      lost += p.checkpointsLost();
    }
    System.out.println(
        "a failure now rolls every rank back to its checkpoint on the line: " + lost + " checkpoints and " + steps
            + " steps (from the newest checkpoints) re-executed in all"
            + (line.initialState() && lost > 0 ? " (the domino effect)" : ""));
    if (why) for (String w : line.rollbacks()) System.out.println("  " + w);
    return 0;
  }

  private static String where(long v, long step) {
    return v == 0 ? "initial state" : "version " + v + " (step " + step + ")";
  }
}
