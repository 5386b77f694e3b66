package io.cairn.cli.dashboard;

import io.cairn.dashboard.Dashboard;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn serve}: the read-only web dashboard (module dashboard; docs/dashboard.md). */
@Command(name = "serve", mixinStandardHelpOptions = true, description = {
    "A read-only web dashboard of a checkpoint directory or a parallel job's directory, updating live: runs and their "
        + "versions per level, checkpoint and restore times, the interval policy, a job's ranks, global versions and recoveries, "
        + "and the reports of cairn bench, simulate and advise. Listens on 127.0.0.1 unless --bind says otherwise (then --token-file "
        + "is required). See docs/dashboard.md."})
public final class ServeCommand implements Callable<Integer> {
  @Option(names = "--dir", defaultValue = "cairn-data", description = "checkpoint directory (a program's --dir) or job directory (default ${DEFAULT-VALUE})")
  Path dir;
  @Option(names = "--port", defaultValue = "8080", description = "port (default ${DEFAULT-VALUE}; 0: any free one)")
  int port;
  @Option(names = "--bind", defaultValue = "127.0.0.1", description = "address to listen on (default ${DEFAULT-VALUE}); any other than a loopback address needs --token-file")
  String bind;
  @Option(names = "--token-file", description = "private file (mode 0600) with the token a browser must present: open the page once "
      + "with ?token=TOKEN (kept in a cookie), or send 'Authorization: Bearer TOKEN'")
  Path tokenFile;
  @Option(names = "--config", description = "the program's configuration file (levels and their paths), when not the defaults")
  Path config;
  @Option(names = "--name", description = "a run to show even when its level cannot be listed (e.g. an s3 level); repeatable")
  List<String> names;
  @Option(names = "--reports", description = "another directory with reports of cairn bench, simulate or advise; repeatable")
  List<Path> reports;

  @Override
  public Integer call() throws Exception {
    Dashboard.Builder b = Dashboard.builder(dir).bind(bind).port(port);
    if (tokenFile != null) b.tokenFile(tokenFile);
    if (config != null) b.config(config);
    if (names != null) names.forEach(b::name);
    if (reports != null) reports.forEach(b::reports);
    Dashboard d = b.start();
    Runtime.getRuntime().addShutdownHook(new Thread(d::close, "cairn-serve-stop"));
    System.out.println(
        "cairn serve: " + d.uri() + " (read-only view of " + dir.toAbsolutePath().normalize() + "; Ctrl-C stops)");
    System.out.flush();
    d.join();
    return 0;
  }
}
