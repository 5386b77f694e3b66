package io.cairn.internal.engine;

import io.cairn.CairnException;
import io.cairn.Version;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The background writer of asynchronous checkpoints: one thread writes them in order; each has a
 * future the program may wait on. A failure completes its future and is kept until the program is
 * told (at its next checkpoint, {@code due()} or {@code close()}). At JVM exit, checkpoints in flight
 * get 30 seconds to commit.
 */
final class AsyncFlusher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AsyncFlusher.class);

  private final String run;
  private final ExecutorService thread;
  private final TreeMap<Long, CompletableFuture<Version>> inFlight = new TreeMap<>();
  /** Background checkpoints that failed and were not yet reported to the program (each is also on its future and logged). */
  private final List<Failed> unreported = new ArrayList<>();
  private final Thread shutdownHook;

  private record Failed(long version, Throwable error) {}

  AsyncFlusher(String run) {
    this.run = run;
    this.thread = Executors
        .newSingleThreadExecutor(Thread.ofPlatform().name("cairn-flush-" + run).daemon(true).factory());
    this.shutdownHook = new Thread(this::drainAtExit, "cairn-drain-" + run);
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * Writes version {@code v} in the background: {@code write} gives the committed version;
   * {@code cleanup} runs after it whatever happens, before anyone waiting on the future wakes up.
   */
  CompletableFuture<Version> submit(long v, Supplier<Version> write, Runnable cleanup) {
    CompletableFuture<Version> f = new CompletableFuture<>();
    synchronized (inFlight) {
      inFlight.put(v, f);
    }
    thread.execute(() -> {
      Version ver = null;
      Throwable err = null;
      try {
        ver = write.get();
      } catch (StagedCapture.Abandoned e) {
        err = e; // the capture failed: checkpoint() told the program already
        log.debug("background checkpoint {} of '{}' abandoned: {}", v, run, e.getMessage());
      } catch (Throwable e) {
        err = e;
        synchronized (unreported) {
          unreported.add(new Failed(v, e));
        }
        log.error("background checkpoint {} of '{}' failed: {}", v, run, e.getMessage());
      } finally {
        cleanup.run();
        synchronized (inFlight) {
          inFlight.remove(v);
        }
      }
      // staging memory is released before anyone waiting on the future wakes up
      if (err == null) f.complete(ver);
      else
        f.completeExceptionally(err);
    });
    return f;
  }

  /** Every background failure not yet reported, in one exception (the others suppressed in it); null when none. */
  CairnException failures(String when) {
    List<Failed> all;
    synchronized (unreported) {
      if (unreported.isEmpty()) return null;
      all = new ArrayList<>(unreported);
      unreported.clear();
    }
    CairnException e;
    if (all.size() == 1) {
      Failed f = all.getFirst();
      e = new CairnException(
          "a background checkpoint failed" + when + " (version " + f.version() + "): " + f.error().getMessage()
              + " (older committed versions are intact)",
          f.error());
    } else {
      StringBuilder sb = new StringBuilder(
          all.size() + " background checkpoints failed" + when + " (older committed versions are intact):");
      for (Failed f : all) sb.append("\n  checkpoint ").append(f.version()).append(": ").append(f.error().getMessage());
      e = new CairnException(sb.toString(), all.getFirst().error());
      for (Failed f : all.subList(1, all.size())) e.addSuppressed(f.error());
    }
    return e;
  }

  /** Waits for background checkpoints (all of them, or until the timeout); returns those not committed. */
  List<Long> drain(long timeoutMillis) {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    List<Long> left = new ArrayList<>();
    List<Map.Entry<Long, CompletableFuture<Version>>> pending;
    synchronized (inFlight) {
      pending = new ArrayList<>(inFlight.entrySet());
    }
    for (var e : pending) {
      try {
        e.getValue().get(Math.max(0, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
      } catch (TimeoutException ex) {
        left.add(e.getKey());
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        left.add(e.getKey());
      } catch (ExecutionException ex) {
        // reported through failures()
      }
    }
    return left;
  }

  private void drainAtExit() {
    List<Long> left = drain(30_000);
    if (!left.isEmpty())
      log.warn("exiting with checkpoints {} of '{}' not committed (abandoned); committed versions are intact", left,
          run);
  }

  /** Waits for every checkpoint in flight and stops the thread (failures stay to be reported). */
  @Override
  public void close() {
    List<Long> left = drain(Long.MAX_VALUE / 4);
    if (!left.isEmpty()) log.warn("close: checkpoints {} abandoned", left);
    thread.shutdown();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException ignored) {
      // already shutting down
    }
  }
}
