package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.cluster.internal.Domains;
import io.cairn.cluster.internal.GlobalManifest;
import io.cairn.cluster.internal.JobEnv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One table of failure domains: the file, per-node specs and declared levels combined, or refused with the node named. */
class DomainsTest {
  @TempDir
  Path dir;

  private static final String FILE = """
      levels = power, rack
      node-0 = power=p1, rack=r1
      node-1 = power=p1, rack=r2
      node-2 = power=p2, rack=r3
      """;

  private Path file(String text) throws Exception { return Files.writeString(dir.resolve("domains.properties"), text); }

  @Test
  void parsesTheFileAndNodeSpecs() {
    Domains d = Domains.parseFile(FILE, "f.properties");
    assertThat(d.levels()).containsExactly("power", "rack");
    assertThat(d.of("node-2")).isEqualTo(Map.of("power", "p2", "rack", "r3"));
    assertThat(d.of("node-9")).isEmpty();
    assertThat(Domains.parseSpec(" rack=r1 , power=p1", "x")).isEqualTo(Map.of("rack", "r1", "power", "p1"));
    assertThat(Domains.spec(Map.of("rack", "r1", "power", "p1", "node", "n"))).isEqualTo("power=p1,rack=r1");
    assertThatThrownBy(() -> Domains.parseFile("node-0 = rack=r1", "f.properties")).hasMessageContaining("f.properties")
        .hasMessageContaining("'levels'");
    assertThatThrownBy(() -> Domains.parseFile("levels = rack\nnode-0 = row=1", "f.properties"))
        .hasMessageContaining("f.properties: node 'node-0': unknown level 'row'");
    assertThatThrownBy(() -> Domains.parseSpec("rack=r 1", "--domain node-0")).hasMessageContaining("--domain node-0")
        .hasMessageContaining("rack=r 1");
    assertThatThrownBy(() -> Domains.parseSpec("node=n2", "CAIRN_DOMAINS")).hasMessageContaining("'node' is implicit");
    assertThatThrownBy(() -> Domains.parseSpec("rack=a,rack=b", "CAIRN_DOMAINS"))
        .hasMessageContaining("level 'rack' is given twice");
    assertThatThrownBy(() -> Domains.parseLevels("power,rack,power", "--domain-levels"))
        .hasMessageContaining("'power' is listed twice");
    assertThatThrownBy(() -> Domains.parseLevels("rack,node", "--domain-levels"))
        .hasMessageContaining("'node' is implicit");
  }

