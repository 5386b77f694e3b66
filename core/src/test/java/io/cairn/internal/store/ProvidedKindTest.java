package io.cairn.internal.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.Cairn;
import io.cairn.Checkpointer;
import io.cairn.Version;
import io.cairn.spi.LevelInfo;
import io.cairn.spi.Storage;
import io.cairn.spi.StorageProvider;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A level kind of another module, found by ServiceLoader (this test's provider: kind {@code heap}). */
class ProvidedKindTest {
  /** Kind {@code heap}: a {@link MemoryStorage} per (shelf, run), kept across opens in this JVM. */
  public static final class HeapProvider implements StorageProvider {
    static final Map<String, MemoryStorage> SHELVES = new ConcurrentHashMap<>();
    static final Map<String, Map<String, String>> SEEN = new ConcurrentHashMap<>();

    @Override
    public String kind() { return "heap"; }
    @Override
    public Set<String> options() { return Set.of("shelf"); }
    @Override
    public Storage open(LevelInfo level, Map<String, String> options, String run, boolean readOnly) {
      SEEN.put(level.name(), options);
      String shelf = options.get("shelf");
      if (shelf == null) throw new IllegalArgumentException("'level." + level.name() + ".shelf' is required");
      return SHELVES.computeIfAbsent(shelf + "/" + run, k -> new MemoryStorage(k));
    }
  }

  @Test
  void aConfigurationSelectsAProvidedKindAndPassesItsOptions(@TempDir Path base) {
    double[] a = {1, 2, 3};
    try (Checkpointer c = Cairn.builder().name("p").directory(base).levels("local", "shelf").set("signals", "false")
        .set("level.shelf.kind", "heap").set("level.shelf.shelf", "top").open()) {
      c.protect("a", a);
      Version v = c.checkpoint().await();
      assertThat(v.levels()).containsExactly("local", "shelf");
    }
    assertThat(HeapProvider.SEEN.get("shelf")).containsEntry("shelf", "top");
    double[] back = new double[3];
    try (Checkpointer c = Cairn.builder().name("p").directory(base.resolve("other")).levels("shelf")
        .set("signals", "false")
        .set("level.shelf.kind", "heap").environment(Map.of("CAIRN_LEVEL_SHELF_SHELF", "top")).open()) {
      c.protect("a", back);
      assertThat(c.restoreLatest()).map(Version::number).contains(1L);
    }
    assertThat(back).containsExactly(1, 2, 3);
  }

  @Test
  void optionsAreCheckedAgainstTheLevelsKind(@TempDir Path base) {
    assertThatThrownBy(() -> Cairn.builder().directory(base).levels("local").set("level.local.shelf", "x").open())
        .hasMessageContaining("'level.local.shelf'")
        .hasMessageContaining("not an option of level 'local' of kind local");
    assertThatThrownBy(() -> Cairn.builder().directory(base).set("level.x.colour", "red"))
        .hasMessageContaining("unknown configuration key 'level.x.colour'")
        .hasMessageContaining("level.<name>.{shelf} for the kinds [heap]");
    assertThatThrownBy(() -> Cairn.builder().directory(base).set("level.x.kind", "s3"))
        .hasMessageContaining("must be one of [process, memory, local, persistent, heap]")
        .hasMessageContaining("cairn-s3 module");
    assertThatThrownBy(() -> Cairn.builder().directory(base).levels("shelf").set("level.shelf.kind", "heap").open())
        .hasMessageContaining("level 'shelf' (kind heap)").hasMessageContaining("'level.shelf.shelf' is required");
  }
}
