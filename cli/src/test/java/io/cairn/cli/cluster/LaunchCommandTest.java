package io.cairn.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cli.CliRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cairn launch} refuses bad options (failure domains that disagree, ssh options without hosts) before it starts anything. */
class LaunchCommandTest {
  @TempDir Path tmp;

  @Test void domainsThatDisagreeAreRefusedNamingTheNode() throws Exception {
    Path f = Files.writeString(tmp.resolve("domains.properties"), "levels = power, rack\nnode-0 = power=p1, rack=r1\nnode-1 = power=p2, rack=r2\n");
    Path job = tmp.resolve("job");
    CliRunner.Result r = CliRunner.run("launch", "-n", "2", "--nodes", "2", "--job", job.toString(), "--domains-file", f.toString(),
        "--domain", "node-1:rack=r7", "--", "io.cairn.cluster.examples.Heat");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("cairn launch: failure domains of node 'node-1': rack is 'r2' in the domains file " + f + " but 'r7' in --domain");
    assertThat(job.resolve("logs")).doesNotExist(); // nothing was started
    CliRunner.Result levels = CliRunner.run("launch", "-n", "2", "--nodes", "2", "--job", job.toString(), "--domains-file", f.toString(),
        "--domain-levels", "rack,power", "--", "io.cairn.cluster.examples.Heat");
    assertThat(levels.code()).isEqualTo(2);
    assertThat(levels.err()).contains("levels disagree");
    CliRunner.Result unknown = CliRunner.run("launch", "-n", "2", "--nodes", "2", "--job", job.toString(), "--domain", "node-4:rack=r1",
        "--", "io.cairn.cluster.examples.Heat");
    assertThat(unknown.err()).contains("'node-4' is not a node of this job (its nodes are [node-0, node-1])");
  }

  @Test void sshOptionsNeedHosts() throws Exception {
    Path job = tmp.resolve("job");
    CliRunner.Result r = CliRunner.run("launch", "-n", "2", "--nodes", "2", "--job", job.toString(), "--ssh-option=-p2222",
        "--", "io.cairn.cluster.examples.Heat");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--ssh-option needs --hosts");
    assertThat(job.resolve("logs")).doesNotExist();
  }
}
