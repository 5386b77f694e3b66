package io.cairn.cli.cluster;

import io.cairn.cluster.Comm;
import io.cairn.cluster.ConsistencyChecker;
import io.cairn.cluster.Launcher;
import io.cairn.cluster.Message;
import io.cairn.cluster.Protocol;
import io.cairn.cluster.examples.Bank;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn cluster bank}: the randomized bank workload with a rank killed, then the consistency check of every committed global version. */
@Command(name = "bank", mixinStandardHelpOptions = true, description = {
    "Runs the bank workload (money moves between ranks, messages in flight at every checkpoint), kills a random",
    "rank once, and checks every committed global checkpoint: total money conserved (balances + money in flight)",
    "and no orphan message on any channel."})
public final class ClusterBankCommand implements Callable<Integer> {
  @Option(names = {"-n", "--ranks"}, defaultValue = "5", description = "ranks (default ${DEFAULT-VALUE})")
  int ranks;
  @Option(names = "--protocol", defaultValue = "chandy-lamport", description = "blocking or chandy-lamport (default ${DEFAULT-VALUE})")
  String protocol;
  @Option(names = "--steps", defaultValue = "2000", description = "transfers per rank (default ${DEFAULT-VALUE})")
  int steps;
  @Option(names = "--job", defaultValue = "cairn-cluster-bank", description = "job directory, emptied first (default ${DEFAULT-VALUE})")
  Path job;
  @Option(names = "--seed", defaultValue = "1", description = "workload seed (default ${DEFAULT-VALUE})")
  long seed;
  @Option(names = "--json", description = "print the outcome as JSON")
  boolean json;

  @Override
  public Integer call() throws Exception {
    Demo.clean(job);
    Random rnd = new Random(seed);
    int code;
    try (Launcher.Job j = Launcher.builder().ranks(ranks).nodes(ranks).jobDir(job).protocol(Protocol.parse(protocol))
        .jvmOption("-Xmx96m")
        .env("CAIRN_CLUSTER_KEEP", "1000")
        .command(List.of(Bank.class.getName(), "--steps", "" + steps, "--every", "50", "--delay-ms", "2", "--seed",
            "" + seed))
        .start()) {
      Demo.waitForGlobals(job, j, 3 + rnd.nextInt(4));
      int victim = rnd.nextInt(ranks);
      if (!json) System.out.println("bank: kill -9 of rank " + victim);
      j.kill(victim);
      code = j.await(Duration.ofMinutes(10));
    }
    String total = Files.exists(job.resolve("bank-result.txt"))
        ? Files.readString(job.resolve("bank-result.txt")).trim()
        : "?";
    List<ConsistencyChecker.Report> reports = ConsistencyChecker.check(job,
        Map.of("balance", 1, "rng", 1, "step", 1, "sentAmount", 1, "receivedAmount", 1), (states, inFlight) -> {
          long sum = 0;
          for (Map<String, long[]> s : states) sum += s.get("balance")[0];
          for (Message m : inFlight) sum += Comm.asLong(m);
          return sum == (long) ranks * Bank.START ? null : "total money " + sum + " != " + (long) ranks * Bank.START;
        });
    long bad = reports.stream().filter(r -> !r.ok()).count();
    int inFlight = reports.stream().mapToInt(ConsistencyChecker.Report::inFlight).sum();
    boolean ok = code == 0 && bad == 0 && total.equals("" + (long) ranks * Bank.START);
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("ranks", ranks);
      m.put("protocol", protocol);
      m.put("exitCode", code);
      m.put("finalTotal", total);
      m.put("globalsChecked", reports.size());
      m.put("inconsistent", bad);
      m.put("messagesInFlightRecorded", inFlight);
      m.put("ok", ok);
      System.out.println(Out.json(m));
    } else {
      for (ConsistencyChecker.Report r : reports)
        System.out.printf("global %3d: %3d messages in flight recorded, %s%n", r.global(), r.inFlight(),
            r.ok() ? "consistent" : "INCONSISTENT " + r.problems());
      System.out.printf("bank: job %s, final total %s; %d global checkpoints checked, %d inconsistent%n",
          code == 0 ? "finished" : "FAILED", total,
          reports.size(), bad);
    }
    return ok ? 0 : 1;
  }
}
