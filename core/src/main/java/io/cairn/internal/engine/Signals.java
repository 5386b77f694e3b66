package io.cairn.internal.engine;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGTERM and SIGUSR1 (what Slurm and other schedulers send before preemption or a time limit) make
 * {@code due()} true at its next call instead of killing the JVM, so the program can checkpoint and
 * exit with {@code Checkpointer.EXIT_REQUEUE}. Installed once per JVM, on the first open with signals on.
 */
public final class Signals {
  private static final Logger log = LoggerFactory.getLogger(Signals.class);
  private static final AtomicLong received = new AtomicLong();
  private static final AtomicReference<String> lastName = new AtomicReference<>();
  private static volatile boolean installed;

  private Signals() {}

  public static synchronized void install() {
    if (installed) return;
    installed = true;
    for (String name : new String[]{"TERM", "USR1"}) {
      try {
        sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> {
          lastName.set("SIG" + sig.getName());
          received.incrementAndGet();
        });
      } catch (IllegalArgumentException | UnsupportedOperationException e) {
        log.warn("cannot handle SIG{} on this platform: {}", name, e.getMessage());
      }
    }
  }

  /** How many preemption signals arrived since the JVM started. */
  public static long count() { return received.get(); }

  public static String lastSignal() { return lastName.get(); }

  /** For tests: behave as if a signal arrived. */
  public static void simulate(String name) {
    lastName.set(name);
    received.incrementAndGet();
  }
}
