package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.cluster.internal.JobEnv;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ranks started by srun, mpirun or a PMI launcher: identity from their environment; rank 0 hosts the coordinator. */
class LauncherEnvTest {
  @TempDir
  Path dir;

  @Test
  void readsSlurmOpenMpiAndPmiVariables() {
    JobEnv s = JobEnv
        .detect(Map.of("SLURM_PROCID", "5", "SLURM_NTASKS", "8", "SLURM_NODEID", "2", "SLURM_JOB_ID", "1234"));
    assertThat(s.rank()).isEqualTo(5);
    assertThat(s.size()).isEqualTo(8);
    assertThat(s.node()).isEqualTo("node-2");
    assertThat(s.launcher()).isEqualTo("slurm");
    assertThat(s.jobDir()).isEqualTo(Path.of("cairn-job-1234"));
    assertThat(s.supervised()).isFalse();
    JobEnv o = JobEnv.detect(Map.of("OMPI_COMM_WORLD_RANK", "1", "OMPI_COMM_WORLD_SIZE", "2", "HOSTNAME", "n17"));
    assertThat(o.rank()).isEqualTo(1);
    assertThat(o.node()).isEqualTo("n17");
    JobEnv p = JobEnv.detect(Map.of("PMI_RANK", "0", "PMI_SIZE", "3", "HOSTNAME", "h", "CAIRN_NODE", "rack1-n3"));
    assertThat(p.size()).isEqualTo(3);
    assertThat(p.node()).isEqualTo("rack1-n3");
    JobEnv c = JobEnv.detect(Map.of("CAIRN_RANK", "2", "CAIRN_SIZE", "4", "CAIRN_NODE", "node-1", "CAIRN_SUPERVISED",
        "true", "CAIRN_INCARNATION", "3"));
    assertThat(c.supervised()).isTrue();
    assertThat(c.incarnation()).isEqualTo(3);
    assertThatThrownBy(() -> JobEnv.detect(Map.of())).hasMessageContaining("SLURM_PROCID");
    assertThatThrownBy(() -> JobEnv.detect(Map.of("CAIRN_RANK", "4", "CAIRN_SIZE", "4")))
        .hasMessageContaining("outside");
  }

  private Map<Integer, Long> srun(int n, long stopAt) throws Exception {
    Map<Integer, Long> restored = new ConcurrentHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int r = 0; r < n; r++) {
        Map<String, String> env = Map.of("SLURM_PROCID", "" + r, "SLURM_NTASKS", "" + n, "SLURM_NODEID", "" + r / 2,
            "CAIRN_JOB_DIR", dir.toString());
        fs.add(pool.submit(() -> {
          try (Rank rank = Rank.join(env)) {
            long[] step = {0};
            ParallelCheckpointer ck = rank.checkpointer();
            ck.protect("step", step);
            rank.run(() -> {
              restored.put(rank.rank(), step[0]);
              Comm c = rank.comm();
              while (step[0] < stopAt) {
                c.sendLong((c.rank() + 1) % n, 0, step[0]);
                assertThat(Comm.asLong(c.recv((c.rank() + n - 1) % n, 0))).isEqualTo(step[0]);
                step[0]++;
                if (step[0] % 4 == 0) ck.checkpoint(step[0]);
              }
            });
          }
          return null;
        }));
      }
      for (Future<?> f : fs) f.get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    return restored;
  }

  @Test
  void srunJobRestartsFromItsNewestGlobalCheckpoint() throws Exception {
    assertThat(srun(4, 10).values()).containsOnly(0L);
    // a relaunch (as after a requeue) restores step 8, the newest global checkpoint
    assertThat(srun(4, 12).values()).containsOnly(8L);
  }
}
