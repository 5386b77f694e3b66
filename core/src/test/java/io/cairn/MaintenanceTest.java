package io.cairn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The maintenance API of the admin commands: maintenance opening, prune, verify, inspect, level write times. */
class MaintenanceTest {
  @TempDir
  Path dir;

  Checkpointer.Builder builder() {
    return Cairn.builder().name("m").directory(dir).levels("local", "persistent").set("level.local.keep", "5")
        .set("level.local.incremental", "true").set("level.persistent.every", "2").set("level.persistent.keep", "5")
        .set("signals", "false").environment(Map.of());
  }

  void write(int versions) {
    long[] s = new long[50_000];
    try (Checkpointer c = builder().open()) {
      c.protect("state", s);
      for (int k = 1; k <= versions; k++) {
        s[k] = k;
        c.checkpoint(Metadata.create().label("v" + k).step(k)).await();
        assertThat(c.levelWriteSeconds()).containsKey("local");
      }
      assertThat(c.levelWriteSeconds()).containsKeys("local", "persistent");
    }
  }

  @Test
  void maintenanceOpensOnlyExistingLevelsLocksThemAndRefusesCheckpoints() {
    write(2);
    Path process = dir.resolve("nowhere");
    try (Checkpointer c = builder().set("levels", "local,persistent,extra").set("level.extra.kind", "local")
        .set("level.extra.path", process.toString()).maintenance(true).open()) {
      assertThatThrownBy(c::checkpoint).isInstanceOf(IllegalStateException.class).hasMessageContaining("maintenance");
      assertThatThrownBy(() -> builder().open()).isInstanceOf(CheckpointLockedException.class); // locked like a run
      assertThat(c.pin(1)).containsExactly("local", "persistent");
    }
    assertThat(process).doesNotExist(); // nothing created
  }

  @Test
  void pruneVerifyInspect() throws Exception {
    write(4); // local 1..4 (incremental), persistent 1, 3
    try (Checkpointer c = builder().readOnly(true).open()) {
      List<Checkpointer.CopyCheck> checks = c.verify();
      assertThat(checks).hasSize(6)
          .allMatch(k -> k.status() == Checkpointer.CopyCheck.Status.VALID && k.bytes() == 400_000);
      Checkpointer.StoredVersion s = c.inspect(4, null).orElseThrow();
      assertThat(s.level()).isEqualTo("local");
      assertThat(s.incrementalOf()).isEqualTo(3);
      assertThat(s.version().label()).isEqualTo("v4");
      assertThat(s.regions()).singleElement().satisfies(r -> {
        assertThat(r.region()).isEqualTo(new Checkpointer.Region("state", "long[]", 50_000));
        assertThat(r.bytes()).isEqualTo(400_000);
        assertThat(r.chunks()).isNotEmpty().allMatch(ch -> ch.rawBytes() > 0 && ch.codec().equals("none"));
      });
      assertThat(c.inspect(4, "persistent")).isEmpty();
      assertThat(c.inspect(3, "persistent").orElseThrow().incrementalOf()).isZero();
    }
    Path pack;
    try (Stream<Path> s = Files.walk(dir.resolve("persistent"))) {
      pack = s.filter(p -> p.getFileName().toString().equals("data.pack")).sorted().toList().getLast();
    }
    try (RandomAccessFile raf = new RandomAccessFile(pack.toFile(), "rw")) {
      raf.seek(raf.length() - 5);
      raf.write(0x55);
    }
    try (Checkpointer c = builder().readOnly(true).open()) {
      assertThat(c.verify()).filteredOn(k -> k.status() == Checkpointer.CopyCheck.Status.DAMAGED).singleElement()
          .satisfies(k -> {
            assertThat(k.level()).isEqualTo("persistent");
            assertThat(k.version()).isEqualTo(3);
            assertThat(k.error()).contains("checksum mismatch");
          });
    }
    try (Checkpointer c = builder().maintenance(true).open()) {
      assertThatThrownBy(() -> c.prune(-1)).isInstanceOf(IllegalArgumentException.class);
      List<Checkpointer.Pruned> p = c.prune(1);
      assertThat(p).containsExactly(new Checkpointer.Pruned("local", List.of(3L, 2L, 1L), 1),
          new Checkpointer.Pruned("persistent", List.of(1L), 1));
      assertThat(c.versions().stream().map(Version::number).toList()).containsExactly(3L, 4L);
    }
  }
}
