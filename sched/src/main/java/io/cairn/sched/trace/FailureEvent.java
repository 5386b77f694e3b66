package io.cairn.sched.trace;

/**
 * One failure (interrupt) of one node, from a failure log.
 *
 * @param system   the system it belongs to ("" when the log has one system)
 * @param node     node number within the system, from 0
 * @param start    when the failure began, seconds since the epoch (or since the log's start)
 * @param end      when the node was back, seconds (&gt;= start)
 * @param category the log's blame category (e.g. Hardware, Software), "" if unknown
 */
public record FailureEvent(String system, int node, double start, double end, String category) {
  public FailureEvent {
    if (end < start)
      throw new IllegalArgumentException(
          "failure of node " + node + " ends (" + end + ") before it starts (" + start + ")");
  }

  /** Whether the node's local storage is assumed lost (hardware, facilities, network): node loss rather than transient. */
  public boolean nodeLoss() {
    String c = category.toLowerCase(java.util.Locale.ROOT);
    return c.contains("hardware") || c.contains("facilit") || c.contains("network");
  }
}
