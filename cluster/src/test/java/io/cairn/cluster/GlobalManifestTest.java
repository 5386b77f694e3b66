package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.cluster.internal.GlobalManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GlobalManifestTest {
  @TempDir
  Path dir;

  private static GlobalManifest.Entry entry(long g) {
    return new GlobalManifest.Entry(g, 2, "blocking", g * 10, 1000 + g, new long[]{g, g + 1},
        new String[]{"node-0", "node-1"});
  }

  @Test
  void keepsCommittedVersionsSortedAndBounded() throws Exception {
    assertThat(GlobalManifest.read(dir)).isEmpty();
    GlobalManifest.append(dir, entry(2));
    GlobalManifest.append(dir, entry(1)); // Chandy-Lamport commits may complete out of order
    assertThat(GlobalManifest.read(dir)).extracting(GlobalManifest.Entry::global).containsExactly(1L, 2L);
    for (long g = 3; g <= 40; g++) GlobalManifest.append(dir, entry(g));
    assertThat(GlobalManifest.read(dir)).hasSize(GlobalManifest.KEEP);
    assertThat(GlobalManifest.read(dir).getLast().versions()).containsExactly(40, 41);
    assertThat(GlobalManifest.find(dir, 40).orElseThrow().nodes()).containsExactly("node-0", "node-1");
  }

  @Test
  void detectsDamage() throws Exception {
    GlobalManifest.append(dir, entry(1));
    Path f = GlobalManifest.file(dir);
    Files.writeString(f, Files.readString(f).replace("versions 1,2", "versions 1,3"));
    assertThatThrownBy(() -> GlobalManifest.read(dir)).hasMessageContaining("checksum mismatch");
    Files.writeString(f, "something else\n");
    assertThatThrownBy(() -> GlobalManifest.read(dir)).hasMessageContaining("not a Cairn global manifest");
  }
}
