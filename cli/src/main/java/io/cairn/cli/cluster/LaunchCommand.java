package io.cairn.cli.cluster;

import io.cairn.cluster.Launcher;
import io.cairn.cluster.Protocol;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn launch -n N [--nodes K | --hosts a,b] -- <main> [args]}: starts a parallel job with a coordinator and supervises it. */
@Command(name = "launch", mixinStandardHelpOptions = true, description = {
    "Starts N ranks of a Java program (child JVMs) and a coordinator, and supervises them: a rank or the",
    "coordinator that dies is started again and the job rolls back to its newest committed global checkpoint.",
    "Example: cairn launch -n 4 --nodes 2 -- io.cairn.cluster.examples.Heat --steps 500",
    "Your own program: java -jar cairn.jar launch -n 4 --classpath app.jar:lib/* -- com.example.MyRank (without --classpath the",
    "ranks only see cairn.jar, so MyRank is not found). Only one launch at a time runs on a job directory; a relaunch kills what",
    "a killed launcher left running. A launch whose newest committed global cannot be restored fails unless --allow-fallback.",
    "Under Slurm or mpirun, start the program with srun/mpirun instead: ranks read SLURM_PROCID, OMPI_COMM_WORLD_RANK or PMI_RANK."})
public final class LaunchCommand implements Callable<Integer> {
  @Option(names = {"-n", "--ranks"}, required = true, description = "number of ranks")
  int ranks;
  @Option(names = "--nodes", description = "simulate this many nodes on this machine (default 1)")
  Integer nodes;
  @Option(names = "--hosts", split = ",", description = "hosts to run ranks on (one node each); names other than localhost, 127.0.0.1 and "
      + "this machine's host name through ssh, with the same java and class path, sharing the job directory")
  List<String> hosts;
  @Option(names = "--ssh-option", description = "an option of the ssh that starts ranks on other hosts (repeatable, one argument each), "
      + "e.g. --ssh-option=-p2222 --ssh-option=-i/path/key --ssh-option=-oUserKnownHostsFile=/path/known_hosts")
  List<String> sshOptions = new ArrayList<>();
  @Option(names = "--tls", description = "TLS 1.3 on every connection of the job (coordinator, ranks, redundancy file servers) with a "
      + "self-signed key made for this launch (<job>/tls.p12); use it when ranks on --hosts talk over a network (docs/security.md)")
  boolean tls;
  @Option(names = "--domain", description = "failure domains of a node: NODE:level=name,... e.g. node-0:rack=r1,power=p1 (repeatable)")
  List<String> domains = new ArrayList<>();
  @Option(names = "--domain-levels", split = ",", description = "failure-domain levels, largest first, e.g. power,rack,switch "
      + "(default: the domains file's 'levels', else inferred: fewer distinct names = larger)")
  List<String> domainLevels = new ArrayList<>();
  @Option(names = "--domains-file", description = "failure domains of the nodes: a properties file with 'levels = power, rack' and "
      + "'node-0 = power=p1, rack=r1' lines; combined with --domain (a level named differently by both is an error)")
  Path domainsFile;
  @Option(names = "--job", defaultValue = "cairn-job", description = "job directory (default ${DEFAULT-VALUE}); a job restarted in it resumes from its newest global checkpoint")
  Path job;
  @Option(names = "--protocol", defaultValue = "blocking", description = "blocking, chandy-lamport, independent, logging or hierarchical (default ${DEFAULT-VALUE})")
  String protocol;
  @Option(names = "--max-restarts", defaultValue = "50", description = "processes restarted after failures before giving up (default ${DEFAULT-VALUE})")
  int maxRestarts;
  @Option(names = "--fail-timeout", defaultValue = "10", description = "seconds of missed heartbeats before a rank is declared failed (default ${DEFAULT-VALUE})")
  int failTimeout;
  @Option(names = "--timeout", defaultValue = "86400", description = "seconds before the job is killed (default ${DEFAULT-VALUE})")
  long timeout;
  @Option(names = {"-cp",
      "--classpath"}, description = "class path of the ranks' program (jars and directories separated by '"
          + "${sys:path.separator}'), put before Cairn's own: needed with java -jar cairn.jar, whose class path holds only Cairn")
  String classpath;
  @Option(names = "--allow-fallback", description = "continue from an older committed global checkpoint when the newest cannot be restored "
      + "(e.g. it has messages in flight and the job now has another number of ranks); without it such a launch fails, naming why")
  boolean allowFallback;
  @Option(names = "--recovery-timeout", defaultValue = "300", description = "seconds a recovery may take (every rank rejoined and restored) "
      + "before the job is aborted naming the missing ranks (default ${DEFAULT-VALUE})")
  int recoveryTimeout;
  @Option(names = "--jvm", description = "extra JVM option for the ranks (repeatable), e.g. --jvm=-Xmx2g")
  List<String> jvm = new ArrayList<>();
  @Parameters(arity = "1..*", paramLabel = "MAIN_AND_ARGS", description = "the ranks' main class and its arguments (or -jar app.jar ...), after --")
  List<String> command;

  @Override
  public Integer call() throws Exception {
    try {
      return launch();
    } catch (IllegalArgumentException e) { // a bad option (e.g. failure domains that disagree): nothing was started
      System.err.println("cairn launch: " + e.getMessage());
      return 2;
    } catch (IllegalStateException e) { // the job directory is in use by another launch
      System.err.println("cairn launch: " + e.getMessage());
      return 3;
    }
  }

  private int launch() throws Exception {
    Launcher.Builder b = Launcher.builder().ranks(ranks).jobDir(job).protocol(Protocol.parse(protocol)).command(command)
        .maxRestarts(maxRestarts).failTimeout(Duration.ofSeconds(failTimeout)).inheritIO(true);
    if (classpath != null) b.classpath(classpath);
    b.allowFallback(allowFallback).recoveryTimeout(Duration.ofSeconds(recoveryTimeout));
    if (hosts != null && !hosts.isEmpty()) b.hosts(hosts);
    if (tls) b.tls(true);
    if (!sshOptions.isEmpty()) {
      if (hosts == null || hosts.isEmpty()) throw new IllegalArgumentException("--ssh-option needs --hosts");
      b.sshOptions(sshOptions);
    } else if (nodes != null) b.nodes(nodes);
    for (String o : jvm) b.jvmOption(o);
    for (String d : domains) {
      int c = d.indexOf(':');
      if (c < 1)
        throw new IllegalArgumentException("--domain '" + d + "': expected NODE:kind=name,..., e.g. node-0:rack=r1");
      b.domains(d.substring(0, c), d.substring(c + 1));
    }
    if (!domainLevels.isEmpty()) b.domainLevels(domainLevels);
    if (domainsFile != null) b.domainsFile(domainsFile);
    try (Launcher.Job j = b.start()) {
      int code = j.await(Duration.ofSeconds(timeout));
      System.err.printf("cairn launch: job %s in %.1f s, %d process(es) restarted after failures%n",
          code == 0 ? "finished" : "FAILED (exit " + code + ")",
          j.elapsed(), j.restarts());
      return code;
    }
  }
}
