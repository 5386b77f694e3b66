package io.cairn.cli.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cli.CliRunner;
import io.cairn.cli.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cairn bench --quick}: every figure is there with finite ratios (no timing thresholds). */
class BenchCommandTest {
  private static final Pattern RATIO = Pattern.compile("\"(\\w*[rR]atio)\":(null|[-0-9.eE+]+)");

  @Test
  void quickBenchReportsEveryFigureWithFiniteRatios(@TempDir Path dir) throws Exception {
    String json = runCaptured("bench", "--quick", "--json", "--dir", dir.toString());

    for (String fig : io.cairn.internal.bench.EngineBench.FIGURES)
      assertThat(json).as("figure " + fig).contains("\"id\":\"" + fig + "\"");
    List<String> bad = new ArrayList<>();
    int count = 0;
    Matcher m = RATIO.matcher(json);
    while (m.find()) {
      count++;
      double v = m.group(2).equals("null") ? Double.NaN : Double.parseDouble(m.group(2));
      if (!Double.isFinite(v) || v <= 0) bad.add(m.group());
    }
    assertThat(bad).as("non-finite or non-positive ratios").isEmpty();
    // sync 3, async 3, baselines 6, incremental 8, compression 9 (+ compression and restore ratios), loop 2
    assertThat(count).isGreaterThanOrEqualTo(31);
    assertThat(json).contains("\"target\":\">= 0.95\"", "\"target\":\"<= 1.3\"", "\"target\":\"<= 1.03\"",
        "\"target\":\"<= 0.07\"");
    // issue 20's targets: the incremental floor, and the heat field's ratio at >= 1 GB/s per core
    assertThat(json).contains("\"target\":\"<= 0.08\"", "\"target\":\">= 1.4\"", "best ratio at >= 1 GB/s per core");
    Matcher t = Pattern.compile("\"target\":\"[^\"]+\",\"met\":(true|false)").matcher(json);
    int targets = 0;
    while (t.find()) targets++;
    assertThat(targets).as("rows with a target say whether it is met").isGreaterThanOrEqualTo(5);
    assertThat(json).as("the loop took at least one checkpoint").containsPattern("\"checkpoints\":[1-9]");
    assertThat(Files.readString(dir.resolve("bench.json"))).isEqualToIgnoringWhitespace(json);
    assertThat(Files.readString(dir.resolve("bench.svg"))).startsWith("<svg").contains("</svg>")
        .contains("incremental");
    assertThat(Files.readString(dir.resolve("bench.txt"))).contains("sync:", "async:", "loop:", "incremental:",
        "compression:", "baselines:");
    // nothing but the results is left behind
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly("bench.json",
          "bench.svg", "bench.txt");
    }
  }

  @Test
  void onlyRunsTheNamedFiguresAndRejectsUnknownOnes(@TempDir Path dir) throws Exception {
    String json = runCaptured("bench", "--quick", "--json", "--only", "incremental", "--dir", dir.toString());
    assertThat(json).contains("\"id\":\"incremental\"").doesNotContain("\"id\":\"sync\"", "\"id\":\"loop\"");
    assertThat(Main.run("bench", "--quick", "--only", "nosuch", "--dir", dir.toString())).isNotZero();
  }

  private static String runCaptured(String... args) {
    return CliRunner.run(0, args).trim();
  }
}
