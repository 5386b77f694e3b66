package io.cairn.redundancy;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.redundancy.RecoveryReport.Source;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeLossTest {
  @TempDir
  Path tmp;

  /** Random jobs of 4-8 ranks over 4-8 nodes, random node losses up to and beyond what the scheme covers. */
  @Test
  void randomNodeLossesAreRebuiltOrClearlyRefused() throws Exception {
    Random rnd = new Random(11);
    int trials = Boolean.getBoolean("cairn.soak") ? 60 : 9;
    int recovered = 0, refused = 0;
    for (int trial = 0; trial < trials; trial++) {
      int nodes = 4 + rnd.nextInt(5);
      int ranks = Math.max(4, Math.min(8, nodes + rnd.nextInt(3)));
      Scheme scheme = switch (trial % 3) {
        case 0 -> Scheme.partner();
        case 1 -> Scheme.xor(Math.min(nodes, 4));
        default -> nodes >= 6 ? Scheme.reedSolomon(4, 2) : Scheme.reedSolomon(2, 2);
      };
      Path root = tmp.resolve("t" + trial);
      try (SimJob job = new SimJob(root, ranks, nodes, 100 + trial, 8_000)) {
        Layout layout = Placement.plan(job.locations, scheme, List.of());
        Redundancy red = job.redundancy(2, layout);
        job.openAll();
        for (int c = 0; c < 7; c++) red.protect(job.id + 1, job.checkpointAll());
        job.closeAll();
        List<String> all = job.locations.stream().map(RankLocation::node).distinct().toList();
        List<String> shuffled = new ArrayList<>(all);
        Collections.shuffle(shuffled, rnd);
        int losses = rnd.nextInt(Math.min(all.size(), scheme.m() + 2) + 1);
        Set<String> lost = new HashSet<>(shuffled.subList(0, losses));
        for (String n : lost) job.deleteNode(n);
        boolean coverable = coverable(layout, lost);
        RecoveryReport rep = red.recoverLatest();
        String ctx = "trial " + trial + " " + scheme + " ranks=" + ranks + " nodes=" + nodes + " lost=" + lost + " -> "
            + rep.toJson();
        assertThat(rep.complete()).as(ctx).isEqualTo(coverable);
        if (coverable) {
          recovered++;
          assertThat(rep.id()).as(ctx).isEqualTo(7);
          for (var e : rep.sources().entrySet()) {
            boolean gone = lost.contains(layout.location(e.getKey()).node());
            assertThat(e.getValue()).as(ctx).isEqualTo(gone ? expectedSource(scheme) : Source.LOCAL);
          }
          job.restoreAndCheck(7, job.versions.get(7L));
        } else {
          refused++;
          assertThat(rep.lostNodes()).as(ctx).containsExactlyInAnyOrderElementsOf(new java.util.TreeSet<>(lost));
          if (lost.size() == all.size()) assertThat(rep.message()).as(ctx).contains("every node is lost");
          else
            assertThat(rep.message()).as(ctx).contains("checkpoint 7 cannot be restored")
                .contains("checkpoint 6 cannot be restored");
          assertThat(rep.message()).as(ctx)
              .contains("falling back to version " + job.versions.get(5L).get(0) + " of the persistent level");
          for (String n : lost) assertThat(rep.message()).as(ctx).contains(n);
          // nothing half-recovered was written into the lost nodes' directories
          for (String n : lost) assertThat(root.resolve(n)).as(ctx).doesNotExist();
          // the persistent level has every 4th checkpoint: 1 and 5
          assertThat(rep.fallbackVersion()).as(ctx).isEqualTo(job.versions.get(5L).get(0));
          assertThat(rep.sources().values()).containsOnly(Source.PERSISTENT);
          job.restoreAndCheck(5, job.versions.get(5L));
        }
      }
    }
    assertThat(recovered).isPositive();
    assertThat(refused).isPositive();
  }

  static Source expectedSource(Scheme s) {
    return switch (s.kind()) { case PARTNER -> Source.PARTNER; case XOR -> Source.XOR; case RS -> Source.RS; };
  }

  /** What the scheme promises: each partner pair keeps one node, each set loses at most m members. */
  static boolean coverable(Layout l, Set<String> lost) {
    if (l.scheme().kind() == Scheme.Kind.PARTNER) {
      for (var e : l.partners().entrySet())
        if (lost.contains(l.location(e.getKey()).node()) && lost.contains(l.location(e.getValue()).node()))
          return false;
      return true;
    }
    for (Layout.Group g : l.groups())
      if (g.ranks().stream().filter(r -> lost.contains(l.location(r).node())).count() > g.m()) return false;
    return true;
  }

  @Test
  void eightRanksOnEightNodesSurviveTwoLossesWithRs() throws Exception {
    try (SimJob job = new SimJob(tmp, 8, 8, 5, 50_000)) {
      Layout rs = Placement.plan(job.locations, Scheme.reedSolomon(6, 2), List.of());
      assertThat(rs.degradations()).isEmpty();
      Redundancy red = job.redundancy(2, rs);
      job.openAll();
      for (int c = 0; c < 3; c++) red.protect(job.id + 1, job.checkpointAll());
      job.closeAll();
      job.deleteNode("node-2");
      job.deleteNode("node-7");
      RecoveryReport rep = red.recover(3);
      assertThat(rep.complete()).as(rep.toJson()).isTrue();
      assertThat(rep.sources()).containsEntry(2, Source.RS).containsEntry(7, Source.RS).containsEntry(0, Source.LOCAL);
      assertThat(rep.lostNodes()).containsExactly("node-2", "node-7");
      job.restoreAndCheck(3, job.versions.get(3L));
    }
  }

  @Test
  void corruptPartnerCopyIsDetectedAndTheSetIsUsedInstead() throws Exception {
    try (SimJob job = new SimJob(tmp, 4, 4, 6, 30_000)) {
      Layout partner = Placement.plan(job.locations, Scheme.partner(), List.of());
      Layout xor = Placement.plan(job.locations, Scheme.xor(4), List.of());
      Redundancy red = job.redundancy(2, partner, xor);
      job.openAll();
      red.protect(1, job.checkpointAll());
      job.closeAll();
      int holder = partner.partners().get(1);
      Path copy = tmp.resolve(partner.location(holder).node())
          .resolve("redundancy/job/partner/i0000000001/copy-r000001.red");
      flipByte(copy, Files.size(copy) - 100);
      job.deleteNode("node-1");
      RecoveryReport rep = red.recover(1);
      assertThat(rep.complete()).as(rep.toJson()).isTrue();
      assertThat(rep.sources()).containsEntry(1, Source.XOR);
      assertThat(rep.problems()).anySatisfy(p -> assertThat(p).contains("CRC32C").contains("copy-r000001"));
      job.restoreAndCheck(1, job.versions.get(1L));
    }
  }

  @Test
  void corruptParityIsNeverUsedSilently() throws Exception {
    try (SimJob job = new SimJob(tmp, 4, 4, 7, 30_000)) {
      Layout xor = Placement.plan(job.locations, Scheme.xor(4), List.of());
      Redundancy red = job.redundancy(2, xor);
      job.openAll();
      red.protect(1, job.checkpointAll());
      red.protect(2, job.checkpointAll()); // version 2 is not in the persistent level (every 4th)
      job.closeAll();
      // corrupt every surviving parity file's body: rank 0's data cannot be rebuilt from it
      for (int r = 1; r < 4; r++) {
        Path p = tmp.resolve("node-" + r).resolve("redundancy/job/xor-4/i0000000002/parity-r00000" + r + ".red");
        flipByte(p, Files.size(p) - 1);
      }
      job.deleteNode("node-0");
      RecoveryReport rep = red.recover(2);
      assertThat(rep.complete()).isFalse();
      assertThat(rep.sources()).containsEntry(0, Source.NONE);
      assertThat(rep.problems()).anySatisfy(p -> assertThat(p).contains("CRC32C mismatch"));
      assertThat(rep.message()).contains("ranks [0]").contains("node-0");
      assertThat(Files.exists(job.runDir(job.locations.get(0)))).isFalse();
    }
  }

  @Test
  void corruptLocalCopyIsReplacedFromThePartner() throws Exception {
    try (SimJob job = new SimJob(tmp, 4, 4, 8, 30_000)) {
      Layout partner = Placement.plan(job.locations, Scheme.partner(), List.of());
      Redundancy red = job.redundancy(2, partner);
      job.openAll();
      Map<Integer, Long> v = job.checkpointAll();
      red.protect(1, v);
      job.closeAll();
      Path pack = job.runDir(job.locations.get(2)).resolve(String.format("v%010d/data.pack", v.get(2)));
      flipByte(pack, Files.size(pack) / 2);
      RecoveryReport rep = red.recover(1);
      assertThat(rep.complete()).isTrue();
      assertThat(rep.sources()).containsEntry(2, Source.PARTNER).containsEntry(0, Source.LOCAL);
      assertThat(rep.problems()).anySatisfy(p -> assertThat(p).contains("rank 2").contains("differs"));
      job.restoreAndCheck(1, v);
    }
  }

  @Test
  void crashDuringEncodingFallsBackToThePreviousId() throws Exception {
    try (SimJob job = new SimJob(tmp, 6, 6, 9, 20_000)) {
      Layout rs = Placement.plan(job.locations, Scheme.reedSolomon(4, 2), List.of());
      Redundancy red = job.redundancy(2, rs);
      job.openAll();
      red.protect(1, job.checkpointAll());
      red.protect(2, job.checkpointAll());
      job.checkpointAll(); // id 3 committed locally; its encoding is cut short below
      job.closeAll();
      red.protect(3, job.versions.get(3L));
      // simulate a kill part-way: only two parity files of id 3 reached their nodes, one as a .tmp
      for (int r = 2; r < 6; r++)
        Files.delete(
            tmp.resolve("node-" + r).resolve(String.format("redundancy/job/rs-4+2/i0000000003/parity-r%06d.red", r)));
      Path half = tmp.resolve("node-1/redundancy/job/rs-4+2/i0000000003/parity-r000001.red");
      Files.move(half, half.resolveSibling("parity-r000001.red.tmp"));
      job.deleteNode("node-0");
      job.deleteNode("node-3");
      RecoveryReport rep = red.recoverLatest();
      assertThat(rep.complete()).as(rep.toJson()).isTrue();
      assertThat(rep.id()).isEqualTo(2);
      assertThat(rep.sources()).containsEntry(0, Source.RS).containsEntry(3, Source.RS);
      job.restoreAndCheck(2, job.versions.get(2L));
    }
  }

  @Test
  void incrementalVersionsCarryTheOlderPacksTheyReference() throws Exception {
    try (SimJob job = new SimJob(tmp, 4, 4, 12, 20_000)) {
      job.incremental = true;
      Layout xor = Placement.plan(job.locations, Scheme.xor(4), List.of());
      Redundancy red = job.redundancy(2, xor);
      job.openAll();
      for (int c = 0; c < 3; c++) red.protect(job.id + 1, job.checkpointAll());
      job.closeAll();
      // version 3 of rank 2 reads unchanged blocks from the packs of versions 1 and 2
      Path mf = job.runDir(job.locations.get(2)).resolve(String.format("v%010d/manifest", job.versions.get(3L).get(2)));
      var m = io.cairn.internal.format.Manifest.decode(Files.readAllBytes(mf), mf.toString());
      assertThat(m.packsUsed()).hasSizeGreaterThan(1);
      job.deleteNode("node-2");
      RecoveryReport rep = red.recover(3);
      assertThat(rep.complete()).as(rep.toJson()).isTrue();
      assertThat(rep.sources()).containsEntry(2, Source.XOR);
      job.restoreAndCheck(3, job.versions.get(3L));
    }
  }

  @Test
  void retentionKeepsNIdsPerLevel() throws Exception {
    try (SimJob job = new SimJob(tmp, 4, 4, 10, 5_000)) {
      Layout partner = Placement.plan(job.locations, Scheme.partner(), List.of());
      Layout xor = Placement.plan(job.locations, Scheme.xor(4), List.of());
      Redundancy red = job.redundancy(3, partner, xor);
      job.openAll();
      for (int c = 0; c < 7; c++) red.protect(job.id + 1, job.checkpointAll());
      job.closeAll();
      assertThat(red.ids()).containsExactly(7L, 6L, 5L);
      for (String level : List.of("partner", "xor-4"))
        try (Stream<Path> s = Files.list(tmp.resolve("node-0/redundancy/job/" + level))) {
          assertThat(s.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly("i0000000005",
              "i0000000006", "i0000000007");
        }
    }
  }

  static void flipByte(Path p, long pos) throws Exception {
    try (var ch = java.nio.channels.FileChannel.open(p, java.nio.file.StandardOpenOption.READ,
        java.nio.file.StandardOpenOption.WRITE)) {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
      ch.read(b, pos);
      b.put(0, (byte) (b.get(0) ^ 0x5a)).rewind();
      ch.write(b, pos);
    }
  }
}
