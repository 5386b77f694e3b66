package io.cairn.cli.redundancy;

import io.cairn.cluster.internal.Domains;
import io.cairn.redundancy.FailureDomains;
import io.cairn.redundancy.Layout;
import io.cairn.redundancy.Placement;
import io.cairn.redundancy.RankLocation;
import io.cairn.redundancy.Scheme;
import io.cairn.redundancy.internal.LevelBench;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cairn redundancy}: plan partner/XOR/RS placement over nodes and failure domains; benchmark the levels. */
@Command(name = "redundancy", mixinStandardHelpOptions = true, description = "Cross-node redundancy (partner copies, XOR and Reed-Solomon sets): placement and benchmark.", subcommands = {
    RedundancyCommand.Plan.class, RedundancyCommand.Bench.class})
public final class RedundancyCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }

  /** {@code cairn redundancy plan}. */
  @Command(name = "plan", mixinStandardHelpOptions = true, description = {
      "Shows where partner copies and XOR/RS sets go for ranks spread over nodes, and what had",
      "to be given up (too few nodes or domains) with a machine-readable reason."})
  public static final class Plan implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Option(names = "--ranks", required = true, description = "number of ranks")
    int ranks;
    @Option(names = "--nodes", required = true, description = "number of nodes (node-0 .. node-K-1; ranks spread in blocks)")
    int nodes;
    @Option(names = "--scheme", required = true, description = "partner, xor:<set size> or rs:<k>+<m>; repeatable")
    List<String> schemes = new ArrayList<>();
    @Option(names = {"--domains",
        "--domains-file"}, description = "failure-domain file (levels = power, rack ...; node-0 = rack=r1 ...), as for cairn launch")
    Path domains;
    @Option(names = "--domain", description = "failure domains of a node, as for cairn launch: NODE:level=name,... (repeatable)")
    List<String> domainSpecs = new ArrayList<>();
    @Option(names = "--domain-levels", split = ",", description = "failure-domain levels, largest first (default: the file's, else inferred: fewer distinct names = larger)")
    List<String> domainLevels = new ArrayList<>();
    @Option(names = "--json", description = "print the layouts as JSON")
    boolean json;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try {
        if (ranks < 1 || nodes < 1) throw new IllegalArgumentException("--ranks and --nodes must be >= 1");
        // the same table as a job launched with these options gets (cairn launch --domain/--domain-levels/--domains-file)
        Map<String, Map<String, String>> given = new LinkedHashMap<>();
        for (String spec : domainSpecs) {
          int c = spec.indexOf(':');
          if (c < 1)
            throw new IllegalArgumentException(
                "--domain '" + spec + "': expected NODE:level=name,..., e.g. node-0:rack=r1");
          String node = spec.substring(0, c);
          Map<String, String> m = new TreeMap<>(given.getOrDefault(node, Map.of()));
          for (var kv : Domains.parseSpec(spec.substring(c + 1), "--domain " + node).entrySet()) {
            String old = m.put(kv.getKey(), kv.getValue());
            if (old != null && !old.equals(kv.getValue()))
              throw new IllegalArgumentException(
                  "--domain " + node + ": " + kv.getKey() + " is given as '" + old + "' and '" + kv.getValue() + "'");
          }
          given.put(node, m);
        }
        FailureDomains file = domains == null ? FailureDomains.none() : FailureDomains.load(domains);
        Domains all = Domains.resolve(new Domains(file.levels(), file.nodes()), "the domains file " + domains, given,
            "--domain",
            Domains.parseLevels(String.join(",", domainLevels), "--domain-levels"), "--domain-levels");
        List<RankLocation> locs = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
          String node = "node-" + ((long) r * nodes / ranks);
          locs.add(new RankLocation(r, node, all.of(node)));
        }
        List<String> levels = Domains.order(all.levels(), locs.stream().map(RankLocation::domains).toList());
        if (all.levels().isEmpty() && !levels.isEmpty() && !json)
          out.println("failure-domain levels not declared: using " + levels
              + ", largest first (fewer distinct names = larger)");
        List<String> js = new ArrayList<>();
        for (String s : schemes) {
          Layout l = Placement.plan(locs, Scheme.parse(s), levels);
          if (json) {
            js.add(l.toJson());
            continue;
          }
          out.println(l.scheme() + ":");
          l.partners().forEach((o, h) -> out.printf("  rank %d (%s) -> copy on rank %d (%s)%n", o, l.location(o).node(),
              h, l.location(h).node()));
          for (Layout.Group g : l.groups())
            out.printf("  set %d: ranks %s on %s, %d+%d per stripe, survives %d lost node(s)%n", g.id(), g.ranks(),
                g.ranks().stream().map(x -> l.location(x).node()).toList(), g.k(), g.m(), g.m());
          for (Layout.Degradation x : l.degradations()) out.printf("  degraded [%s]: %s%n", x.reason(), x.message());
          if (!l.degraded()) out.println("  as requested");
        }
        if (json) out.println("[" + String.join(",", js) + "]");
        out.flush();
        return 0;
      } catch (IllegalArgumentException e) {
        spec.commandLine().getErr().println("cairn redundancy plan: " + e.getMessage());
        spec.commandLine().getErr().flush();
        return 2;
      }
    }
  }

  /** {@code cairn redundancy bench}. */
  @Command(name = "bench", mixinStandardHelpOptions = true, description = {
      "Encode/rebuild GB/s per core of the erasure codes next to a byte-at-a-time GF(2^8) multiply,",
      "and checkpoint time per rank for partner, XOR and RS levels over 4 and 8 simulated nodes next",
      "to a local-only checkpoint of the same state (one process; per rank = total / ranks)."})
  public static final class Bench implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Option(names = "--mib", defaultValue = "16", description = "state per rank in MiB (default ${DEFAULT-VALUE})")
    int mib;
    @Option(names = "--reps", defaultValue = "5", description = "repetitions per level, median reported (default ${DEFAULT-VALUE})")
    int reps;
    @Option(names = "--plot", defaultValue = "redundancy-bench.svg", description = "SVG plot to write (default ${DEFAULT-VALUE}); 'none' to skip")
    String plot;
    @Option(names = "--json", description = "print the numbers as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
      if (mib < 1 || reps < 1) {
        spec.commandLine().getErr().println("cairn redundancy bench: --mib and --reps must be >= 1");
        return 2;
      }
      PrintStream table = json ? new PrintStream(java.io.OutputStream.nullOutputStream()) : System.out;
      LevelBench.Result r = LevelBench.run(mib, reps, "none".equals(plot) ? null : Path.of(plot), table);
      if (json) System.out.println(r.toJson());
      return 0;
    }
  }
}
