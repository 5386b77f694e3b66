package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.cluster.internal.JobEnv;
import io.cairn.cluster.internal.mpi.Mpi;
import io.cairn.cluster.internal.mpi.MpiRun;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which transport a rank gets, and the mpirun command line of the restart-all loop (no mpirun needed). */
class TransportChoiceTest {
  @Test
  void transportFromTheEnvironment() {
    Map<String, String> ompi = Map.of("OMPI_COMM_WORLD_RANK", "1", "OMPI_COMM_WORLD_SIZE", "4", "HOSTNAME", "n1");
    String auto = Mpi.load().isPresent() ? "mpi" : "tcp";
    assertThat(JobEnv.detect(ompi).transport()).as("under mpirun: MPI when libmpi loads").isEqualTo(auto);
    assertThat(JobEnv.detect(with(ompi, "CAIRN_TRANSPORT", "tcp")).transport()).isEqualTo("tcp");
    assertThat(JobEnv.detect(with(ompi, "CAIRN_TRANSPORT", " MPI ")).transport()).isEqualTo("mpi");
    assertThatThrownBy(() -> JobEnv.detect(with(ompi, "CAIRN_TRANSPORT", "ib")).transport())
        .hasMessageContaining("CAIRN_TRANSPORT='ib'");
    assertThat(JobEnv.detect(Map.of("SLURM_PROCID", "0", "SLURM_NTASKS", "2")).transport()).as("srun: TCP unless asked")
        .isEqualTo("tcp");
    assertThat(JobEnv.detect(Map.of("CAIRN_RANK", "0", "CAIRN_SIZE", "2")).transport()).isEqualTo("tcp");
    // srun --mpi=pmix: Slurm's PMIx plugin gives each task PMIX_RANK (= SLURM_PROCID); no OMPI_COMM_WORLD_* before MPI_Init
    Map<String, String> pmix = Map.of("SLURM_PROCID", "1", "SLURM_NTASKS", "3", "PMIX_RANK", "1", "PMIX_NAMESPACE",
        "slurm.pmix.7.0");
    assertThat(JobEnv.detect(pmix).launcher()).isEqualTo("slurm");
    assertThat(JobEnv.detect(pmix).transport()).as("srun --mpi=pmix: MPI when libmpi loads").isEqualTo(auto);
    assertThat(JobEnv.detect(with(pmix, "CAIRN_TRANSPORT", "tcp")).transport()).isEqualTo("tcp");
    assertThat(JobEnv.detect(with(pmix, "PMIX_RANK", "0")).transport())
        .as("a PMIX_RANK of another process (inherited) is not ours").isEqualTo("tcp");
    assertThatThrownBy(
        () -> JobEnv.detect(Map.of("CAIRN_RANK", "0", "CAIRN_SIZE", "2", "CAIRN_TRANSPORT", "mpi")).transport())
        .hasMessageContaining("needs ranks started by mpirun");
    // mpirun inside a batch job: the batch step's SLURM_PROCID=0 is inherited by every rank; mpirun's variables win
    JobEnv e = JobEnv.detect(with(with(ompi, "SLURM_PROCID", "0"), "SLURM_NTASKS", "1"));
    assertThat(e.launcher()).isEqualTo("openmpi");
    assertThat(e.rank()).isEqualTo(1);
    assertThat(e.size()).isEqualTo(4);
    assertThat(e.rankZeroHostsCoordinator()).isTrue();
    assertThat(e.withCoordinator("h:1").coordinator()).isEqualTo("h:1");
    assertThat(e.withCoordinator("h:1").rankZeroHostsCoordinator()).isFalse();
    // the cluster module's variables are not handed to the core engine (which rejects CAIRN_* names it does not know)
    assertThat(JobEnv.coreEnv(Map.of("CAIRN_TRANSPORT", "mpi", "CAIRN_MPI_POLL_US", "50"))).isEmpty();
  }

  @Test
  void mpirunCommandLine() {
    List<String> c = MpiRun.builder().ranks(3).jobDir(Path.of("j")).command(List.of("my.Main", "--x", "1"))
        .env("CAIRN_PROTOCOL", "blocking")
        .jvmOption("-Xmx1g").java("/jdk/bin/java").classPath("a.jar").build().commandLine();
    String line = String.join(" ", c);
    assertThat(c.getFirst()).endsWith("mpirun");
    assertThat(line).contains("--oversubscribe").contains("-np 3")
        .contains("-x CAIRN_JOB_DIR=" + Path.of("j").toAbsolutePath())
        .contains("-x CAIRN_TRANSPORT=mpi").contains("-x CAIRN_PROTOCOL=blocking")
        .endsWith("/jdk/bin/java --enable-native-access=ALL-UNNAMED -cp a.jar -Xmx1g my.Main --x 1");
    assertThat(String.join(" ",
        MpiRun.builder().ranks(2).jobDir(Path.of("j")).command(List.of("M")).env("CAIRN_TRANSPORT", "tcp")
            .oversubscribe(false).build().commandLine()))
        .contains("-x CAIRN_TRANSPORT=tcp").doesNotContain("CAIRN_TRANSPORT=mpi")
        .doesNotContain("--oversubscribe");
    assertThatThrownBy(() -> MpiRun.builder().ranks(2).command(List.of("M")).build())
        .hasMessageContaining("job directory");
  }

  private static Map<String, String> with(Map<String, String> m, String k, String v) {
    Map<String, String> c = new java.util.HashMap<>(m);
    c.put(k, v);
    return c;
  }
}
