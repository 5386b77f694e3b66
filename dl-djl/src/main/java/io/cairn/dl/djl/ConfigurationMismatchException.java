package io.cairn.dl.djl;

import io.cairn.StateMismatchException;
import java.util.List;

/**
 * A resume refused because the training configuration differs from the checkpoint's (learning rate,
 * schedule, optimizer, model, data, thread count, user keys). A refusal, not damage: the checkpoint is
 * intact, it is not counted against it, and a run with the recorded configuration resumes from it.
 */
public final class ConfigurationMismatchException extends StateMismatchException {
  ConfigurationMismatchException(long version, List<String> differences) {
    super("refusing to resume DJL training from checkpoint version " + version
        + ": this run's configuration differs from the one"
        + " that wrote it (the checkpoint is intact; resume with the recorded configuration, or start in another directory):\n  - "
        + String.join("\n  - ", differences), differences);
  }
}
