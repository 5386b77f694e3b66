package io.cairn.cli.sched;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cairn.cli.CliRunner;
import io.cairn.sched.Durations;
import io.cairn.sched.MultiLevel;
import io.cairn.sched.MultiLevelMarkov;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cairn advise} with levels: the exact multi-level model (MultiLevelMarkov) beside the first-order plan. */
class AdviseMultiLevelExactTest {
  @TempDir
  Path dir;

  static final String[] TWO = {"--level", "local:5s:10s:6h", "--level", "pfs:5m:10m:3d"};
  static final List<MultiLevel.Level> TWO_LEVELS = List.of(new MultiLevel.Level("local", 5, 10, 1 / 21600.0),
      new MultiLevel.Level("pfs", 300, 600, 1 / 259200.0));

  static String[] args(String[] levels, String... more) {
    List<String> a = new ArrayList<>(List.of("advise", "--cost", "5m", "--restart", "10m", "--mtbf", "24h"));
    a.addAll(List.of(levels));
    a.addAll(List.of(more));
    return a.toArray(String[]::new);
  }

  static String pct(double e) { return String.format(Locale.ROOT, "%.2f%%", 100 * e); }

  /** The line of the table that starts with {@code start}. */
  static String line(String out, String start) {
    return out.lines().filter(l -> l.startsWith(start)).findFirst()
        .orElseThrow(() -> new AssertionError("no line '" + start + "' in\n" + out));
  }

  /** The number after {@code "key": } at or after {@code from} in the JSON text. */
  static double number(String json, String from, String key) {
    int at = json.indexOf(from);
    assertThat(at).as("%s in %s", from, json).isGreaterThanOrEqualTo(0);
    Matcher m = Pattern.compile("\"" + key + "\": (-?[0-9.eE+-]+)").matcher(json);
    assertThat(m.find(at)).as("%s after %s", key, from).isTrue();
    return Double.parseDouble(m.group(1));
  }

  @Test
  void tableShowsTheExactEfficiencyOfTheFirstOrderPlanAndTheExactOptimum() {
    String out = CliRunner.run(0, args(TWO, "--plot", "none"));
    MultiLevel.Plan plan = MultiLevel.optimize(TWO_LEVELS);
    double atPlan = MultiLevelMarkov.efficiency(TWO_LEVELS, plan.periods()[0], plan.ratios());
    MultiLevelMarkov.Pattern best = MultiLevelMarkov.optimize(TWO_LEVELS);
    assertThat(line(out, "multi-level ")).contains("7m 40s / 3h 27m", pct(plan.efficiency()), "93.28%",
        "first order; ratios 1 27");
    assertThat(line(out, "  exact model")).contains("same plan", pct(atPlan), "92.83%");
    assertThat(line(out, "multi-level-exact")).contains(
        Durations.format(best.interval()) + " / " + Durations.format(best.periods()[1]),
        pct(best.efficiency()), "92.84%", "ratios 1 28");
    assertThat(out).doesNotContain("bounded search", "edge of the search range", "not shown");
  }

  @Test
  void jsonGivesTheExactNumbersInSeconds() {
    String json = CliRunner.run(0, args(TWO, "--plot", "none", "--json"));
    MultiLevel.Plan plan = MultiLevel.optimize(TWO_LEVELS);
    double atPlan = MultiLevelMarkov.efficiency(TWO_LEVELS, plan.periods()[0], plan.ratios());
    MultiLevelMarkov.Pattern best = MultiLevelMarkov.optimize(TWO_LEVELS);
    // the multi-level row carries the exact efficiency of its plan; the exact optimum is a row of its own
    assertThat(number(json, "\"model\": \"multi-level\"", "exactEfficiency")).isCloseTo(atPlan, within(1e-6));
    assertThat(number(json, "\"model\": \"multi-level-exact\"", "efficiency")).isCloseTo(best.efficiency(),
        within(1e-6));
    // the details, intervals in seconds (6 significant digits)
    String e = json.substring(json.indexOf("\"multiLevelExact\""));
    assertThat(number(e, "\"firstOrderPlan\"", "intervalSeconds")).isCloseTo(plan.periods()[0],
        within(1e-5 * plan.periods()[0]));
    assertThat(number(e, "\"firstOrderPlan\"", "firstOrderEfficiency")).isCloseTo(plan.efficiency(), within(1e-6));
    assertThat(number(e, "\"firstOrderPlan\"", "exactEfficiency")).isCloseTo(atPlan, within(1e-6));
    assertThat(number(e, "\"optimum\"", "intervalSeconds")).isCloseTo(best.interval(), within(1e-5 * best.interval()));
    assertThat(number(e, "\"optimum\"", "efficiency")).isCloseTo(best.efficiency(), within(1e-6));
    assertThat(number(e, "\"optimum\"", "patternsEvaluated")).isEqualTo(103);
    assertThat(e.replaceAll("\\s+", " ")).contains("\"ratios\": [ 1, 27 ]", "\"ratios\": [ 1, 28 ]",
        "\"exhaustive\": true",
        "\"atSearchEdge\": false", "\"notes\": []", "\"periodsSeconds\": [436.051, 12209.4]");
    assertThat(json).contains("\"efficiencyMultiLevelPlanExact\": [", "\"efficiencyMultiLevelBestExact\": [");
  }

