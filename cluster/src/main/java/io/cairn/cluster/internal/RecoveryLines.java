package io.cairn.cluster.internal;

import java.util.List;

/**
 * The recovery line of independent (uncoordinated) checkpoints: the newest set of per-rank checkpoints, one per
 * rank (the initial state allowed), that forms a consistent global state. Pure: it sees only, per checkpoint of each
 * rank, how many messages the rank had sent to and received from every other rank when it was taken.
 *
 * <p>Channels are FIFO, so message k on channel i&rarr;j is the k-th sent by i to j and the k-th received by j from i.
 * A pair of checkpoints (c_i of rank i, c_j of rank j) has an <em>orphan</em> when j received before c_j a message i
 * sent after c_i ({@code delivered_j<-i(c_j) > sent_i->j(c_i)}), and a message <em>in transit</em> when i sent
 * before c_i a message j received after c_j ({@code sent_i->j(c_i) > delivered_j<-i(c_j)}).
 * {@link Criterion#NO_ORPHANS} is the classic consistency condition; {@link Criterion#NO_ORPHANS_NO_IN_TRANSIT}
 * also forbids messages in transit (every channel empty on the line), which is what a restart without any record of
 * channel contents needs: nobody could deliver a message in transit again.
 *
 * <p>Algorithm (rollback propagation): start from every rank's newest checkpoint; while some pair violates the
 * criterion, move the rank whose checkpoint causes it (the receiver of an orphan, the sender of a message in transit)
 * back to its newest checkpoint that removes the violation. Both conditions are of the form f(c_x) &le; g(c_y) with f
 * and g non-decreasing, so the consistent lines are closed under the component-wise maximum and the loop, which
 * only ever removes checkpoints no consistent line below the current one can use, ends at the greatest consistent
 * line. The initial state (all counts zero) is always consistent, so it terminates; O(n&sup2; &middot; checkpoints).
 */
public final class RecoveryLines {
  private RecoveryLines() {}

  /** What a recovery line must avoid. */
  public enum Criterion {
    /** No orphan message (received before the receiver's checkpoint, sent after the sender's). */
    NO_ORPHANS,
    /** No orphan and no message in transit (sent before the sender's checkpoint, received after the receiver's). */
    NO_ORPHANS_NO_IN_TRANSIT
  }

  /**
   * One checkpoint of one rank: messages sent to ({@code sent[j]}) and received from ({@code delivered[j]}) each rank j
   * when it was taken. The entry for the rank itself is ignored.
   */
  public record Cut(long[] sent, long[] delivered) {
    public Cut {
      if (sent.length != delivered.length)
        throw new IllegalArgumentException(
            "sent and delivered counts for " + sent.length + " and " + delivered.length + " ranks");
      sent = sent.clone();
      delivered = delivered.clone();
    }
  }

  /** Why a rank was moved back while computing the line (for explanations; the line itself does not depend on them). */
  public record Step(int rank, int from, int to, int peer, boolean orphan) {}

  /**
   * The greatest consistent line. {@code history.get(r)} are rank r's checkpoints, oldest first (counts
   * non-decreasing). Result {@code [r]}: 0 for the initial state, k &ge; 1 for {@code history.get(r).get(k - 1)}.
   */
  public static int[] compute(List<List<Cut>> history, Criterion criterion) {
    return compute(history, criterion, null);
  }

  /** Like {@link #compute(List, Criterion)}, also listing each move back in {@code steps} (when not null). */
  public static int[] compute(List<List<Cut>> history, Criterion criterion, List<Step> steps) {
    int n = validate(history);
    int[] line = new int[n];
    for (int r = 0; r < n; r++) line[r] = history.get(r).size();
    boolean changed = true;
    while (changed) {
      changed = false;
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          if (i == j) continue;
          // orphans on i -> j: j received more from i than i had sent: move j back
          long sentIJ = sent(history, i, line[i], j);
          int from = line[j];
          while (line[j] > 0 && delivered(history, j, line[j], i) > sentIJ) line[j]--;
          if (line[j] != from) {
            changed = true;
            if (steps != null) steps.add(new Step(j, from, line[j], i, true));
          }
          if (criterion == Criterion.NO_ORPHANS_NO_IN_TRANSIT) {
            // in transit on i -> j: i sent more to j than j had received: move i back
            long recvJI = delivered(history, j, line[j], i);
            from = line[i];
            while (line[i] > 0 && sent(history, i, line[i], j) > recvJI) line[i]--;
            if (line[i] != from) {
              changed = true;
              if (steps != null) steps.add(new Step(i, from, line[i], j, false));
            }
          }
        }
      }
    }
    return line;
  }

  /** Whether {@code line} (0: initial state, k: the k-th checkpoint) is consistent under {@code criterion}. */
  public static boolean consistent(List<List<Cut>> history, int[] line, Criterion criterion) {
    int n = validate(history);
    if (line.length != n)
      throw new IllegalArgumentException("a line of " + line.length + " entries for " + n + " ranks");
    for (int i = 0; i < n; i++) {
      if (line[i] < 0 || line[i] > history.get(i).size())
        throw new IllegalArgumentException("rank " + i + " has no checkpoint " + line[i]);
    }
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        if (i == j) continue;
        long s = sent(history, i, line[i], j);
        long d = delivered(history, j, line[j], i);
        if (d > s) return false;
        if (criterion == Criterion.NO_ORPHANS_NO_IN_TRANSIT && s > d) return false;
      }
    }
    return true;
  }

  private static long sent(List<List<Cut>> h, int rank, int k, int peer) {
    return k == 0 ? 0 : h.get(rank).get(k - 1).sent()[peer];
  }

  private static long delivered(List<List<Cut>> h, int rank, int k, int peer) {
    return k == 0 ? 0 : h.get(rank).get(k - 1).delivered()[peer];
  }

  /** Checks sizes and that counts never decrease along a rank's checkpoints (they come from one execution); returns the rank count. */
  private static int validate(List<List<Cut>> history) {
    int n = history.size();
    for (int r = 0; r < n; r++) {
      List<Cut> cs = history.get(r);
      Cut prev = null;
      for (int k = 0; k < cs.size(); k++) {
        Cut c = cs.get(k);
        if (c.sent().length != n)
          throw new IllegalArgumentException(
              "rank " + r + ", checkpoint " + (k + 1) + ": counts for " + c.sent().length + " ranks in a job of " + n);
        for (int j = 0; j < n; j++) {
          if (c.sent()[j] < 0 || c.delivered()[j] < 0)
            throw new IllegalArgumentException("rank " + r + ", checkpoint " + (k + 1) + ": negative count");
          if (prev != null && (c.sent()[j] < prev.sent()[j] || c.delivered()[j] < prev.delivered()[j]))
            throw new IllegalArgumentException(
                "rank " + r + ", checkpoint " + (k + 1) + ": message counts decrease (towards rank " + j
                    + "), so the checkpoints are not of one execution");
        }
        prev = c;
      }
    }
    return n;
  }
}
