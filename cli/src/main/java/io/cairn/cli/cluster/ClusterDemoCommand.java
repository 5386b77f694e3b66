package io.cairn.cli.cluster;

import io.cairn.cluster.Launcher;
import io.cairn.cluster.Protocol;
import io.cairn.cluster.examples.Heat;
import io.cairn.cluster.internal.GlobalManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn cluster demo}: distributed heat diffusion, a rank (or node) killed mid-run, automatic recovery, bit-identical result. */
@Command(name = "demo", mixinStandardHelpOptions = true, description = {
    "Runs the distributed heat-diffusion example (halo exchange) with N ranks over 2 simulated nodes,",
    "kills a random rank with kill -9 (or a whole node with --kill-node) once a global checkpoint is committed,",
    "lets the job recover by itself, and compares the final grid with an undisturbed run, bit for bit."})
public final class ClusterDemoCommand implements Callable<Integer> {
  @Option(names = {"-n", "--ranks"}, defaultValue = "4", description = "ranks (default ${DEFAULT-VALUE})")
  int ranks;
  @Option(names = "--protocol", defaultValue = "blocking", description = "blocking or chandy-lamport (default ${DEFAULT-VALUE})")
  String protocol;
  @Option(names = "--job", defaultValue = "cairn-cluster-demo", description = "job directory, emptied first (default ${DEFAULT-VALUE})")
  Path job;
  @Option(names = "--kill-node", description = "lose a whole node (its ranks and its local checkpoint directory) instead of one rank")
  boolean killNode;
  @Option(names = "--seed", defaultValue = "1", description = "chooses the victim and the time (default ${DEFAULT-VALUE})")
  long seed;
  @Option(names = "--json", description = "print the outcome as JSON")
  boolean json;

  @Override
  public Integer call() throws Exception {
    int rows = 96;
    int cols = 96;
    int steps = 300;
    Demo.clean(job);
    Random rnd = new Random(seed);
    String victim;
    long t0 = System.nanoTime();
    int code;
    int restarts;
    try (Launcher.Job j = Launcher.builder().ranks(ranks).nodes(2).jobDir(job).protocol(Protocol.parse(protocol))
        .jvmOption("-Xmx96m")
        .command(List.of(Heat.class.getName(), "--rows", "" + rows, "--cols", "" + cols, "--steps", "" + steps,
            "--every", "20", "--delay-ms", "10"))
        .start()) {
      if (!json)
        System.out.println("demo: heat " + rows + "x" + cols + ", " + steps + " steps, " + ranks + " ranks on nodes "
            + j.nodes() + ", protocol "
            + protocol + "; job directory " + job.toAbsolutePath());
      Demo.waitForGlobals(job, j, 2 + rnd.nextInt(3));
      if (killNode) {
        victim = "node " + j.nodes().get(rnd.nextInt(j.nodes().size()));
        if (!json)
          System.out.println("demo: losing " + victim + " (kill -9 of its ranks, its local directory deleted)");
        j.killNode(victim.substring(5));
      } else {
        int r = rnd.nextInt(ranks);
        victim = "rank " + r;
        if (!json) System.out.println("demo: kill -9 of rank " + r + " (pid " + j.pid(r) + ")");
        j.kill(r);
      }
      code = j.await(Duration.ofMinutes(10));
      restarts = j.restarts();
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    byte[] expected = Heat.reference(rows, cols, steps);
    byte[] got = Files.exists(job.resolve("heat-result.bin"))
        ? Files.readAllBytes(job.resolve("heat-result.bin"))
        : new byte[0];
    boolean same = Arrays.equals(expected, got);
    List<GlobalManifest.Entry> globals = GlobalManifest.read(job);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ranks", ranks);
    m.put("protocol", protocol);
    m.put("killed", victim);
    m.put("exitCode", code);
    m.put("restartedProcesses", restarts);
    m.put("committedGlobals", globals.size());
    m.put("seconds", secs);
    m.put("bitIdentical", same);
    if (json) {
      System.out.println(Out.json(m));
    } else {
      System.out.printf(
          "demo: job %s in %.1f s after losing %s; %d process(es) restarted; %d global checkpoints committed%n",
          code == 0 ? "finished" : "FAILED", secs, victim, restarts, globals.size());
      System.out.println(
          "demo: final grid " + (same ? "is bit-identical to an undisturbed run" : "DIFFERS from an undisturbed run")
              + " (sha256 " + Demo.sha256(got) + ")");
      System.out.println("demo: logs in " + job.resolve("logs").toAbsolutePath());
    }
    return code == 0 && same ? 0 : 1;
  }
}
