package io.cairn;

import java.util.List;

/**
 * What the program protects does not match what the checkpoint holds; {@link #differences()} lists each.
 * A refusal, not a failure: it never counts against the checkpoint (restore.max-attempts). A program
 * (or library) that refuses a restored checkpoint itself, e.g. for another configuration, throws a
 * subclass so that the refusal is not counted either.
 */
public class StateMismatchException extends CairnException {
  private final List<String> differences;

  public StateMismatchException(long version, List<String> differences) {
    super("protected state does not match checkpoint version " + version + ":\n  - "
        + String.join("\n  - ", differences));
    this.differences = List.copyOf(differences);
  }

  /** For refusals with their own wording. */
  protected StateMismatchException(String message, List<String> differences) {
    super(message);
    this.differences = List.copyOf(differences);
  }

  public List<String> differences() { return differences; }
}