  @Test
  void fileAndPerNodeDomainsAreCombinedAndADisagreementNamesTheNode() {
    Domains f = Domains.parseFile(FILE, "f.properties");
    // --domain adds a node and completes another: the union
    Domains all = Domains.resolve(f, "the domains file f",
        Map.of("node-3", Map.of("power", "p2", "rack", "r4"), "node-0", Map.of("rack", "r1")),
        "--domain", List.of(), "--domain-levels");
    assertThat(all.levels()).containsExactly("power", "rack");
    assertThat(all.of("node-3")).isEqualTo(Map.of("power", "p2", "rack", "r4"));
    assertThat(all.of("node-0")).isEqualTo(Map.of("power", "p1", "rack", "r1"));
    // the same level of the same node named differently: refused, naming node, level, values and sources
    assertThatThrownBy(() -> Domains.resolve(f, "the domains file f", Map.of("node-1", Map.of("rack", "r7")),
        "--domain", List.of(), "--domain-levels"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("node 'node-1'")
        .hasMessageContaining("rack is 'r2' in the domains file f but 'r7' in --domain");
    // declared levels must agree with the file's
    assertThatThrownBy(() -> Domains.resolve(f, "the domains file f", Map.of(), "--domain", List.of("rack", "power"),
        "--domain-levels"))
        .hasMessageContaining("levels disagree").hasMessageContaining("[power, rack]")
        .hasMessageContaining("--domain-levels [rack, power]");
    // with levels declared, a level outside them is refused
    assertThatThrownBy(() -> Domains.resolve(Domains.NONE, "no file", Map.of("node-0", Map.of("row", "7")),
        "CAIRN_DOMAINS", List.of("rack"), "CAIRN_DOMAIN_LEVELS"))
        .hasMessageContaining("node 'node-0'").hasMessageContaining(
            "level 'row' (from CAIRN_DOMAINS) is not one of the levels [rack] declared by CAIRN_DOMAIN_LEVELS");
  }

  @Test
  void undeclaredLevelsAreInferredFewerDistinctNamesFirst() {
    List<Map<String, String>> table = List.of(
        Map.of("node", "n0", "rack", "r1", "power", "p1", "switch", "s1"),
        Map.of("node", "n1", "rack", "r1", "power", "p1", "switch", "s2"),
        Map.of("node", "n2", "rack", "r2", "power", "p1", "switch", "s3"),
        Map.of("node", "n3", "rack", "r3", "power", "p2", "switch", "s4"));
    assertThat(Domains.order(List.of(), table)).containsExactly("power", "rack", "switch");
    // ties: by name; declared levels win over the rule
    assertThat(Domains.order(List.of(), List.of(Map.of("b", "1", "a", "1")))).containsExactly("a", "b");
    assertThat(Domains.order(List.of("switch", "rack", "power"), table)).containsExactly("switch", "rack", "power");
    assertThat(Domains.order(List.of(), List.of(Map.of("node", "n0")))).isEmpty();
  }

  @Test
  void aRankReadsTheFileAndCairnDomainsOfItsNode() throws Exception {
    Path f = file(FILE);
    Map<String, String> env = new HashMap<>(Map.of("CAIRN_RANK", "1", "CAIRN_SIZE", "4", "CAIRN_NODE", "node-1",
        "CAIRN_CLUSTER_DOMAINS", f.toString(), "CAIRN_DOMAINS", "rack=r2"));
    JobEnv e = JobEnv.detect(env);
    assertThat(e.domains()).isEqualTo(Map.of("node", "node-1", "power", "p1", "rack", "r2"));
    assertThat(e.domainLevels()).containsExactly("power", "rack");
    assertThat(e.domainSpec()).isEqualTo("power=p1,rack=r2");
    env.put("CAIRN_DOMAINS", "rack=r5");
    assertThatThrownBy(() -> JobEnv.detect(env)).hasMessageContaining("rank 1 on node node-1")
        .hasMessageContaining("node 'node-1'")
        .hasMessageContaining(
            "rack is 'r2' in the domains file " + f + " (CAIRN_CLUSTER_DOMAINS) but 'r5' in CAIRN_DOMAINS");
    env.put("CAIRN_DOMAINS", "rack=r2");
    env.put("CAIRN_DOMAIN_LEVELS", "rack");
    assertThatThrownBy(() -> JobEnv.detect(env)).hasMessageContaining("levels disagree");
    // without a file: CAIRN_DOMAINS and CAIRN_DOMAIN_LEVELS alone
    JobEnv s = JobEnv.detect(
        Map.of("SLURM_PROCID", "0", "SLURM_NTASKS", "2", "SLURMD_NODENAME", "c17", "CAIRN_DOMAINS", "rack=r3,power=p2",
            "CAIRN_DOMAIN_LEVELS", "power,rack"));
    assertThat(s.domains()).isEqualTo(Map.of("node", "c17", "power", "p2", "rack", "r3"));
    assertThat(s.domainLevels()).containsExactly("power", "rack");
    assertThat(JobEnv.detect(Map.of("CAIRN_RANK", "0", "CAIRN_SIZE", "1")).domains())
        .isEqualTo(Map.of("node", "node-0"));
  }

  @Test
  void theLauncherCombinesItsSourcesIntoOneTable() throws Exception {
    Path f = file(FILE);
    Launcher.Builder b = Launcher.builder().ranks(4).nodes(4).domainsFile(f).domains("node-3", "power=p2,rack=r4")
        .domains("node-3", "rack=r4");
    Domains d = b.resolveDomains(Map.of());
    assertThat(d.levels()).containsExactly("power", "rack");
    assertThat(d.of("node-1")).isEqualTo(Map.of("power", "p1", "rack", "r2"));
    assertThat(d.of("node-3")).isEqualTo(Map.of("power", "p2", "rack", "r4"));
    // CAIRN_CLUSTER_DOMAINS of the launcher's environment is the same file
    assertThat(Launcher.builder().ranks(4).nodes(4).resolveDomains(Map.of("CAIRN_CLUSTER_DOMAINS", f.toString())))
        .isEqualTo(
            Launcher.builder().ranks(4).nodes(4).domainsFile(f).resolveDomains(Map.of()));
    assertThat(Launcher.builder().ranks(2).nodes(2).domains("node-0", "rack=a").domainLevels(List.of("rack"))
        .resolveDomains(Map.of()).levels())
        .containsExactly("rack");
    // disagreements: refused before anything starts, naming the node
    assertThatThrownBy(
        () -> Launcher.builder().ranks(4).nodes(4).domainsFile(f).domains("node-2", "rack=r9").resolveDomains(Map.of()))
        .hasMessageContaining("node 'node-2'")
        .hasMessageContaining("rack is 'r3' in the domains file " + f + " but 'r9' in --domain");
    assertThatThrownBy(() -> Launcher.builder().domains("node-0", "rack=a").domains("node-0", "rack=b"))
        .hasMessageContaining("node 'node-0'").hasMessageContaining("'a'").hasMessageContaining("'b'");
    assertThatThrownBy(() -> Launcher.builder().ranks(4).nodes(4).domainsFile(f).domainLevels(List.of("rack"))
        .resolveDomains(Map.of()))
        .hasMessageContaining("levels disagree");
    assertThatThrownBy(() -> Launcher.builder().ranks(2).nodes(2).domains("node-5", "rack=a").resolveDomains(Map.of()))
        .hasMessageContaining("'node-5' is not a node of this job");
    assertThatThrownBy(() -> Launcher.builder().ranks(2).nodes(2).domainsFile(f)
        .resolveDomains(Map.of("CAIRN_CLUSTER_DOMAINS", "/elsewhere")))
        .hasMessageContaining("two domains files");
    assertThatThrownBy(
        () -> Launcher.builder().ranks(2).nodes(2).env("CAIRN_DOMAINS", "rack=a").resolveDomains(Map.of()))
        .hasMessageContaining("domains(node, spec)");
    assertThatThrownBy(() -> Launcher.builder().command(List.of("x")).domainsFile(dir.resolve("missing")).start())
        .hasMessageContaining("cannot read failure domains from");
  }

  @Test
  void theManifestRecordsTheDomainsOfEachGlobalVersion() throws Exception {
    GlobalManifest.append(dir,
        new GlobalManifest.Entry(1, 2, "blocking", 0, 1000, new long[]{1, 1}, new String[]{"node-0", "node-1"}));
    GlobalManifest.append(dir,
        new GlobalManifest.Entry(2, 2, "blocking", 5, 2000, new long[]{2, 2}, new String[]{"node-0", "node-1"},
            new String[]{"power=p1,rack=r1", ""}, new String[]{"power", "rack"}));
    List<GlobalVersion> gs = GlobalVersion.list(dir);
    assertThat(gs.get(0).domains()).containsExactly(Map.of("node", "node-0"), Map.of("node", "node-1"));
    assertThat(gs.get(0).domainLevels()).isEmpty();
    assertThat(gs.get(1).domains()).containsExactly(Map.of("node", "node-0", "power", "p1", "rack", "r1"),
        Map.of("node", "node-1"));
    assertThat(gs.get(1).domainLevels()).containsExactly("power", "rack");
    // an entry without domains keeps the original format
    assertThat(Files.readString(GlobalManifest.file(dir))).contains("nodes node-0,node-1\n")
        .contains("nodes node-0,node-1 domains power=p1,rack=r1; levels power,rack\n");
  }

  @Test
  void everyRankSeesTheTableAndTheDeclaredLevelsAndCommitsRecordThem() throws Exception {
    Map<Integer, Object> levels = new ConcurrentHashMap<>();
    InProcess.run(dir, 4, Protocol.BLOCKING, (r, e) -> e.put("CAIRN_DOMAIN_LEVELS", "rack,power"), rank -> {
      long[] step = {0};
      rank.checkpointer().protect("step", step);
      rank.run(() -> {
        levels.put(rank.rank(), rank.comm().domainLevels());
        step[0] = 1;
        rank.checkpointer().checkpoint(1);
      });
    });
    assertThat(levels.values()).containsOnly(List.of("rack", "power"));
    GlobalVersion g = GlobalVersion.list(dir).getLast();
    assertThat(g.domainLevels()).containsExactly("rack", "power");
    assertThat(g.domains().get(3)).isEqualTo(Map.of("node", "node-1", "rack", "r1", "power", "p0"));
  }

  @Test
  void ranksOfOneNodeThatDisagreeAbortTheJobNamingTheNode() {
    assertThatThrownBy(() -> InProcess.run(dir, 2, Protocol.BLOCKING, (r, e) -> {
      e.put("CAIRN_NODE", "node-0");
      e.put("CAIRN_DOMAINS", "rack=r" + r);
      e.put("CAIRN_COORD_TIMEOUT_MS", "5000");
    }, rank -> rank.run(() -> {})))
        .isInstanceOf(ExecutionException.class)
        .hasMessageContaining("both on node node-0 but give it different failure domains");
    assertThat(dir.resolve(io.cairn.cluster.internal.Coordinator.ABORTED)).exists();
  }
}
