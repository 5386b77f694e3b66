package io.cairn.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cli.CliRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cairn launch} refuses bad options (failure domains that disagree, ssh options without hosts) before it starts anything. */
class LaunchCommandTest {
  @TempDir
  Path tmp;

  @Test
  void domainsThatDisagreeAreRefusedNamingTheNode() throws Exception {
    Path f = Files.writeString(tmp.resolve("domains.properties"),
        "levels = power, rack\nnode-0 = power=p1, rack=r1\nnode-1 = power=p2, rack=r2\n");
    Path job = tmp.resolve("job");
    CliRunner.Result r = CliRunner.run("launch", "-n", "2", "--nodes", "2", "--job", job.toString(), "--domains-file",
        f.toString(),
        "--domain", "node-1:rack=r7", "--", "io.cairn.cluster.examples.Heat");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("cairn launch: failure domains of node 'node-1': rack is 'r2' in the domains file " + f
        + " but 'r7' in --domain");
    assertThat(job.resolve("logs")).doesNotExist(); // nothing was started
    CliRunner.Result levels = CliRunner.run("launch", "-n", "2", "--nodes", "2", "--job", job.toString(),
        "--domains-file", f.toString(),
        "--domain-levels", "rack,power", "--", "io.cairn.cluster.examples.Heat");
    assertThat(levels.code()).isEqualTo(2);
    assertThat(levels.err()).contains("levels disagree");
    CliRunner.Result unknown = CliRunner.run("launch", "-n", "2", "--nodes", "2", "--job", job.toString(), "--domain",
        "node-4:rack=r1",
        "--", "io.cairn.cluster.examples.Heat");
    assertThat(unknown.err()).contains("'node-4' is not a node of this job (its nodes are [node-0, node-1])");
  }

  @Test
  void sshOptionsNeedHosts() throws Exception {
    Path job = tmp.resolve("job");
    CliRunner.Result r = CliRunner.run("launch", "-n", "2", "--nodes", "2", "--job", job.toString(),
        "--ssh-option=-p2222",
        "--", "io.cairn.cluster.examples.Heat");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--ssh-option needs --hosts");
    assertThat(job.resolve("logs")).doesNotExist();
  }

  /** Help lists of subcommands show whole sentences, not the first line of a description wrapped in the source. */
  @Test
  void helpListsWholeSentences() throws Exception {
    String top = CliRunner.run("--help").out().replaceAll("\\s+", " ");
    assertThat(top).contains(
        "launch Starts N ranks of a Java program (child JVMs) and a coordinator, and supervises them: a rank or the coordinator"
            + " that dies is started again and the job rolls back to its newest committed global checkpoint.");
    String cluster = CliRunner.run("cluster", "--help").out().replaceAll("\\s+", " ");
    assertThat(cluster).contains(
        "demo Runs the distributed heat-diffusion example (halo exchange) with N ranks over 2 simulated nodes,");
    assertThat(CliRunner.run("--help").out()).as("lines end between words").doesNotContain("sta\n")
        .doesNotContain("sever al");
  }

  /** {@code launch --classpath} gives the ranks the program's classes (with java -jar cairn.jar they only see Cairn). */
  @Test
  void classpathReachesTheRanks() throws Exception {
    Path src = Files.createDirectories(tmp.resolve("src/demo"));
    Files.writeString(src.resolve("Hello.java"),
        "package demo; public class Hello { public static void main(String[] a) throws Exception {"
            + " java.nio.file.Files.writeString(java.nio.file.Path.of(System.getenv(\"CAIRN_JOB_DIR\"), \"hello-\" + System.getenv(\"CAIRN_RANK\")), \"hi\"); } }");
    Path classes = Files.createDirectories(tmp.resolve("classes"));
    assertThat(javax.tools.ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(),
        src.resolve("Hello.java").toString()))
        .isZero();
    Path job = tmp.resolve("cp-job");
    CliRunner.Result without = CliRunner.run("launch", "-n", "1", "--job", job.toString(), "--", "demo.Hello");
    assertThat(without.code()).isNotZero();
    assertThat(without.err()).contains("Could not find or load main class demo.Hello").contains("--classpath");
    CliRunner.Result with = CliRunner.run("launch", "-n", "2", "--job", job.toString(), "--classpath",
        classes.toString(), "--", "demo.Hello");
    assertThat(with.code()).as(with.err()).isZero();
    assertThat(job.resolve("hello-0")).exists();
    assertThat(job.resolve("hello-1")).exists();
  }
}
