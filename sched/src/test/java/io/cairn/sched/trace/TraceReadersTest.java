package io.cairn.sched.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cairn.sched.FailureModel;
import io.cairn.sched.Fit;
import java.io.BufferedReader;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class TraceReadersTest {
  static Path shared(String file) {
    String dir = System.getProperty("cairn.shared");
    Assumptions.assumeTrue(dir != null && Files.isRegularFile(Path.of(dir, "data", file)),
        "skipped: ../shared/data/" + file + " is not available (set -Dcairn.shared=<dir> to run)");
    return Path.of(dir, "data", file);
  }

  @Test
  void swfReportsMalformedLinesWithTheirNumbers() throws Exception {
    String swf = """
        ; Version: 2.2
        ; MaxNodes: 16
        1 0 -1 100 4 -1 -1 4 200 -1 1 1 1 -1 0 -1 -1 -1
        2 10 -1 100 4
        3 20 -1 abc 4 -1 -1 4 200 -1 1 1 1 -1 0 -1 -1 -1
        4 30 -1 -1 4 -1 -1 4 200 -1 0 1 1 -1 0 -1 -1 -1
        5 40 -1 50 -1 -1 -1 8 60 -1 1 1 1 -1 1 -1 -1 -1
        """;
    var t = SwfReader.read(new BufferedReader(new StringReader(swf)), "x.swf", 2, 1);
    assertThat(t.problems()).containsExactly("x.swf:4: expected 18 fields, found 5",
        "x.swf:5: field 4 'abc' is not a number");
    assertThat(t.skipped()).isEqualTo(1);
    assertThat(t.jobs()).extracting(Job::id).containsExactly(1L, 5L);
    assertThat(t.jobs().get(0).nodes()).isEqualTo(2);
    assertThat(t.jobs().get(1).nodes()).isEqualTo(4);
    assertThat(t.jobs().get(1).priority()).isEqualTo(1);
    assertThat(t.jobs().get(1).submit()).isEqualTo(40);
    assertThat(t.maxNodes()).isEqualTo(16);
  }

  @Test
  void generatedTraceRoundTripsThroughSwf() throws Exception {
    List<Job> jobs = new TraceGenerator().nodes(64).jobs(200).load(0.7).urgentFraction(0.1).seed(9).generate();
    double area = 0;
    for (Job j : jobs) area += j.nodes() * j.runtime();
    assertThat(area / (64 * 7 * 86400.0)).isCloseTo(0.7, within(0.05));
    StringWriter w = new StringWriter();
    SwfWriter.write(w, jobs, 64, "test");
    var t = SwfReader.read(new BufferedReader(new StringReader(w.toString())), "gen", 1, 1);
    assertThat(t.problems()).isEmpty();
    assertThat(t.jobs()).hasSize(200);
    for (int i = 0; i < jobs.size(); i++) {
      assertThat(t.jobs().get(i).runtime()).isEqualTo(jobs.get(i).runtime());
      assertThat(t.jobs().get(i).nodes()).isEqualTo(jobs.get(i).nodes());
      assertThat(t.jobs().get(i).priority()).isEqualTo(jobs.get(i).priority());
    }
  }

  @Test
  void genericFailureCsv() throws Exception {
    String csv = "node,start,end,category\n3,100,160,Hardware\n1,2020-01-01T00:00:00,2020-01-01T01:00:00,Software\nx,1,2\n";
    var log = FailureLogs.read(new BufferedReader(new StringReader(csv)), "f.csv");
    assertThat(log.events()).hasSize(2);
    assertThat(log.events().get(0).nodeLoss()).isTrue();
    assertThat(log.events().get(1).end() - log.events().get(1).start()).isEqualTo(3600);
    assertThat(log.problems()).singleElement().asString().startsWith("f.csv:4:");
  }

  @Test
  void maximumLikelihoodFitsRecoverKnownParameters() {
    SplittableRandom r = new SplittableRandom(5);
    FailureModel truth = new FailureModel.Weibull(0.7, 50_000);
    double[] xs = new double[20_000];
    for (int i = 0; i < xs.length; i++) xs[i] = truth.sample(r);
    FailureModel.Weibull w = Fit.weibull(xs);
    assertThat(w.shape()).isCloseTo(0.7, within(0.015));
    assertThat(w.scale() / 50_000).isCloseTo(1, within(0.03));
    assertThat(Fit.exponential(xs).mtbf() / truth.mean()).isCloseTo(1, within(0.03));
    assertThat(Fit.aicGainOfWeibull(xs)).isPositive();
    // exponential data: the Weibull shape comes out ~1
    FailureModel e = new FailureModel.Exponential(1000);
    for (int i = 0; i < xs.length; i++) xs[i] = e.sample(r);
    assertThat(Fit.weibull(xs).shape()).isCloseTo(1, within(0.02));
  }

  @Test
  void readsTheNasaIpscTrace() throws Exception {
    var t = SwfReader.read(shared("NASA-iPSC-1993-3.1-cln.swf.gz"), 1, -1);
    assertThat(t.problems()).isEmpty();
    assertThat(t.jobs().size() + t.skipped()).isEqualTo(18_239);
    assertThat(t.maxNodes()).isEqualTo(128);
    assertThat(t.jobs()).allSatisfy(j -> assertThat(j.nodes()).isBetween(1, 128));
  }

  /** Schroeder and Gibson (DSN 2006) found times between failures in this data Weibull with shape below 1. */
  @Test
  void lanlLogFitsAWeibullWithDecreasingHazard() throws Exception {
    var log = FailureLogs.read(shared("LA-UR-05-7318-failure-data-1996-2005.csv.xz"));
    assertThat(log.events().size() + log.problems().size()).isEqualTo(23_739);
    assertThat(log.problems()).hasSizeLessThan(200).allSatisfy(p -> assertThat(p).contains("no node number"));
    List<FailureEvent> sys20 = FailureLogs.system(log.events(), "20");
    assertThat(sys20).hasSizeGreaterThan(1000);
    double[] system = FailureLogs.interArrivalTimes(sys20, false);
    FailureModel.Weibull w = Fit.weibull(system);
    assertThat(w.shape()).isBetween(0.5, 0.95);
    assertThat(Fit.aicGainOfWeibull(system)).isPositive();
    double[] perNode = FailureLogs.interArrivalTimes(sys20, true);
    assertThat(Fit.weibull(perNode).shape()).isLessThan(1);
  }
}