  @Test
  void plotHasTheMultiLevelCurves() throws Exception {
    Path plot = dir.resolve("a.svg");
    CliRunner.run(0, args(TWO, "--plot", plot.toString()));
    assertThat(Files.readString(plot)).contains("multi-level plan, exact", "multi-level best, exact",
        "(multi-level: every level&apos;s alike)");
    Path single = dir.resolve("b.svg");
    CliRunner.run(0, "advise", "--cost", "5m", "--mtbf", "24h", "--plot", single.toString());
    assertThat(Files.readString(single)).doesNotContain("multi-level");
  }

  @Test
  void threeLevelsAndABoundedSearch() {
    String[] three = {"--level", "local:5s:10s:6h", "--level", "partner:30s:1m:2d", "--level", "pfs:5m:10m:30d"};
    var levels = List.of(new MultiLevel.Level("local", 5, 10, 1 / 21600.0),
        new MultiLevel.Level("partner", 30, 60, 1 / 172800.0),
        new MultiLevel.Level("pfs", 300, 600, 1 / 2592000.0));
    MultiLevelMarkov.Pattern best = MultiLevelMarkov.optimize(levels);
    String out = CliRunner.run(0, args(three, "--plot", "none"));
    assertThat(line(out, "multi-level-exact")).contains(pct(best.efficiency()), "ratios 1 7 13");
    // 1,200 ratio vectors in range: a bound of 100 searches a part of them, and says so
    String bounded = CliRunner.run(0, args(three, "--plot", "none", "--exact-max-patterns", "100"));
    var s = MultiLevelMarkov.optimize(levels, 100);
    assertThat(s.exhaustive()).isFalse();
    assertThat(line(bounded, "multi-level-exact:"))
        .contains("bounded search, " + s.evaluated() + " of the 1,200 ratio vectors", "--exact-max-patterns 1200");
    assertThat(line(bounded, "multi-level-exact ")).contains(pct(s.best().efficiency()));
    String json = CliRunner.run(0, args(three, "--plot", "none", "--json", "--exact-max-patterns", "100"));
    assertThat(json).contains("\"exhaustive\": false", "\"patternsInSearchRange\": 1200");
    CliRunner.Result bad = CliRunner.run(args(three, "--plot", "none", "--exact-max-patterns", "0"));
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("--exact-max-patterns must be >= 1");
  }

  @Test
  void whereTheExactModelDoesNotApplyItSaysWhy() {
    String[] four = {"--level", "a:1s:1s:1h", "--level", "b:10s:10s:1d", "--level", "c:100s:100s:10d", "--level",
        "d:1000s:1000s:100d"};
    var levels = List.of(new MultiLevel.Level("a", 1, 1, 1 / 3600.0), new MultiLevel.Level("b", 10, 10, 1 / 86400.0),
        new MultiLevel.Level("c", 100, 100, 1 / 864000.0), new MultiLevel.Level("d", 1000, 1000, 1 / 8640000.0));
    MultiLevel.Plan plan = MultiLevel.optimize(levels);
    String out = CliRunner.run(0, args(four, "--plot", "none"));
    assertThat(line(out, "  exact model"))
        .contains(pct(MultiLevelMarkov.efficiency(levels, plan.periods()[0], plan.ratios())));
    assertThat(out).doesNotContain("multi-level-exact ");
    assertThat(line(out, "multi-level: exact optimum not shown")).contains("1 to 3 levels, 4 given");
    String json = CliRunner.run(0, args(four, "--plot", "none", "--json"));
    assertThat(json).contains("\"optimum\": null", "exact optimum not shown");
    // Weibull failures: the multi-level rows stay exponential, and the output says so
    String w = CliRunner.run(0, args(TWO, "--plot", "none", "--weibull-shape", "0.7"));
    assertThat(line(w, "multi-level:")).contains("exponential failures at each level (the Weibull shape");
    // failures every 10 minutes and every hour: first order is far off, and the output says so
    String high = CliRunner.run(0,
        args(new String[]{"--level", "local:1m:1m:10m", "--level", "pfs:50m:50m:1h"}, "--plot", "none"));
    assertThat(line(high, "multi-level ")).contains("27.33%");
    assertThat(line(high, "  exact model")).contains("0.00%");
    assertThat(line(high, "multi-level:")).contains("points above the exact model");
  }
}
