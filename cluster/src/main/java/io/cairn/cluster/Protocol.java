package io.cairn.cluster;

import java.util.Locale;

/** How ranks take a global checkpoint together; see docs/parallel.md. */
public enum Protocol {
  /** Quiesce every channel (markers, then wait for all of them), checkpoint all ranks, two-phase commit, resume. */
  BLOCKING,
  /**
   * Chandy-Lamport / asynchronous barrier snapshot: each rank records its state at once, sends a marker on every
   * channel and goes on computing; messages that arrive before a channel's marker are recorded with the
   * checkpoint and delivered again on restart. The commit happens in the background.
   */
  CHANDY_LAMPORT,
  /** No coordination: each rank checkpoints alone (per-rank mode; no consistency across ranks). */
  INDEPENDENT,
  /**
   * Uncoordinated checkpoints with pessimistic sender-based message logging: each rank checkpoints alone, senders
   * keep the payloads they sent, the outcome of every nondeterministic receive is on stable storage before the
   * rank sends again; after a failure only the failed rank restores its own checkpoint and replays.
   */
  LOGGING,
  /**
   * Semi-coordinated: ranks form groups (by node, or {@code CAIRN_GROUPS}); a group checkpoints together (its channels
   * quiesced), only messages between groups are logged at their sender; a failure rolls back the failed rank's group.
   */
  HIERARCHICAL;

  /** Parses "blocking", "chandy-lamport" (or "cl", "nonblocking"), "independent", "logging", "hierarchical". */
  public static Protocol parse(String s) {
    return switch (s.trim().toLowerCase(Locale.ROOT).replace('_', '-')) {
      case "blocking", "coordinated" -> BLOCKING;
      case "chandy-lamport", "cl", "nonblocking", "non-blocking" -> CHANDY_LAMPORT;
      case "independent", "none", "per-rank" -> INDEPENDENT;
      case "logging", "message-logging" -> LOGGING;
      case "hierarchical", "semi-coordinated" -> HIERARCHICAL;
      default -> throw new IllegalArgumentException(
          "unknown protocol '" + s + "': use blocking, chandy-lamport, independent, logging or hierarchical");
    };
  }

  /** The name used in configuration and in the global manifest. */
  public String id() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
