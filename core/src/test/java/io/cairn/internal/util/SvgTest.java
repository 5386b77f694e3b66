package io.cairn.internal.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

class SvgTest {
  /** Parses the chart as XML (fails on a single unescaped character) and returns the document. */
  private static Document xml(String svg) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    return f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
  }

  private static final String NASTY = "a<b & 'c' \"d\" > e\u0001\u0007 \uD800 end";

  @Test
  void everyTextIsEscapedSoTheChartsAreWellFormedXml() throws Exception {
    assertThat(Svg.esc(NASTY)).isEqualTo("a&lt;b &amp; &apos;c&apos; &quot;d&quot; &gt; e\uFFFD\uFFFD \uFFFD end");
    assertThat(Svg.esc("ok \uD83D\uDE00 \t\n")).isEqualTo("ok \uD83D\uDE00 \t\n"); // a surrogate pair and allowed controls stay
    assertThat(Svg.esc(null)).isEmpty();
    List<String> charts = List.of(
        Svg.lineChart(NASTY, NASTY, NASTY, List.of(new Svg.Series(NASTY, new double[]{1, 2}, new double[]{3, 4})),
            false,
            List.of(new Svg.Mark(1.5, NASTY)), true),
        Svg.barChart(NASTY, NASTY, List.of(NASTY), new double[]{1}),
        Svg.groupedBarChart(NASTY, NASTY, List.of(NASTY), List.of(NASTY), new double[][]{{2}}),
        Svg.horizontalBars(NASTY, List.of(Svg.Bar.heading(NASTY), Svg.Bar.of(NASTY, 2, NASTY)), Svg.Scale.LOG, 1,
            Double.NaN, Double.NaN));
    for (String c : charts) {
      Document d = xml(c);
      assertThat(d.getDocumentElement().getTagName()).isEqualTo("svg");
      assertThat(d.getDocumentElement().getTextContent()).contains("a<b & 'c' \"d\" > e");
    }
    xml(Svg.stack(charts));
    xml(Svg.sideBySide(charts));
  }

  @Test
  void nonFiniteValuesAreGapsOrNotApplicableNeverNumbers() throws Exception {
    String line = Svg.lineChart("t", "x", "y", List.of(new Svg.Series("s", new double[]{1, 2, 3, 4, 5},
        new double[]{1, 2, Double.NaN, 4, Double.POSITIVE_INFINITY})), false);
    xml(line);
    // the NaN splits the line into two pieces; the infinity is left out
    assertThat(line.split("<polyline", -1)).hasSize(3);
    assertThat(line).doesNotContain("NaN").doesNotContain("Infinity");
    String logX = Svg.lineChart("t", "x", "y",
        List.of(new Svg.Series("s", new double[]{0, 10, 100}, new double[]{1, 2, 3})), true);
    assertThat(logX).doesNotContain("NaN").doesNotContain("Infinity"); // x = 0 has no logarithm: left out
    String bars = Svg.barChart("t", "y", List.of("a", "b"), new double[]{Double.NaN, 2});
    xml(bars);
    assertThat(bars).contains(">n/a<").doesNotContain("NaN");
    String h = Svg.horizontalBars("t",
        List.of(Svg.Bar.of("a", Double.NaN, "x"), Svg.Bar.of("b", 1e9, "big").target(Double.NaN),
            Svg.Bar.of("c", 0, "zero")),
        Svg.Scale.LOG, 1, 1e-3, 1e3);
    xml(h);
    assertThat(h).contains(">n/a<").doesNotContain("NaN").doesNotContain("Infinity");
    assertThat(Svg.num(Double.NaN)).isEqualTo("n/a");
    assertThat(Svg.num(1234.5)).isEqualTo("1235");
    assertThat(Svg.num(2e-5)).isEqualTo("2.00e-05");
  }

  @Test
  void emptySeriesDrawAxesAndSayNoData() throws Exception {
    for (String c : List.of(Svg.lineChart("t", "x", "y", List.of(), false),
        Svg.lineChart("t", "x", "y", List.of(new Svg.Series("s", new double[0], new double[0])), true),
        Svg.lineChart("t", "x", "y", List.of(new Svg.Series("s", new double[]{1}, new double[]{Double.NaN})), false),
        Svg.barChart("t", "y", List.of(), new double[0]),
        Svg.groupedBarChart("t", "y", List.of("g"), List.of("s"), new double[][]{{Double.NaN}}),
        Svg.horizontalBars("t", List.of(), Svg.Scale.LINEAR, 0, Double.NaN, Double.NaN))) {
      xml(c);
      assertThat(c).contains(">no data<").doesNotContain("NaN").doesNotContain("Infinity").doesNotContain("<polyline");
    }
  }

  @Test
  void chartsShowTheirData() throws Exception {
    // one point at the top of the y range and one at the bottom, a line through both
    String line = Svg.lineChart("t", "x", "y", List.of(new Svg.Series("ref", new double[]{0, 1}, new double[]{0, 10}),
        new Svg.Series("resumed", new double[]{0, 1}, new double[]{0, 10}, true)), false,
        List.of(new Svg.Mark(0.5, "SIGKILL")), true);
    assertThat(line).contains(">ref<", ">resumed<", ">SIGKILL<", "stroke-dasharray='6,4'");
    String g = Svg.groupedBarChart("t", "ms", List.of("4 ranks", "8 ranks"), List.of("blocking", "independent"),
        new double[][]{{10, 20}, {1, 2}});
    assertThat(g).contains(">4 ranks<", ">8 ranks<", ">blocking<", ">independent<", ">20.0<",
        "<title>blocking, 8 ranks: 20.0</title>");
    String h = Svg.horizontalBars("t",
        List.of(Svg.Bar.of("fast", 1e6, "1,000,000"), Svg.Bar.of("slow", 10, "10").color("#78a")),
        Svg.Scale.LOG, 1, 1, Double.NaN);
    assertThat(h).contains(">1,000,000<", "fill='#78a'", ">1e6<");
    assertThatThrownBy(() -> Svg.barChart("t", "y", List.of("a"), new double[2]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Svg.Series("s", new double[1], new double[2]))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
