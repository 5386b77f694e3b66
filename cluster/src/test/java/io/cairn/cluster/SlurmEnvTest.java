package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cluster.internal.JobEnv;
import io.cairn.cluster.internal.SlurmEnv;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a rank started by srun reads from Slurm (the real srun runs in the slurm module's SrunTest). */
class SlurmEnvTest {
  @Test
  void nodeNameAndTopologyBecomeFailureDomains() {
    JobEnv e = JobEnv
        .detect(Map.of("SLURM_PROCID", "1", "SLURM_NTASKS", "4", "SLURMD_NODENAME", "n17", "SLURM_NODEID", "3",
            "SLURM_TOPOLOGY_ADDR", "core.leaf2.n17", "SLURM_TOPOLOGY_ADDR_PATTERN", "switch.switch.node"));
    assertThat(e.launcher()).isEqualTo("slurm");
    assertThat(e.node()).isEqualTo("n17");
    assertThat(e.domains()).containsEntry("switch1", "core").containsEntry("switch2", "leaf2").containsEntry("node",
        "n17");
    assertThat(e.domainLevels()).containsExactly("switch1", "switch2");
  }

  @Test
  void topologyPatterns() {
    assertThat(SlurmEnv.topologyDomains("s0.vm", "switch.node")).containsExactly(Map.entry("switch", "s0"));
    assertThat(SlurmEnv.topologyDomains("b3.n1", "block.node")).containsExactly(Map.entry("block", "b3"));
    assertThat(SlurmEnv.topologyDomains("vm", "node")).isEmpty();
    assertThat(SlurmEnv.topologyDomains(null, null)).isEmpty();
  }

  @Test
  void theJobsOwnDomainsWinOverTheTopology() {
    JobEnv e = JobEnv.detect(
        Map.of("SLURM_PROCID", "0", "SLURM_NTASKS", "2", "SLURMD_NODENAME", "n1", "SLURM_TOPOLOGY_ADDR", "s0.n1",
            "SLURM_TOPOLOGY_ADDR_PATTERN", "switch.node", "CAIRN_DOMAINS", "rack=r4"));
    assertThat(e.domains()).containsEntry("rack", "r4").doesNotContainKey("switch");
    JobEnv noNodeName = JobEnv.detect(Map.of("SLURM_PROCID", "0", "SLURM_NTASKS", "2", "SLURM_NODEID", "5"));
    assertThat(noNodeName.node()).isEqualTo("node-5");
    assertThat(noNodeName.domainLevels()).isEqualTo(List.of());
  }
}
