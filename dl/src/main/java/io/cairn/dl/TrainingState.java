package io.cairn.dl;

import io.cairn.Checkpoint;
import io.cairn.Checkpointable;
import io.cairn.Checkpointer;
import io.cairn.Metadata;
import io.cairn.StateMismatchException;
import io.cairn.StateReader;
import io.cairn.StateWriter;
import io.cairn.Version;
import io.cairn.dl.train.Trainer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole state of a training run as one checkpoint: parameters, optimizer moments and step
 * counts, learning-rate schedule, data-loader position, RNG keys and offsets, step count, metrics
 * history and user extras. {@link #capture()} takes it through a core {@link Checkpointer}; in the
 * checkpointer's async mode that is the two-phase pipeline (snapshot into staging memory between
 * steps, persist in the background). {@link #restoreLatest()} restores it and checks that nothing
 * replay-relevant is missing and that the configuration is the same.
 *
 * <pre>{@code
 * try (Checkpointer ck = Cairn.builder().name("train").directory(dir).levels("local").async(true).open()) {
 *   TrainingState state = TrainingState.of(trainer).attach(ck);
 *   state.restoreLatest();                       // fresh start: nothing restored
 *   while (trainer.stepsDone() < steps) {
 *     trainer.step();
 *     if (trainer.stepsDone() % 50 == 0) state.capture();   // returns after the snapshot
 *   }
 * }
 * }</pre>
 *
 * <p>Saved versus regenerated state (the DETrain analysis) is listed by {@link #components()} and
 * {@link #REGENERATED}; see {@code docs/deep-learning.md}.
 */
public final class TrainingState {
  private static final Logger log = LoggerFactory.getLogger(TrainingState.class);
  private static final int FORMAT = 1;
  private static final String MANIFEST = "dl.manifest";

  /** Whether a variable changes the future of the run, or only its record. */
  public enum Role {
    /** Needed for the following steps to be bit-identical; a restore without it is refused. */
    REPLAY,
    /** History only (metrics): the weights do not depend on it. */
    RECORD
  }

  /** One saved variable: its region name in the checkpoint, role and meaning. */
  public record Component(String name, Role role, String what) {}

  /** What is not saved because it is a pure function of saved state and configuration. */
  public static final List<String> REGENERATED = List.of(
      "epoch permutation: keyed stream (seed, \"shuffle\", epoch)",
      "prefetched batches: pure functions of their loader positions, refilled from the consumed position",
      "augmentation noise: keyed stream (seed, \"augment\", epoch, sample index)",
      "dropout masks: keyed stream (seed, \"dropout/<layer>\", dropout offset, batch slot)",
      "position inside any random stream: streams are recreated from their keys",
      "activations and per-sample gradients: recomputed by the step",
      "worker threads and their sample assignment: the reduction order is fixed by slot index, not by worker");

  private final Trainer trainer;
  private final Map<String, Checkpointable> extras = new LinkedHashMap<>();
  private final Map<String, Role> extraRoles = new LinkedHashMap<>();
  private final Set<String> omitted = new LinkedHashSet<>();
  private boolean allowIncomplete;
  private Checkpointer ck;
  private final Manifest manifest = new Manifest();

  private TrainingState(Trainer trainer) { this.trainer = trainer; }

  /** The state of {@code trainer}. */
  public static TrainingState of(Trainer trainer) {
    return new TrainingState(trainer);
  }

  /** Adds a user object to the state (saved as {@code extra.<name>}). */
  public TrainingState extra(String name, Checkpointable object, Role role) {
    checkNotAttached();
    if (!name.matches("[A-Za-z0-9._-]{1,100}"))
      throw new IllegalArgumentException("extra name '" + name + "': use letters, digits, '.', '_', '-'");
    if (object instanceof io.cairn.dl.embed.DifferentialCheckpoint d && d.lossy())
      throw new IllegalArgumentException(
          "extra '" + name + "' is a LOSSY (quantized) checkpoint: never part of a faithful-replay training state;"
              + " use Encoding.EXACT or checkpoint it with a checkpointer of its own");
    extras.put("extra." + name, object);
    extraRoles.put("extra." + name, role);
    return this;
  }

  /**
   * Leaves one variable out of the checkpoint. Only for experiments that show what a variable is
   * needed for: a restore of such a checkpoint is refused unless {@link #allowIncomplete()}.
   */
  public TrainingState omit(String component) {
    checkNotAttached();
    if (allComponents().stream().noneMatch(c -> c.name().equals(component)))
      throw new IllegalArgumentException(
          "no component '" + component + "'; components: " + allComponents().stream().map(Component::name).toList());
    omitted.add(component);
    return this;
  }

  /** Restores checkpoints that lack replay-relevant variables (logs a warning; the replay will not be faithful). */
  public TrainingState allowIncomplete() {
    this.allowIncomplete = true;
    return this;
  }

  private void checkNotAttached() {
    if (ck != null) throw new IllegalStateException("training state is already attached to a checkpointer");
  }

  /** Every variable of this trainer's state, saved or omitted. */
  private List<Component> allComponents() {
    List<Component> out = new ArrayList<>();
    out.add(new Component("model.params", Role.REPLAY, "parameters (" + trainer.model().paramCount() + " floats)"));
    for (String k : trainer.optimizer().stateArrays().keySet())
      out.add(new Component("optimizer." + k, Role.REPLAY, "optimizer state array '" + k + "'"));
    out.add(new Component("optimizer", Role.REPLAY, "optimizer step count"));
    out.add(new Component("schedule", Role.REPLAY, "learning-rate schedule state"));
    out.add(new Component("loader", Role.REPLAY, "data-loader position: epoch, index, permutation key"));
    out.add(new Component("rng", Role.REPLAY, "root seed and per-purpose offsets (dropout)"));
    out.add(new Component("progress", Role.REPLAY, "step count"));
    out.add(new Component("metrics", Role.RECORD, "per-step loss, learning rate and sample hash"));
    for (var e : extraRoles.entrySet()) out.add(new Component(e.getKey(), e.getValue(), "user extra"));
    return out;
  }

  /** The variables this state saves (without the omitted ones). */
  public List<Component> components() {
    return allComponents().stream().filter(c -> !omitted.contains(c.name())).toList();
  }

  /** Protects every component with {@code ck}. One training state per checkpointer. */
  public TrainingState attach(Checkpointer ck) {
    checkNotAttached();
    this.ck = ck;
    for (Component c : components()) {
      switch (c.name()) {
        case "model.params" -> ck.protect(c.name(), trainer.model().params());
        case "optimizer" -> ck.protect(c.name(), trainer.optimizer());
        case "schedule" -> ck.protect(c.name(), trainer.schedule());
        case "loader" -> ck.protect(c.name(), trainer.loader());
        case "rng" -> ck.protect(c.name(), trainer.rng());
        case "progress" -> ck.protect(c.name(), trainer.progress());
        case "metrics" -> ck.protect(c.name(), trainer.metrics());
        default -> {
          if (c.name().startsWith("optimizer."))
            ck.protect(c.name(), trainer.optimizer().stateArrays().get(c.name().substring(10)));
          else
            ck.protect(c.name(), extras.get(c.name()));
        }
      }
    }
    ck.protect(MANIFEST, manifest);
    return this;
  }

  private Checkpointer ck() {
    if (ck == null) throw new IllegalStateException("attach(checkpointer) first");
    return ck;
  }

  /**
   * Takes a checkpoint of the whole state between steps. Async checkpointer: returns after the
   * snapshot into staging memory and persists in the background (phase 2); the next capture waits
   * only if staging memory is full. Sync checkpointer: returns once committed.
   */
  public Checkpoint capture() {
    return ck().checkpoint(Metadata.create().step(trainer.stepsDone()).label("dl")
        .put("dl.fingerprint", Integer.toHexString(trainer.fingerprint().hashCode())));
  }

  /** Restores the newest valid checkpoint and checks it; empty on a fresh start. */
  public Optional<Version> restoreLatest() {
    Optional<Version> v;
    try {
      v = ck().restoreLatest();
    } catch (StateMismatchException e) {
      throw explain(-1, e);
    }
    v.ifPresent(this::verify);
    return v;
  }

  /** Restores one version and checks it. */
  public Version restore(long version) {
    Version v;
    try {
      v = ck().restore(version);
    } catch (StateMismatchException e) {
      throw explain(version, e);
    }
    verify(v);
    return v;
  }

  /**
   * Restores only the weights ({@code model.params}) of a version, e.g. to evaluate a checkpoint or to
   * fine-tune it with another optimizer, schedule or data: nothing else is read, and only the model
   * (its layers) must be the same as when it was saved — checked against the checkpoint's own record.
   * This is not a resume: the run does not continue where the checkpoint left it.
   */
  public Version restoreWeights(long version) {
    Version v;
    try {
      v = ck().restore(version, List.of("model.params", MANIFEST));
    } catch (StateMismatchException e) {
      throw explain(version, e);
    }
    String savedModel = manifest.savedFingerprint.split("\\|", 2)[0];
    String model = trainer.model().describe();
    if (!model.equals(savedModel))
      throw new IncompleteStateException(version,
          List.of("model differs: checkpoint has [" + savedModel + "], this run [" + model + "]"));
    return v;
  }

  private IncompleteStateException explain(long version, StateMismatchException e) {
    List<String> problems = new ArrayList<>();
    for (String d : e.differences())
      problems.add(d + (d.contains("protected but not in the checkpoint")
          ? " (the checkpoint was written without it: a resume would not be faithful)"
          : ""));
    return new IncompleteStateException(version, problems);
  }

  private void verify(Version v) {
    List<String> problems = new ArrayList<>();
    if (manifest.savedFormat != FORMAT)
      problems.add("training-state format " + manifest.savedFormat + ", this library reads " + FORMAT);
    if (!trainer.fingerprint().equals(manifest.savedFingerprint))
      problems.add("configuration differs: checkpoint has [" + manifest.savedFingerprint + "], this run ["
          + trainer.fingerprint() + "]");
    List<String> missing = new ArrayList<>();
    for (Component c : allComponents()) {
      if (c.role() == Role.REPLAY && !manifest.savedNames.contains(c.name()))
        missing.add(c.name() + " (" + c.what() + ")");
    }
    if (!missing.isEmpty()) {
      String msg = "replay-relevant variables not in the checkpoint: " + String.join(", ", missing);
      if (allowIncomplete)
        log.warn("version {}: {}; continuing because allowIncomplete() was set: the run will NOT be a faithful replay",
            v.number(), msg);
      else
        problems.add(msg);
    }
    if (!problems.isEmpty()) throw new IncompleteStateException(v.number(), problems);
  }

  /** What the checkpoint says about itself: format, configuration fingerprint, saved variables. */
  private final class Manifest implements Checkpointable {
    int savedFormat;
    String savedFingerprint = "";
    final Set<String> savedNames = new LinkedHashSet<>();

    @Override
    public void save(StateWriter out) {
      out.writeInt(FORMAT).writeString(trainer.fingerprint());
      List<Component> cs = components();
      out.writeInt(cs.size());
      for (Component c : cs) out.writeString(c.name()).writeString(c.role().name());
    }

    @Override
    public void load(StateReader in) throws IOException {
      savedFormat = in.readInt();
      savedFingerprint = in.readString();
      savedNames.clear();
      int n = in.readInt();
      if (n < 0 || n > 10_000) throw new IOException(MANIFEST + ": bad component count " + n);
      for (int i = 0; i < n; i++) {
        savedNames.add(in.readString());
        in.readString();
      }
    }
  }
}
