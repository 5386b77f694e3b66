package io.cairn;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A checkpoint that was taken: committed at once in synchronous mode, or being written in the
 * background in asynchronous mode. Wait for it, poll it, or be called back through {@link #committed()}.
 */
public final class Checkpoint {
  private final long version;
  private final CompletableFuture<Version> committed;
  private final boolean skipped;

  Checkpoint(long version, CompletableFuture<Version> committed, boolean skipped) {
    this.version = version;
    this.committed = committed;
    this.skipped = skipped;
  }

  /** The version number this checkpoint was given (not meaningful when {@link #skipped()}). */
  public long version() {
    return version;
  }

  /** True when the checkpoint was not taken because staging memory was full ({@code async.when-full=skip}). */
  public boolean skipped() {
    return skipped;
  }

  /** True once committed to at least one level, or failed. */
  public boolean isDone() { return committed.isDone(); }

  /** Completes with the committed version, or exceptionally with the reason it failed. */
  public CompletableFuture<Version> committed() {
    return committed;
  }

  /** Waits until committed (or failed, or the timeout passed). */
  public Version await(Duration timeout) throws TimeoutException {
    try {
      return committed.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      throw c instanceof CairnException ce
          ? ce
          : new CairnException("checkpoint " + version + " failed: " + c.getMessage(), c);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CairnException("interrupted while waiting for checkpoint " + version, e);
    }
  }

  /** Waits until committed (or failed). */
  public Version await() {
    try {
      return await(Duration.ofDays(365));
    } catch (TimeoutException e) {
      throw new CairnException("checkpoint " + version + " did not commit", e);
    }
  }
}
