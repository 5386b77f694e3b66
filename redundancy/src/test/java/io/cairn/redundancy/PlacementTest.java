package io.cairn.redundancy;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.redundancy.Layout.Group;
import io.cairn.redundancy.Layout.Reason;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlacementTest {

  static List<RankLocation> spread(int ranks, int nodes) {
    List<RankLocation> l = new ArrayList<>();
    for (int r = 0; r < ranks; r++) l.add(new RankLocation(r, "node-" + (r * nodes / ranks)));
    return l;
  }

  @Test
  void partnersAreOnOtherNodes() {
    Layout l = Placement.plan(spread(8, 4), Scheme.partner(), List.of());
    assertThat(l.degradations()).isEmpty();
    assertThat(l.partners()).hasSize(8);
    l.partners().forEach((o, h) -> assertThat(l.location(h).node()).isNotEqualTo(l.location(o).node()));
    // balanced: nobody holds more than one copy
    assertThat(new HashSet<>(l.partners().values())).hasSize(8);
  }

  @Test
  void partnersPreferAnotherRack() {
    List<RankLocation> r = new ArrayList<>();
    String[] rack = {"r1", "r1", "r2", "r2"};
    for (int i = 0; i < 4; i++) r.add(new RankLocation(i, "n" + i, Map.of("rack", rack[i])));
    Layout l = Placement.plan(r, Scheme.partner(), List.of("rack"));
    assertThat(l.degradations()).isEmpty();
    l.partners().forEach(
        (o, h) -> assertThat(l.location(h).domains().get("rack")).isNotEqualTo(l.location(o).domains().get("rack")));
  }

  @Test
  void oneRackOnlyIsReportedAsSharedDomain() {
    List<RankLocation> r = new ArrayList<>();
    for (int i = 0; i < 4; i++) r.add(new RankLocation(i, "n" + i, Map.of("rack", "r1")));
    Layout l = Placement.plan(r, Scheme.partner(), List.of("rack"));
    assertThat(l.partners()).hasSize(4);
    assertThat(l.degradations()).extracting(Layout.Degradation::reason).containsExactly(Reason.SHARED_DOMAIN);
    assertThat(l.degradations().get(0).message()).contains("rack");
    assertThat(l.toJson()).contains("\"reason\":\"SHARED_DOMAIN\"");
  }

  @Test
  void setsUseDistinctNodesAndDomains() {
    Random rnd = new Random(7);
    for (int trial = 0; trial < 50; trial++) {
      int nodes = 4 + rnd.nextInt(5), ranks = nodes * (1 + rnd.nextInt(3));
      Scheme s = rnd.nextBoolean()
          ? Scheme.xor(2 + rnd.nextInt(nodes - 1))
          : Scheme.reedSolomon(1 + rnd.nextInt(nodes - 2), 1 + rnd.nextInt(2));
      if (s.setSize() > nodes) continue;
      List<RankLocation> rl = spread(ranks, nodes);
      Layout l = Placement.plan(rl, s, List.of());
      Set<Integer> covered = new HashSet<>();
      for (Group g : l.groups()) {
        assertThat(g.ranks().stream().map(x -> l.location(x).node()).distinct().count()).as("%s %s", s, g)
            .isEqualTo(g.ranks().size());
        assertThat(g.m()).isGreaterThanOrEqualTo(1).isLessThanOrEqualTo(s.m());
        assertThat(g.k()).isGreaterThanOrEqualTo(1);
        for (int x : g.ranks()) assertThat(covered.add(x)).isTrue();
      }
      assertThat(covered).as("every rank in a set: %s", l.toJson()).hasSize(ranks);
    }
  }

  @Test
  void eightRanksOnFourNodesGiveTwoSetsOfFour() {
    Layout l = Placement.plan(spread(8, 4), Scheme.xor(4), List.of());
    assertThat(l.degradations()).isEmpty();
    assertThat(l.groups()).hasSize(2).allSatisfy(g -> assertThat(g.ranks()).hasSize(4));
  }

  @Test
  void tooFewNodesDegradeAndSaySo() {
    Layout rs = Placement.plan(spread(6, 3), Scheme.reedSolomon(4, 2), List.of());
    assertThat(rs.groups()).isNotEmpty().allSatisfy(g -> assertThat(g.ranks()).hasSize(3));
    assertThat(rs.degradations()).extracting(Layout.Degradation::reason).contains(Reason.SET_SMALLER);

    Layout two = Placement.plan(spread(4, 2), Scheme.reedSolomon(2, 2), List.of());
    assertThat(two.groups()).allSatisfy(g -> assertThat(g.m()).isEqualTo(1));
    assertThat(two.degradations()).extracting(Layout.Degradation::reason).contains(Reason.TOLERANCE_REDUCED);

    Layout one = Placement.plan(spread(4, 1), Scheme.xor(4), List.of());
    assertThat(one.groups()).isEmpty();
    assertThat(one.degradations()).extracting(Layout.Degradation::reason).containsExactly(Reason.SINGLE_NODE);
    assertThat(one.toJson()).contains("SINGLE_NODE");
  }

  @Test
  void unevenNodesLeaveNoRankSilentlyUnprotected() {
    // 5 ranks on node-0, one on node-1: at most one set of 2 per node pair
    List<RankLocation> r = new ArrayList<>();
    for (int i = 0; i < 5; i++) r.add(new RankLocation(i, "node-0"));
    r.add(new RankLocation(5, "node-1"));
    Layout l = Placement.plan(r, Scheme.xor(4), List.of());
    Set<Integer> covered = new HashSet<>();
    l.groups().forEach(g -> covered.addAll(g.ranks()));
    Set<Integer> reported = new HashSet<>();
    l.degradations().stream().filter(d -> d.reason() == Reason.RANK_UNPROTECTED)
        .forEach(d -> reported.addAll(d.ranks()));
    for (int i = 0; i < 6; i++) assertThat(covered.contains(i) || reported.contains(i)).as("rank %d", i).isTrue();
    assertThat(reported).isNotEmpty();
  }

  @Test
  void setsSpreadOverRacksWhenTheyCan() {
    List<RankLocation> r = new ArrayList<>();
    for (int i = 0; i < 8; i++) r.add(new RankLocation(i, "n" + i, Map.of("rack", "r" + (i / 2))));
    Layout l = Placement.plan(r, Scheme.xor(4), List.of("rack"));
    assertThat(l.degradations()).isEmpty();
    for (Group g : l.groups())
      assertThat(g.ranks().stream().map(x -> l.location(x).domains().get("rack")).distinct().count()).isEqualTo(4);
  }

  @Test
  void domainsFromConfiguration() {
    FailureDomains d = FailureDomains.parse("""
        levels = power, rack
        n0 = power=p1, rack=r1
        n1 = power=p1, rack=r2
        n2 = power=p2, rack=r3
        n3 = power=p2, rack=r4
        """, "test");
    List<RankLocation> r = new ArrayList<>();
    for (int i = 0; i < 4; i++) r.add(d.locate(i, "n" + i));
    Layout l = Placement.plan(r, Scheme.partner(), d.levels());
    assertThat(l.degradations()).isEmpty();
    l.partners().forEach(
        (o, h) -> assertThat(l.location(h).domains().get("power")).isNotEqualTo(l.location(o).domains().get("power")));
    org.assertj.core.api.Assertions
        .assertThatThrownBy(() -> FailureDomains.parse("levels = rack\nn0 = row=1", "f.properties"))
        .hasMessageContaining("f.properties").hasMessageContaining("unknown level 'row'");
  }

  @Test
  void schemeParsing() {
    assertThat(Scheme.parse("rs:8+2")).isEqualTo(Scheme.reedSolomon(8, 2));
    assertThat(Scheme.parse("xor:4").setSize()).isEqualTo(4);
    assertThat(Scheme.parse("partner").kind()).isEqualTo(Scheme.Kind.PARTNER);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Scheme.parse("rs:8"))
        .hasMessageContaining("bad redundancy scheme 'rs:8'");
  }
}
