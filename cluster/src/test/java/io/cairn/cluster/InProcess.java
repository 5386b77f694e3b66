package io.cairn.cluster;

import io.cairn.cluster.internal.Coordinator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Runs the ranks of a job as threads of the test JVM (fast; no failures can be injected this way). */
final class InProcess {
  private InProcess() {}

  static Map<String, String> env(Path dir, int rank, int size, int port, Protocol p) {
    Map<String, String> e = new HashMap<>();
    e.put("CAIRN_RANK", "" + rank);
    e.put("CAIRN_SIZE", "" + size);
    e.put("CAIRN_NODE", "node-" + rank % 2);
    e.put("CAIRN_DOMAINS", "rack=r" + rank % 2 + ",power=p0");
    e.put("CAIRN_JOB_DIR", dir.toString());
    e.put("CAIRN_COORD", "127.0.0.1:" + port);
    e.put("CAIRN_SUPERVISED", "true");
    e.put("CAIRN_PROTOCOL", p.id());
    return e;
  }

  /** Runs {@code body} on {@code size} rank threads with a coordinator thread; rethrows the first failure. */
  static void run(Path dir, int size, Protocol p, Consumer<Rank> body) throws Exception {
    run(dir, size, p, (r, e) -> {}, body);
  }

  /** Like {@link #run(Path, int, Protocol, Consumer)}, with each rank's environment changed by {@code tweak(rank, env)} first. */
  static void run(Path dir, int size, Protocol p, java.util.function.BiConsumer<Integer, Map<String, String>> tweak,
      Consumer<Rank> body) throws Exception {
    java.nio.file.Files.deleteIfExists(dir.resolve("finished")); // a new launch of the job, as the launcher does
    java.nio.file.Files.deleteIfExists(dir.resolve(Coordinator.ABORTED));
    try (Coordinator c = new Coordinator(dir, size, true, 10_000, "127.0.0.1", null)) {
      Thread ct = Thread.ofPlatform().daemon(true).start(c);
      ExecutorService pool = Executors.newFixedThreadPool(size);
      try {
        List<Future<?>> fs = new ArrayList<>();
        for (int r = 0; r < size; r++) {
          Map<String, String> e = env(dir, r, size, c.port(), p);
          tweak.accept(r, e);
          fs.add(pool.submit(() -> {
            try (Rank rank = Rank.join(e)) {
              body.accept(rank);
            }
            return null;
          }));
        }
        for (Future<?> f : fs) f.get(60, TimeUnit.SECONDS);
      } finally {
        pool.shutdownNow();
        c.close();
        ct.join(5_000);
      }
    }
  }
}
