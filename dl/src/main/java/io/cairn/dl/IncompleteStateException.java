package io.cairn.dl;

import io.cairn.StateMismatchException;
import java.util.List;

/**
 * A checkpoint cannot give a faithful replay: a replay-relevant variable is missing, or it was written
 * by a run with a different configuration. {@link #problems()} lists each. The trainer's state is
 * undefined after this exception (parts may have been restored): do not train on.
 */
public final class IncompleteStateException extends StateMismatchException {
  private final List<String> problems;

  public IncompleteStateException(long version, List<String> problems) {
    super("checkpoint version " + version + " cannot be resumed faithfully:\n  - " + String.join("\n  - ", problems),
        problems);
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() { return problems; }
}
