package io.cairn.cli.cluster;

import io.cairn.cluster.internal.GlobalManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn cluster status JOBDIR}: the committed global versions of a job. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Lists the committed global checkpoints of a job directory.")
public final class ClusterStatusCommand implements Callable<Integer> {
  @Parameters(index = "0", defaultValue = "cairn-job", description = "job directory (default ${DEFAULT-VALUE})")
  Path job;
  @Option(names = "--json", description = "print JSON")
  boolean json;

  @Override
  public Integer call() {
    if (!Files.isDirectory(job)) {
      System.err.println("cairn cluster status: " + job + " is not a job directory");
      return 2;
    }
    List<GlobalManifest.Entry> all = GlobalManifest.read(job);
    boolean finished = Files.exists(job.resolve("finished"));
    if (json) {
      List<Map<String, Object>> l = new ArrayList<>();
      for (GlobalManifest.Entry e : all) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("global", e.global());
        m.put("ranks", e.size());
        m.put("protocol", e.protocol());
        m.put("step", e.step());
        m.put("time", Instant.ofEpochMilli(e.timeMillis()).toString());
        m.put("versions", java.util.Arrays.stream(e.versions()).boxed().toList());
        m.put("nodes", List.of(e.nodes()));
        if (e.domains() != null) {
          m.put("domains", List.of(e.domains())); // failure domains of each rank beyond its node, as recorded at commit
          m.put("domainLevels", List.of(e.levels()));
        }
        l.add(m);
      }
      System.out.println(Out.json(Map.of("job", job.toAbsolutePath().toString(), "finished", finished, "globals", l)));
      return 0;
    }
    System.out.println("job " + job.toAbsolutePath() + (finished ? " (finished)" : ""));
    if (all.isEmpty()) System.out.println("no committed global checkpoint");
    for (GlobalManifest.Entry e : all)
      System.out.printf("global %4d  %2d ranks  %-15s step %6d  %s  nodes %s%n", e.global(), e.size(), e.protocol(),
          e.step(),
          Instant.ofEpochMilli(e.timeMillis()), String.join(",", new java.util.TreeSet<>(List.of(e.nodes()))));
    return 0;
  }
}
