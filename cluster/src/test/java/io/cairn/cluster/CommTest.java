package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommTest {
  @TempDir
  Path dir;

  @Test
  void pointToPointTagsAndCollectives() throws Exception {
    int n = 4;
    Map<String, Object> got = new ConcurrentHashMap<>();
    InProcess.run(dir, n, Protocol.BLOCKING, rank -> rank.run(() -> {
      Comm c = rank.comm();
      int me = c.rank();
      int right = (me + 1) % n;
      int left = (me + n - 1) % n;
      // tags select messages: tag 2 is sent first but received second
      c.send(right, 2, ("two from " + me).getBytes(StandardCharsets.UTF_8));
      c.send(right, 1, ("one from " + me).getBytes(StandardCharsets.UTF_8));
      Message one = c.recv(left, 1);
      Message two = c.recv(Comm.ANY_SOURCE, 2);
      got.put("one" + me, new String(one.data(), StandardCharsets.UTF_8));
      got.put("two" + me, new String(two.data(), StandardCharsets.UTF_8) + "@" + two.source());
      // FIFO per channel
      for (int i = 0; i < 50; i++) c.sendLong(right, 3, i);
      for (int i = 0; i < 50; i++) assertThat(Comm.asLong(c.recv(left, 3))).isEqualTo(i);
      c.barrier();
      byte[] b = c.broadcast(2, me == 2 ? new byte[]{42} : null);
      got.put("bcast" + me, (int) b[0]);
      got.put("sum" + me, c.allreduceLong(me + 1, Long::sum));
      got.put("max" + me, c.allreduceDouble(me * 0.5, Math::max));
      assertThat(c.poll(Comm.ANY_SOURCE, Comm.ANY_TAG)).isEmpty();
      got.put("nodes" + me, c.nodes());
      got.put("domains" + me, c.domains());
      got.put("mine" + me, rank.domains());
      got.put("levels" + me, c.domainLevels());
    }));
    for (int r = 0; r < n; r++) {
      assertThat(got.get("one" + r)).isEqualTo("one from " + (r + n - 1) % n);
      assertThat(got.get("two" + r)).isEqualTo("two from " + (r + n - 1) % n + "@" + (r + n - 1) % n);
      assertThat(got.get("bcast" + r)).isEqualTo(42);
      assertThat(got.get("sum" + r)).isEqualTo(10L);
      assertThat(got.get("max" + r)).isEqualTo(1.5);
      assertThat(got.get("nodes" + r)).isEqualTo(java.util.List.of("node-0", "node-1", "node-0", "node-1"));
      assertThat(got.get("mine" + r)).isEqualTo(Map.of("node", "node-" + r % 2, "rack", "r" + r % 2, "power", "p0"));
      assertThat(((java.util.List<?>) got.get("domains" + r)).get(3))
          .isEqualTo(Map.of("node", "node-1", "rack", "r1", "power", "p0"));
      // not declared: inferred, the level with fewer distinct names (power: 1, rack: 2) is the larger
      assertThat(got.get("levels" + r)).isEqualTo(java.util.List.of("power", "rack"));
    }
  }

  @Test
  void restartOfTheWholeJobRestoresTheNewestGlobalVersion() throws Exception {
    int n = 3;
    // first run: counts to 7, checkpoints at 5 with a message in flight on every channel, then "crashes" (stops early)
    InProcess.run(dir, n, Protocol.CHANDY_LAMPORT, rank -> {
      long[] counter = {0};
      ParallelCheckpointer ck = rank.checkpointer();
      ck.protect("counter", counter);
      rank.run(() -> {
        Comm c = rank.comm();
        while (counter[0] < 7) {
          counter[0]++;
          if (counter[0] == 5) {
            c.sendLong((c.rank() + 1) % n, 9, 100 + c.rank()); // in flight at the checkpoint
            ck.checkpoint(5);
            c.recv(Comm.ANY_SOURCE, 9);
            // wait for the background commit so that the test knows what is committed
            ck.awaitCommitted(ck.lastGlobal());
          }
        }
      });
    });
    // second run: restores global version of step 5, gets the in-flight message delivered again
    Map<Integer, Long> redelivered = new ConcurrentHashMap<>();
    Map<Integer, Long> restored = new ConcurrentHashMap<>();
    InProcess.run(dir, n, Protocol.CHANDY_LAMPORT, rank -> {
      long[] counter = {0};
      ParallelCheckpointer ck = rank.checkpointer();
      ck.protect("counter", counter);
      rank.run(() -> {
        restored.put(rank.rank(), counter[0]);
        redelivered.put(rank.rank(), Comm.asLong(rank.comm().recv(Comm.ANY_SOURCE, 9)));
      });
    });
    for (int r = 0; r < n; r++) {
      assertThat(restored.get(r)).isEqualTo(5L);
      assertThat(redelivered.get(r)).isEqualTo(100L + (r + n - 1) % n);
    }
  }

  @Test
  void independentModeRestoresEachRanksOwnNewestVersion() throws Exception {
    int n = 3;
    for (int run = 0; run < 2; run++) {
      Map<Integer, Long> start = new ConcurrentHashMap<>();
      long until = run == 0 ? 4 + 0 : 9;
      InProcess.run(dir, n, Protocol.INDEPENDENT, rank -> {
        long[] counter = {0};
        ParallelCheckpointer ck = rank.checkpointer();
        ck.protect("counter", counter);
        rank.run(() -> {
          start.put(rank.rank(), counter[0]);
          long stop = until + rank.rank(); // ranks stop at different points: no coordination
          while (counter[0] < stop) {
            counter[0]++;
            ck.checkpoint(counter[0]);
          }
        });
      });
      for (int r = 0; r < n; r++) assertThat(start.get(r)).isEqualTo(run == 0 ? 0 : 4L + r);
    }
    assertThat(io.cairn.cluster.internal.GlobalManifest.read(dir)).isEmpty();
  }
}
