package io.cairn;

import java.util.List;

/** What the program protects does not match what the checkpoint holds; {@link #differences()} lists each. */
public final class StateMismatchException extends CairnException {
  private final List<String> differences;

  public StateMismatchException(long version, List<String> differences) {
    super("protected state does not match checkpoint version " + version + ":\n  - " + String.join("\n  - ", differences));
    this.differences = List.copyOf(differences);
  }

  public List<String> differences() { return differences; }
}
