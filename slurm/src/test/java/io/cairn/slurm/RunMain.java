package io.cairn.slurm;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** {@code cairn run} for the tests (the CLI module is built after this one): {@code run --attempts N --min-left S --job-dir D -- cmd...}. */
public final class RunMain {
  private RunMain() {}

  public static void main(String[] a) throws Exception {
    int attempts = 3;
    long minLeft = 0;
    Path dir = null;
    int i = a.length > 0 && a[0].equals("run") ? 1 : 0; // the template writes '<runner> run ...'
    for (; i < a.length && !a[i].equals("--"); i += 2) {
      switch (a[i]) {
        case "--attempts" -> attempts = Integer.parseInt(a[i + 1]);
        case "--min-left" -> minLeft = Long.parseLong(a[i + 1]);
        case "--job-dir" -> dir = Path.of(a[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + a[i]);
      }
    }
    List<String> cmd = Arrays.asList(a).subList(i + 1, a.length);
    System.exit(StepRunner.forCurrentJob(cmd, attempts, Duration.ofSeconds(minLeft), dir, System.out).run().code());
  }
}
